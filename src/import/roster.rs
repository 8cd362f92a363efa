//! Group rosters (member lists): 企业微信 `groupchat/get` JSON, PyWxDump `users.json`,
//! or a CSV with at least a name column. Rosters are small (≤ 500 members): read
//! whole.

use std::io::{BufReader, Read};
use std::path::Path;

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::util::{self, CsvSource, field, non_empty, value_i64, value_str};
use super::{ImportError, Reason};

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// wxid / userid when the file has it.
    pub id: Option<String>,
    /// WeChat name (or remark), else the group nickname, else the id.
    pub name: String,
    pub group_nickname: Option<String>,
    /// Unix seconds.
    pub joined_at: Option<i64>,
    /// 企业微信: 1 invited directly, 2 invited by link, 3 scanned the QR code.
    pub join_scene: Option<i64>,
    /// Who invited them (userid), when known.
    pub invitor: Option<String>,
    /// `owner`, `admin` or `member`, when known.
    pub role: Option<String>,
}

/// Reads a roster: `(format word, group name if the file says, members)`. Format
/// words: `wecom`, `pywxdump`, `csv`.
pub fn read_roster(
    path: &Path,
    tz: Tz,
) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            BufReader::new(f)
                .take(64 * 1024 * 1024)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| ImportError {
            line: 0,
            reason: Reason::io(&e),
        })?;
    read_roster_bytes(&bytes, tz)
}

/// [`read_roster`] on the file's content.
pub fn read_roster_bytes(
    bytes: &[u8],
    tz: Tz,
) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    let bytes = bytes.strip_prefix(util::BOM).unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(ImportError {
            line: 1,
            reason: Reason::EmptyFile,
        }),
        Some(b'{' | b'[') => {
            let v: Value = serde_json::from_slice(bytes).map_err(|e| util::json_error(&e))?;
            let roster = json_roster(&v)?;
            if roster.2.is_empty() {
                return Err(empty_roster(1));
            }
            Ok(roster)
        }
        Some(_) => csv_roster(bytes, tz),
    }
}

/// A roster without members is never a real group's (the exporting account is in it):
/// a cut or wrong export. Refused here, with the line, before the roster guard
/// (`domain::roster`) would refuse it for marking everyone as left.
fn empty_roster(line: u64) -> ImportError {
    ImportError {
        line,
        reason: Reason::EmptyRoster,
    }
}

fn not_a_roster() -> ImportError {
    ImportError {
        line: 1,
        reason: Reason::NotARoster,
    }
}

fn json_roster(v: &Value) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    match v {
        Value::Object(obj) => {
            if let Some(code) = value_i64(obj.get("errcode")).filter(|&c| c != 0) {
                return Err(ImportError {
                    line: 1,
                    reason: Reason::WecomError {
                        code,
                        message: util::clip(&value_str(obj.get("errmsg")), 200),
                    },
                });
            }
            if let Some(Value::Object(chat)) = obj.get("group_chat") {
                return wecom(chat);
            }
            if obj.contains_key("member_list") {
                return wecom(obj);
            }
            if !obj.is_empty() && obj.values().all(Value::is_object) {
                let users = obj
                    .iter()
                    .filter_map(|(k, v)| Some((Some(k.as_str()), v.as_object()?)));
                return users_json(users);
            }
            Err(not_a_roster())
        }
        Value::Array(items) if items.iter().all(Value::is_object) => {
            users_json(items.iter().filter_map(|v| Some((None, v.as_object()?))))
        }
        _ => Err(not_a_roster()),
    }
}

/// 企业微信 `group_chat`: `{chat_id, name, owner, member_list:[…], admin_list:[…]}`.
fn wecom(
    chat: &Map<String, Value>,
) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    let owner = non_empty(&value_str(chat.get("owner")));
    let admins: Vec<String> = chat
        .get("admin_list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| non_empty(&value_str(a.get("userid"))))
        .collect();
    let members = chat
        .get("member_list")
        .and_then(Value::as_array)
        .ok_or_else(not_a_roster)?;
    let mut out = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        let s = |k: &str| non_empty(&value_str(m.get(k)));
        let Some(userid) = s("userid") else {
            return Err(ImportError {
                line: 1,
                reason: Reason::NoUserid { index: i },
            });
        };
        let group_nickname = s("group_nickname");
        let name = s("name")
            .or_else(|| group_nickname.clone())
            .unwrap_or_else(|| userid.clone());
        let role = if owner.as_deref() == Some(userid.as_str()) {
            "owner"
        } else if admins.contains(&userid) {
            "admin"
        } else {
            "member"
        };
        out.push(RosterEntry {
            name,
            group_nickname,
            joined_at: value_i64(m.get("join_time")).filter(|&t| t > 0),
            join_scene: value_i64(m.get("join_scene")),
            invitor: m
                .get("invitor")
                .and_then(|inv| non_empty(&value_str(inv.get("userid")))),
            role: Some(role.to_string()),
            id: Some(userid),
        });
    }
    let name = non_empty(&value_str(chat.get("name")));
    Ok(("wecom".to_string(), name, out))
}

