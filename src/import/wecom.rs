//! 企业微信 会话内容存档 (the finance SDK's decrypted messages), one JSON object per
//! line: `msgid, action (send|recall|switch), from, tolist, roomid, msgtime` (ms),
//! `msgtype` and a payload object named like the msgtype (`text`:{content}, …;
//! `docmsg` → `doc`, `markdown`/`news` → `info`).
//!
//! `switch` records (a user changed device) are skipped; `recall` is a Revoke event;
//! records without `roomid` are 1:1 chats and skipped. `from` is a userid (staff) or
//! an external userid (`wm…`/`wo…`): the archive has no names, so the name is the id.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::util::{self, LineReader, non_empty, value_i64, value_str};
use super::{Event, EventKind, ImportError, MsgKind, Reason, Record, RecordKind};

pub(crate) fn records<R: BufRead + Send + 'static>(input: R) -> util::Items {
    Box::new(Lines {
        lines: LineReader::new(input),
    })
}

struct Lines<R: BufRead> {
    lines: LineReader<R>,
}

impl<R: BufRead + Send> Iterator for Lines<R> {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, text) = match self.lines.next_line()? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return Some(Err(util::json_line_error(line, &e))),
        };
        Some(match value.as_object() {
            Some(obj) => convert(obj)
                .map(|kind| Record { line, kind })
                .map_err(|reason| ImportError { line, reason }),
            None => Err(ImportError {
                line,
                reason: Reason::NotJsonObject,
            }),
        })
    }
}

fn convert(obj: &Map<String, Value>) -> Result<RecordKind, Reason> {
    let get = |k: &str| value_str(obj.get(k));
    let action = non_empty(&get("action")).unwrap_or_else(|| "send".to_string());
    if action == "switch" {
        return Ok(util::skip(
            "switch record (a user changed device), not a message",
        ));
    }
    let at = match (value_i64(obj.get("msgtime")), obj.get("msgtime")) {
        (Some(ms), _) => ms.div_euclid(1000),
        (None, None) => {
            return Err(Reason::MissingField {
                column: "msgtime".into(),
            });
        }
        (None, Some(v)) => {
            return Err(Reason::NotMillis {
                column: "msgtime".into(),
                value: util::clip(&v.to_string(), 40),
            });
        }
    };
    let Some(room) = non_empty(&get("roomid")) else {
        return Ok(util::skip("not a group chat (no roomid)"));
    };
    let msgid = non_empty(&get("msgid"));
    let from = non_empty(&get("from"));
    match action.as_str() {
        "recall" => {
            let pre = obj
                .get("revoke")
                .and_then(|r| r.get("pre_msgid"))
                .map(|v| value_str(Some(v)))
                .unwrap_or_default();
            let detail = if pre.is_empty() {
                "recall".to_string()
            } else {
                format!("recall {pre}")
            };
            let key = match &msgid {
                Some(id) => format!("ev:wc:{id}"),
                None => format!(
                    "ev:{}",
                    util::hash_key(at, from.as_deref().unwrap_or(""), &detail)
                ),
            };
            Ok(RecordKind::Event(Event {
                key,
                at,
                group: Some(room),
                kind: EventKind::Revoke,
                actor: from,
                targets: Vec::new(),
                detail,
            }))
        }
        "send" => {
            let Some(msgtype) = non_empty(&get("msgtype")) else {
                return Ok(util::skip("no msgtype"));
            };
            let Some(from) = from else {
                return Err(Reason::MissingField {
                    column: "from".into(),
                });
            };
            let (kind, content) = payload(&msgtype, obj);
            let key = msgid.map(|id| format!("wc:{id}"));
            Ok(util::message(
                key,
                at,
                Some(from.clone()),
                from,
                Some(room),
                kind,
                content,
            ))
        }
        other => Ok(util::skip(format!(
            "unknown action \"{}\"",
            util::clip(other, 20)
        ))),
    }
}