/// PyWxDump `users.json`: wxid → `{wxid, nickname, remark, roomNickname, …}`.
fn users_json<'a>(
    users: impl Iterator<Item = (Option<&'a str>, &'a Map<String, Value>)>,
) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    let mut out = Vec::new();
    for (i, (key, u)) in users.enumerate() {
        let s = |k: &str| non_empty(&value_str(u.get(k)));
        let id = s("wxid").or_else(|| key.and_then(non_empty));
        let group_nickname = s("roomNickname");
        let Some(name) = s("remark")
            .or_else(|| s("nickname"))
            .or_else(|| group_nickname.clone())
            .or_else(|| id.clone())
        else {
            return Err(ImportError {
                line: 1,
                reason: Reason::UserNoName { number: i + 1 },
            });
        };
        out.push(RosterEntry {
            id,
            name,
            group_nickname,
            joined_at: None,
            join_scene: None,
            invitor: None,
            role: None,
        });
    }
    Ok(("pywxdump".to_string(), None, out))
}

const ID: [&str; 4] = ["wxid", "id", "userid", "微信号"];
const NAME: [&str; 4] = ["name", "nickname", "昵称", "微信名"];
const NICK: [&str; 2] = ["group_nickname", "群昵称"];
const JOINED: [&str; 3] = ["joined", "join_time", "入群时间"];
const ROLE: [&str; 2] = ["role", "角色"];
const SCENE: [&str; 2] = ["join_scene", "入群方式"];
const INVITOR: [&str; 4] = ["invitor", "inviter", "邀请人", "邀请者"];
const GROUP: [&str; 4] = ["group", "group_name", "群名", "群聊"];

fn csv_roster(
    bytes: &[u8],
    tz: Tz,
) -> Result<(String, Option<String>, Vec<RosterEntry>), ImportError> {
    let mut src = CsvSource::new(bytes)?;
    let Some(name_col) = src.col_any(&NAME) else {
        return Err(ImportError {
            line: src.header_line(),
            reason: Reason::RosterNoName {
                names: NAME.join("|"),
                columns: [&ID[..], &NAME, &NICK, &JOINED, &ROLE]
                    .iter()
                    .map(|names| names.join("|"))
                    .collect::<Vec<_>>()
                    .join(" | "),
            },
        });
    };
    let id_col = src.col_any(&ID);
    let nick_col = src.col_any(&NICK);
    let joined_col = src.col_any(&JOINED);
    let role_col = src.col_any(&ROLE);
    let scene_col = src.col_any(&SCENE);
    let invitor_col = src.col_any(&INVITOR);
    let group_col = src.col_any(&GROUP);
    let joined_name = joined_col
        .map(|i| src.header[i].clone())
        .unwrap_or_default();
    let scene_name = scene_col.map(|i| src.header[i].clone()).unwrap_or_default();
    let name_name = src.header[name_col].clone();
    let mut group = None;
    let mut out = Vec::new();
    while let Some(row) = src.next_row() {
        let (line, rec) = row?;
        let err = |reason: Reason| ImportError { line, reason };
        let get = |i: Option<usize>| i.and_then(|i| non_empty(field(&rec, i)));
        let id = get(id_col);
        let Some(name) = get(Some(name_col)).or_else(|| id.clone()) else {
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Err(err(Reason::EmptyField {
                column: name_name.clone(),
            }));
        };
        let joined_at = match get(joined_col) {
            None => None,
            Some(raw) => Some(
                util::parse_time(&raw, tz)
                    .ok_or_else(|| err(util::bad_time(&joined_name, &raw)))?,
            ),
        };
        let role = match get(role_col) {
            None => None,
            Some(r) => Some(role_word(&r).ok_or_else(|| {
                err(Reason::BadRole {
                    value: util::clip(&r, 20),
                })
            })?),
        };
        let join_scene = match get(scene_col) {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| {
                err(Reason::NotANumber {
                    column: scene_name.clone(),
                    value: util::clip(&s, 20),
                })
            })?),
        };
        if group.is_none() {
            group = get(group_col);
        }
        out.push(RosterEntry {
            id,
            name,
            group_nickname: get(nick_col),
            joined_at,
            join_scene,
            invitor: get(invitor_col),
            role,
        });
    }
    if out.is_empty() {
        return Err(empty_roster(src.header_line()));
    }
    Ok(("csv".to_string(), group, out))
}

fn role_word(r: &str) -> Option<String> {
    let word = match r.trim().to_ascii_lowercase().as_str() {
        "群主" | "owner" => "owner",
        "管理员" | "admin" | "administrator" => "admin",
        "成员" | "群成员" | "普通成员" | "member" => "member",
        _ => return None,
    };
    Some(word.to_string())
}