/// The kind and a readable content of a record's payload.
fn payload(msgtype: &str, obj: &Map<String, Value>) -> (MsgKind, String) {
    let body = [msgtype, payload_key(msgtype), "info"]
        .iter()
        .find_map(|k| obj.get(*k).filter(|v| v.is_object()));
    let s = |k: &str| {
        body.and_then(|b| b.get(k))
            .map(|v| value_str(Some(v)))
            .unwrap_or_default()
    };
    let first = |keys: &[&str]| keys.iter().map(|k| s(k)).find(|v| !v.trim().is_empty());
    let tagged = |tag: &str, keys: &[&str]| match first(keys) {
        Some(text) => format!("[{tag}] {text}"),
        None => format!("[{tag}]"),
    };
    match msgtype {
        "text" | "markdown" => (MsgKind::Text, s("content")),
        "image" => (MsgKind::Image, "[图片]".into()),
        "voice" => (MsgKind::Voice, "[语音]".into()),
        "video" => (MsgKind::Video, "[视频]".into()),
        "emotion" => (MsgKind::Emoji, "[表情]".into()),
        "mixed" => (MsgKind::Text, mixed(body)),
        "news" => (MsgKind::App, news(body)),
        "file" | "qydiskfile" => (MsgKind::App, tagged("文件", &["filename"])),
        "docmsg" => (MsgKind::App, tagged("文档", &["title"])),
        "link" => (MsgKind::App, tagged("链接", &["title", "link_url"])),
        "weapp" => (MsgKind::App, tagged("小程序", &["title", "displayname"])),
        "chatrecord" => (MsgKind::App, tagged("聊天记录", &["title"])),
        "todo" => (MsgKind::App, tagged("待办", &["title", "content"])),
        "vote" => (MsgKind::App, tagged("投票", &["votetitle"])),
        "collect" => (MsgKind::App, tagged("填表", &["title"])),
        "redpacket" | "external_redpacket" => (MsgKind::App, tagged("红包", &["wish"])),
        "meeting" => (MsgKind::App, tagged("会议", &["topic"])),
        "calendar" => (MsgKind::App, tagged("日程", &["title"])),
        "location" => (MsgKind::App, tagged("位置", &["title", "address"])),
        "card" => (MsgKind::App, tagged("名片", &["corpname", "userid"])),
        "sphfeed" => (MsgKind::App, tagged("视频号", &["feed_desc", "sph_name"])),
        other => (MsgKind::Other, tagged(other, &["content", "title"])),
    }
}

/// The payload key when it is not the msgtype.
fn payload_key(msgtype: &str) -> &'static str {
    match msgtype {
        "docmsg" => "doc",
        "markdown" | "news" | "qydiskfile" => "info",
        "external_redpacket" => "redpacket",
        _ => "",
    }
}

/// `mixed`: `{"item":[{"type":"text","content":"{\"content\":\"…\"}"},{"type":"image",…}]}`.
fn mixed(body: Option<&Value>) -> String {
    let items = body.and_then(|b| b.get("item")).and_then(Value::as_array);
    let mut parts = Vec::new();
    for item in items.into_iter().flatten() {
        let inner = value_str(item.get("content"));
        let inner: Value = serde_json::from_str(&inner).unwrap_or(Value::String(inner));
        match value_str(item.get("type")).as_str() {
            "text" | "markdown" => parts.push(match inner.get("content") {
                Some(c) => value_str(Some(c)),
                None => value_str(Some(&inner)),
            }),
            "image" => parts.push("[图片]".to_string()),
            "emotion" => parts.push("[表情]".to_string()),
            other => parts.push(format!("[{other}]")),
        }
    }
    parts.join("\n")
}

/// `news`: `{"item":[{"title":…,"description":…,"url":…}]}` → the titles.
fn news(body: Option<&Value>) -> String {
    let titles: Vec<String> = body
        .and_then(|b| b.get("item"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| value_str(i.get("title")))
        .filter(|t| !t.is_empty())
        .collect();
    format!("[图文] {}", titles.join(" / "))
        .trim_end()
        .to_string()
}
