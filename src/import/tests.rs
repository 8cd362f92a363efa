//! The fixtures in `tests/fixtures/import/` against `EXPECTED.md`, plus the finer
//! points of each format.

use std::io::{Cursor, Read};
use std::path::PathBuf;

use chrono::TimeZone;
use chrono_tz::Asia::Shanghai;

use super::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/");
const ROOM: &str = "45678901234@chatroom";
const GROUP: &str = "读书会🌟2024";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(DIR).join(name)
}

fn mapped_format() -> Format {
    Format::Csv(parse_map("time=时间,sender=发送人,content=内容").unwrap())
}

/// The format to pass to `open` for a fixture: sniffed, except the mapped CSV.
fn format_for(file: &str) -> Option<Format> {
    (file == "mapped.csv").then(mapped_format)
}

fn all(file: &str) -> Vec<Result<Record, ImportError>> {
    open(&fixture(file), format_for(file), Shanghai)
        .unwrap()
        .collect()
}

fn records(file: &str) -> Vec<Record> {
    all(file).into_iter().map(|r| r.unwrap()).collect()
}

fn messages(file: &str) -> Vec<Message> {
    records(file)
        .into_iter()
        .filter_map(|r| match r.kind {
            RecordKind::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn events(file: &str) -> Vec<Event> {
    records(file)
        .into_iter()
        .filter_map(|r| match r.kind {
            RecordKind::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The rows of the markdown table of EXPECTED.md whose header starts with `header`.
fn table(header: &[&str]) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixture("EXPECTED.md")).unwrap();
    let mut rows = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.trim_start().starts_with('|') {
            inside = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        if cells.len() >= header.len() && cells.iter().zip(header).all(|(c, h)| c == h) {
            inside = true;
        } else if inside && !cells[0].starts_with("---") {
            rows.push(cells);
        }
    }
    assert!(!rows.is_empty(), "no table {header:?} in EXPECTED.md");
    rows
}

const CHATS: &[&str] = &["file", "format", "read"];

fn n(cell: &str) -> u64 {
    cell.parse().unwrap()
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    read: u64,
    messages: u64,
    events: u64,
    skipped: u64,
    errors: u64,
}

#[test]
fn fixtures_give_the_counts_of_expected_md() {
    let rows = table(CHATS);
    assert_eq!(rows.len(), 12);
    for row in rows {
        let file = row[0].as_str();
        let recs = open(&fixture(file), format_for(file), Shanghai).unwrap();
        assert_eq!(format_name(recs.detected()), row[1], "{file}");
        let mut got = Counts::default();
        for r in recs {
            got.read += 1;
            match r {
                Ok(Record {
                    kind: RecordKind::Message(_),
                    ..
                }) => got.messages += 1,
                Ok(Record {
                    kind: RecordKind::Event(_),
                    ..
                }) => got.events += 1,
                Ok(Record {
                    kind: RecordKind::Skip { .. },
                    ..
                }) => got.skipped += 1,
                Err(_) => got.errors += 1,
            }
        }
        let want = Counts {
            read: n(&row[2]),
            messages: n(&row[3]),
            events: n(&row[4]),
            skipped: n(&row[5]),
            errors: n(&row[6]),
        };
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn sniffing_each_fixture() {
    for row in table(CHATS) {
        let file = row[0].as_str();
        let mut head = Vec::new();
        std::fs::File::open(fixture(file))
            .unwrap()
            .take(SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .unwrap();
        let want = if file == "mapped.csv" {
            None
        } else {
            Some(row[1].as_str())
        };
        assert_eq!(sniff(&head).as_ref().map(format_name), want, "{file}");
    }
    for file in [
        "roster_wecom.json",
        "roster_users.json",
        "roster.csv",
        "orders.csv",
        "EXPECTED.md",
    ] {
        let head = std::fs::read(fixture(file)).unwrap();
        assert_eq!(sniff(&head), None, "{file}");
    }
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b"\xEF\xBB\xBF"), None);
    // JSON told by shape, even cut short
    assert_eq!(
        sniff(b"{\n  \"chatlab\": {\"version\": \"0.0.1\"},\n  \"meta\": {\"na"),
        Some(Format::ChatLab)
    );
    assert_eq!(
        sniff(b"[{\"time\":\"2024-03-02T08:25:00+08:00\",\"talker\":\"x\",\"sender\":\"y\",\"cont"),
        Some(Format::Chatlog)
    );
    assert_eq!(
        sniff(b"{\"msgid\":\"1\",\"action\":\"switch\",\"time\":1,\"user\":\"a\"}\n"),
        Some(Format::WeCom)
    );
    assert_eq!(sniff(b"{\"content\":\"\\\"chatlab\\\": x\",\"a\":1}"), None);
    // a blank line before the header
    assert_eq!(
        sniff(b"\xEF\xBB\xBF\r\nTime,SenderName,Sender,TalkerName,Talker,Content\r\n"),
        Some(Format::Chatlog)
    );
    // quoted header fields, CRLF
    assert_eq!(
        sniff(
            "\"消息ID\",\"类型\",\"发送人\",\"时间\",\"内容\",\"备注\",\"昵称\",\"更多信息\"\r\n"
                .as_bytes()
        ),
        Some(Format::MemoTrace)
    );
}

/// (file, at, sender_id, sender_name, kind, content): the first message of each.
#[test]
fn first_message_of_each_fixture() {
    let oct = |h, m, s| {
        Shanghai
            .with_ymd_and_hms(2024, 10, 4, h, m, s)
            .unwrap()
            .timestamp()
    };
    #[allow(clippy::type_complexity)]
    let want: [(&str, i64, Option<&str>, &str, MsgKind, &str, Option<&str>); 12] = [
        (
            "wechatmsg.csv",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "张三",
            MsgKind::Text,
            "大家早上好☀️ 今天读《置身事内》第三章",
            Some(ROOM),
        ),
        (
            "english_system.csv",
            1_709_339_100,
            Some("wxid_amylee05"),
            "Amy Lee",
            MsgKind::Text,
            "Morning everyone! 📚",
            Some(ROOM),
        ),
        (
            "broken_wechatmsg.csv",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "张三",
            MsgKind::Text,
            "今天的打卡开始啦",
            Some(ROOM),
        ),
        (
            "memotrace.csv",
            1_709_339_100,
            None,
            "张三",
            MsgKind::Text,
            "大家早上好☀️",
            None,
        ),
        (
            "pywxdump_v3.csv",
            oct(8, 25, 0),
            Some("wxid_zhangsan01"),
            "wxid_zhangsan01",
            MsgKind::Text,
            "今晚八点线上分享会，记得准时参加～",
            Some(ROOM),
        ),
        (
            "pywxdump_v2.csv",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "wxid_zhangsan01",
            MsgKind::Text,
            "早上好，今天继续打卡📖",
            Some(ROOM),
        ),
        (
            "chatlog.csv",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "张三",
            MsgKind::Text,
            "大家早上好☀️",
            Some(GROUP),
        ),
        (
            "chatlog.json",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "张三",
            MsgKind::Text,
            "大家早上好☀️",
            Some(GROUP),
        ),
        (
            "chatlab.json",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "群主-张三",
            MsgKind::Text,
            "大家早上好☀️",
            Some(GROUP),
        ),
        (
            "chatlab.jsonl",
            1_709_339_100,
            Some("wxid_zhangsan01"),
            "群主-张三",
            MsgKind::Text,
            "早安 🌅",
            Some(GROUP),
        ),
        (
            "wecom.jsonl",
            1_709_339_100,
            Some("ZhangSan"),
            "ZhangSan",
            MsgKind::Text,
            "各位早上好，今天的打卡任务已发布 📌",
            Some("wrjc7bDwAASxc8tZvBErFE02BtPWyAAA"),
        ),
        (
            "mapped.csv",
            1_709_339_100,
            None,
            "张三",
            MsgKind::Text,
            "早上好",
            None,
        ),
    ];
    for (file, at, id, name, kind, content, group) in want {
        let m = all(file)
            .into_iter()
            .find_map(|r| match r {
                Ok(Record {
                    kind: RecordKind::Message(m),
                    ..
                }) => Some(m),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (
                m.at,
                m.sender_id.as_deref(),
                m.sender_name.as_str(),
                m.kind,
                m.content.as_str(),
                m.group.as_deref()
            ),
            (at, id, name, kind, content, group),
            "{file}"
        );
    }
    // 1709339100 by hand: 2024-03-02T00:25:00Z = 08:25 in Shanghai.
    let utc = chrono::DateTime::from_timestamp(1_709_339_100, 0).unwrap();
    assert_eq!(utc.to_rfc3339(), "2024-03-02T00:25:00+00:00");
}

#[test]
fn wechatmsg_details() {
    let recs = records("wechatmsg.csv");
    // line numbers: the multi-line field of row 103 spans lines 4–7
    let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    );
    let RecordKind::Message(m) = &recs[2].kind else {
        panic!("row 103 is a message")
    };
    assert_eq!(
        m.content,
        "谢谢邀请！\n我先说说第一章的感受：\n1. 地方政府的角色很关键\n2. 土地财政那一节最精彩"
    );
    assert_eq!(m.key, format!("wm:{ROOM}:103"));
    let msgs = messages("wechatmsg.csv");
    let me = msgs
        .iter()
        .find(|m| m.content.starts_with("欢迎新朋友"))
        .unwrap();
    assert_eq!(
        (me.sender_id.as_deref(), me.sender_name.as_str()),
        (None, SELF_SENDER)
    );
    let left = msgs
        .iter()
        .find(|m| m.content == "第三章我还没读完")
        .unwrap();
    assert_eq!(
        (left.sender_id.as_deref(), left.sender_name.as_str()),
        (Some("wxid_zhaoliu06"), "wxid_zhaoliu06")
    );
    let kinds: Vec<MsgKind> = msgs.iter().map(|m| m.kind).collect();
    use MsgKind::*;
    assert_eq!(
        kinds,
        [Text, Text, Image, Text, Text, Text, Emoji, App, Voice]
    );

    let evs = events("wechatmsg.csv");
    let summary: Vec<(EventKind, Option<&str>, Vec<&str>)> = evs
        .iter()
        .map(|e| {
            (
                e.kind,
                e.actor.as_deref(),
                e.targets.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (EventKind::JoinInvite, Some("张三"), vec!["李四", "王五"]),
            (EventKind::JoinQr, Some("张三"), vec!["小美🌸"]),
            (EventKind::Kick, None, vec!["陈七"]),
            (EventKind::Rename, Some("张三"), vec![]),
            (EventKind::Revoke, Some("王五"), vec![]),
        ]
    );
    assert_eq!(evs[0].key, format!("ev:wm:{ROOM}:102"));
    assert_eq!(evs[0].at, 1_709_339_160);
    assert_eq!(evs[0].group.as_deref(), Some(ROOM));
    assert_eq!(evs[3].detail, GROUP);
    let skip = recs.iter().find_map(|r| match &r.kind {
        RecordKind::Skip { reason } => Some(reason.clone()),
        _ => None,
    });
    assert!(skip.unwrap().contains("不是朋友关系"));
}

#[test]
fn english_system_texts_become_events() {
    let evs = events("english_system.csv");
    let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(
        kinds,
        [
            JoinInvite, JoinInvite, JoinQr, JoinQr, Kick, Rename, Rename, Revoke, Revoke, Kick
        ]
    );
    assert_eq!(evs[0].targets, ["Bob", "Carol"]);
    assert_eq!(evs[5].detail, "Book Club 2024");
    assert_eq!(
        (evs[9].actor.as_deref(), evs[9].targets.as_slice()),
        (Some("Amy Lee"), &[SELF_TARGET.to_string()][..])
    );
}

#[test]
fn broken_file_errors_at_line_5_naming_create_time() {
    let got = all("broken_wechatmsg.csv");
    assert_eq!(got.len(), 4);
    assert!(got[..3].iter().all(|r| matches!(
        r,
        Ok(Record {
            kind: RecordKind::Message(_),
            ..
        })
    )));
    let err = got[3].clone().unwrap_err();
    assert_eq!(err.line, 5);
    assert!(
        err.reason.to_string().contains("CreateTime")
            && err.reason.to_string().contains("yesterday"),
        "{}",
        err.reason
    );
    assert_eq!(
        err.to_string(),
        "line 5: CreateTime \"yesterday\" is not a Unix time"
    );
}

#[test]
fn pywxdump_times_are_local() {
    let csv = "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n\
               1,42,文本,0,wxid_a,1@chatroom,hi,,2024-03-02 08:25:00\n\
               2,43,文本,0,wxid_a,1@chatroom,hi,,2024/10/04 11:42:05\n";
    let got: Vec<Record> = from_reader(Cursor::new(csv.as_bytes().to_vec()), None, Shanghai)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let at = |r: &Record| match &r.kind {
        RecordKind::Message(m) => (m.at, m.key.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(&got[0]), (1_709_339_100, "pw:42".to_string()));
    assert_eq!(
        at(&got[1]).0,
        Shanghai
            .with_ymd_and_hms(2024, 10, 4, 11, 42, 5)
            .unwrap()
            .timestamp()
    );
    // the same text in UTC is 8 hours later
    let utc: Vec<Record> = from_reader(Cursor::new(csv.as_bytes().to_vec()), None, chrono_tz::UTC)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(at(&utc[0]).0, 1_709_339_100 + 8 * 3600);

    // the fixture: Excel's 2024/10/4 11:42 and the 系统通知 revoke
    let msgs = messages("pywxdump_v3.csv");
    let excel = msgs
        .iter()
        .find(|m| m.content == "See you tonight 🎉")
        .unwrap();
    assert_eq!(
        excel.at,
        Shanghai
            .with_ymd_and_hms(2024, 10, 4, 11, 42, 0)
            .unwrap()
            .timestamp()
    );
    assert_eq!(excel.kind, MsgKind::Text);
    let me = msgs.iter().find(|m| m.content == "各位晚上见 👋").unwrap();
    assert_eq!(me.sender_id.as_deref(), Some("wxid_operator01"));
    let evs = events("pywxdump_v3.csv");
    assert_eq!(
        (evs[0].kind, evs[0].actor.as_deref()),
        (EventKind::Revoke, Some("王五"))
    );
    assert_eq!(evs[0].key, "ev:pw:4411223344556677004");
    let v2 = events("pywxdump_v2.csv");
    assert_eq!(
        (v2[1].kind, v2[1].actor.as_deref()),
        (EventKind::Revoke, Some("小美🌸"))
    );
}

#[test]
fn memotrace_details() {
    let msgs = messages("memotrace.csv");
    assert_eq!(msgs[0].key, "mt:8812345678901234501");
    assert_eq!(msgs[1].at, 1_709_339_100 + 130);
    let quote = msgs.iter().find(|m| m.sender_name == "Amy Lee").unwrap();
    assert_eq!(
        (quote.kind, quote.content.as_str()),
        (MsgKind::Text, "+1, totally agree")
    );
    let evs = events("memotrace.csv");
    assert_eq!(
        evs.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::JoinInvite, EventKind::Revoke, EventKind::JoinQr]
    );
}

#[test]
fn chatlog_details() {
    let csv = messages("chatlog.csv");
    let kinds: Vec<MsgKind> = csv.iter().map(|m| m.kind).collect();
    use MsgKind::*;
    assert_eq!(kinds, [Text, Text, Image, Text, Emoji, Text, Voice]);
    assert!(csv[0].key.starts_with("h:"));
    let json = records("chatlog.json");
    assert_eq!(json[0].line, 2);
    assert_eq!(json.last().unwrap().line, 11);
    let msgs = messages("chatlog.json");
    assert_eq!(msgs[0].key, format!("log:{ROOM}:1709339100000"));
    let reply = msgs.iter().find(|m| m.sender_name == "Amy Lee").unwrap();
    assert_eq!(reply.kind, Text);
    let me = msgs
        .iter()
        .find(|m| m.content == "第三章，大家加油")
        .unwrap();
    assert_eq!(
        (me.sender_id.as_deref(), me.sender_name.as_str()),
        (Some("wxid_operator01"), "运营小助手")
    );
    let evs = events("chatlog.json");
    assert_eq!(
        (evs[1].kind, evs[1].actor.as_deref(), evs[1].detail.as_str()),
        (EventKind::Rename, None, GROUP)
    );
}

#[test]
fn chatlab_details() {
    let recs = records("chatlab.json");
    assert_eq!(recs[0].line, 12);
    assert_eq!(recs.last().unwrap().line, 23);
    let msgs = messages("chatlab.json");
    assert_eq!(msgs[0].key, "lab:7001");
    let nameless = msgs.iter().find(|m| m.key == "lab:7010").unwrap();
    assert_eq!(
        (nameless.sender_name.as_str(), nameless.kind),
        ("五哥", MsgKind::Text)
    );
    assert_eq!(msgs.last().unwrap().kind, MsgKind::App);
    let evs = events("chatlab.json");
    assert_eq!(
        (evs[1].kind, evs[1].actor.as_deref(), evs[1].key.as_str()),
        (EventKind::Revoke, Some("五哥"), "ev:lab:7007")
    );

    let recs = records("chatlab.jsonl");
    let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 8, 9, 10, 11, 12]);
    let msgs = messages("chatlab.jsonl");
    let lisi = msgs
        .iter()
        .find(|m| m.content == "今天读到第 45 页")
        .unwrap();
    assert_eq!(lisi.sender_name, "李四");
    let new = msgs.last().unwrap();
    assert_eq!(
        (new.sender_id.as_deref(), new.sender_name.as_str()),
        (Some("wxid_zhaoliu06"), "六六")
    );
    assert!(new.key.starts_with("h:"));
    let evs = events("chatlab.jsonl");
    assert_eq!(
        (
            evs[0].kind,
            evs[0].actor.as_deref(),
            evs[0].targets.as_slice()
        ),
        (EventKind::Kick, Some("张三"), &["陈七".to_string()][..])
    );
    assert_eq!(
        (evs[1].kind, evs[1].actor.as_deref()),
        (EventKind::JoinInvite, None)
    );
}

#[test]
fn wecom_details() {
    let recs = records("wecom.jsonl");
    let skips: Vec<(u64, String)> = recs
        .iter()
        .filter_map(|r| match &r.kind {
            RecordKind::Skip { reason } => Some((r.line, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(skips.len(), 2);
    assert_eq!(skips[0].0, 5);
    assert!(skips[0].1.contains("switch"));
    assert_eq!(skips[1], (8, "not a group chat (no roomid)".to_string()));
    let evs = events("wecom.jsonl");
    assert_eq!(
        (evs[0].kind, evs[0].actor.as_deref(), evs[0].at),
        (
            EventKind::Revoke,
            Some("wmErxtDgAA9AW32YyyuYRimKr7D1KWlw"),
            1_709_339_280
        )
    );
    let msgs = messages("wecom.jsonl");
    assert_eq!(msgs[0].key, "wc:3706298862113548411_1709339100000_external");
    let doc = msgs.iter().find(|m| m.kind == MsgKind::App).unwrap();
    assert_eq!(doc.content, "[文档] 3月读书计划");
    let md = msgs
        .iter()
        .find(|m| m.sender_id.as_deref() == Some("LiSi"))
        .unwrap();
    assert_eq!(md.kind, MsgKind::Text);
    assert!(md.content.starts_with("**今晚 20:00**"));
    let kinds: Vec<MsgKind> = msgs.iter().map(|m| m.kind).collect();
    use MsgKind::*;
    assert_eq!(kinds, [Text, Image, Text, App, Text, Text, Emoji]);
}

#[test]
fn mapped_csv_details() {
    let msgs = messages("mapped.csv");
    let ats: Vec<i64> = msgs.iter().map(|m| m.at - 1_709_339_100).collect();
    assert_eq!(ats, [0, 60, 120, 180, 240, 360, 480, 600]);
    assert_eq!(msgs[6].content, "欢迎赵六！\n今晚 20:00 见");
    let evs = events("mapped.csv");
    assert_eq!(
        (evs[0].kind, evs[0].targets.as_slice()),
        (EventKind::JoinInvite, &["赵六".to_string()][..])
    );

    // a column that is not there
    let bad = Format::Csv(parse_map("time=日期,sender=发送人,content=内容").unwrap());
    let err = open(&fixture("mapped.csv"), Some(bad), Shanghai).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.reason.to_string().contains("日期")
            && err.reason.to_string().contains("时间,发送人,内容"),
        "{}",
        err.reason
    );
    // optional columns
    let csv = "ID,时间,昵称,微信号,类型,群,内容\n\
               m1,2024-03-02 08:25,张三,wxid_a,图片,读书会,[图片]\n\
               m2,2024-03-02 08:26,,,系统消息,读书会,你撤回了一条消息\n\
               m3,abc,张三,wxid_a,文本,读书会,hi\n\
               m4,2024-03-02 08:27,张三,wxid_a,文本\n";
    let map =
        parse_map("time=时间,sender=昵称,content=内容,sender_id=微信号,kind=类型,id=ID,group=群")
            .unwrap();
    let got: Vec<_> = from_reader(
        Cursor::new(csv.as_bytes().to_vec()),
        Some(Format::Csv(map)),
        Shanghai,
    )
    .unwrap()
    .collect();
    let Ok(Record {
        kind: RecordKind::Message(m),
        line: 2,
    }) = &got[0]
    else {
        panic!("{:?}", got[0])
    };
    assert_eq!(
        (
            m.key.as_str(),
            m.sender_id.as_deref(),
            m.kind,
            m.group.as_deref()
        ),
        ("csv:m1", Some("wxid_a"), MsgKind::Image, Some("读书会"))
    );
    let Ok(Record {
        kind: RecordKind::Event(e),
        ..
    }) = &got[1]
    else {
        panic!("{:?}", got[1])
    };
    assert_eq!(
        (e.kind, e.actor.as_deref(), e.key.as_str()),
        (EventKind::Revoke, None, "ev:csv:m2")
    );
    let err = got[2].clone().unwrap_err();
    assert_eq!(err.line, 4);
    assert!(
        err.reason
            .to_string()
            .starts_with("时间 \"abc\" is not a time"),
        "{}",
        err.reason
    );
    let err = got[3].clone().unwrap_err();
    assert_eq!(
        (err.line, err.reason.to_string().as_str()),
        (5, "expected 7 fields like the header, found 5")
    );
}

#[test]
fn parse_map_errors() {
    let m = parse_map(" time = 时间 , sender=发送人,content=内容,group=群名 ").unwrap();
    assert_eq!(
        (m.time.as_str(), m.group.as_deref(), m.kind),
        ("时间", Some("群名"), None)
    );
    let err = parse_map("time=时间,sender=发送人,content=内容,who=x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("who") && err.contains("time, sender, content, sender_id, kind, id, group"),
        "{err}"
    );
    let err = parse_map("time=时间,content=内容").unwrap_err().to_string();
    assert!(err.contains("sender="), "{err}");
    assert!(
        parse_map("")
            .unwrap_err()
            .to_string()
            .contains("time=, sender=, content=")
    );
    assert!(
        parse_map("time=a,time=b,sender=c,content=d")
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    assert!(
        parse_map("time,sender=c,content=d")
            .unwrap_err()
            .to_string()
            .contains("key=column")
    );
    assert!(
        parse_map("time=,sender=c,content=d")
            .unwrap_err()
            .to_string()
            .contains("needs a column")
    );
}

#[test]
fn unknown_and_mismatched_formats() {
    let err = from_reader(Cursor::new(b"a,b,c\n1,2,3\n".to_vec()), None, Shanghai).unwrap_err();
    assert_eq!(err.line, 1);
    for word in [
        "wechatmsg",
        "memotrace",
        "pywxdump",
        "chatlog",
        "chatlab",
        "wecom",
        "--from csv --map time=",
    ] {
        assert!(
            err.reason.to_string().contains(word),
            "{word}: {}",
            err.reason
        );
    }
    let err = from_reader(Cursor::new(Vec::new()), None, Shanghai).unwrap_err();
    assert!(err.reason.to_string().contains("empty"));
    // forced to the wrong format: the header says so
    let err = open(&fixture("memotrace.csv"), Some(Format::WeChatMsg), Shanghai).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.reason.to_string().contains("CreateTime"),
        "{}",
        err.reason
    );
    let err = open(&fixture("no-such-file.csv"), None, Shanghai).unwrap_err();
    assert_eq!(err.line, 0);
}

#[test]
fn json_errors_carry_lines() {
    let jsonl = "{\"msgid\":\"a\",\"action\":\"send\",\"from\":\"u\",\"roomid\":\"r\",\"msgtime\":1709339100000,\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n\
                 \n\
                 {\"msgid\":\"b\",\"action\":\"send\",\"from\":\"u\"\n\
                 {\"msgid\":\"c\",\"action\":\"send\",\"from\":\"u\",\"roomid\":\"r\",\"msgtime\":\"soon\",\"msgtype\":\"text\"}\n";
    let got: Vec<_> = from_reader(Cursor::new(jsonl.as_bytes().to_vec()), None, Shanghai)
        .unwrap()
        .collect();
    assert_eq!(got.len(), 3);
    assert!(got[0].is_ok());
    let e = got[1].clone().unwrap_err();
    assert_eq!(e.line, 3);
    assert!(
        e.reason.to_string().starts_with("invalid JSON"),
        "{}",
        e.reason
    );
    let e = got[2].clone().unwrap_err();
    assert_eq!(
        (e.line, e.reason.to_string().as_str()),
        (4, "msgtime \"soon\" is not a time in milliseconds")
    );

    // a ChatLab document cut short: the messages so far, then the error, then the end
    let doc = "{\"chatlab\":{\"version\":\"0.0.1\"},\n\"meta\":{\"name\":\"g\"},\n\"messages\":[\n\
               {\"sender\":\"a\",\"accountName\":\"A\",\"timestamp\":1709339100,\"type\":0,\"content\":\"x\"},\n\
               {\"sender\":\"b\",\"timestamp\":\"later\",\"type\":0,\"content\":\"y\"},\n\
               {\"sender\":\"c\",\"accountName\":\"C\",\"timesta";
    let got: Vec<_> = from_reader(Cursor::new(doc.as_bytes().to_vec()), None, Shanghai)
        .unwrap()
        .collect();
    assert_eq!(got.len(), 3);
    let Ok(Record {
        line: 4,
        kind: RecordKind::Message(m),
    }) = &got[0]
    else {
        panic!("{:?}", got[0])
    };
    assert_eq!(m.group.as_deref(), Some("g"));
    let e = got[1].clone().unwrap_err();
    assert_eq!(
        (e.line, e.reason.to_string().as_str()),
        (5, "timestamp \"later\" is not a Unix time")
    );
    let e = got[2].clone().unwrap_err();
    assert_eq!(e.line, 6);
    assert!(
        e.reason.to_string().starts_with("invalid JSON: EOF"),
        "{}",
        e.reason
    );
}

/// Produces a ChatLab JSON document with `n` messages on the fly: the test holds no
/// more of it than the parser does.
struct GeneratedChatLab {
    n: u64,
    next: u64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl GeneratedChatLab {
    fn new(n: u64) -> Self {
        let head = "{\"chatlab\":{\"version\":\"0.0.1\",\"exportedAt\":1709400000},\n\
                    \"meta\":{\"name\":\"压力测试群\",\"platform\":\"wechat\",\"type\":\"group\"},\n\
                    \"members\":[{\"platformId\":\"wxid_0\",\"accountName\":\"成员0\"}],\n\
                    \"messages\":[\n";
        Self {
            n,
            next: 0,
            buf: head.as_bytes().to_vec(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for GeneratedChatLab {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.done {
                return Ok(0);
            }
            while self.buf.len() < 64 * 1024 && self.next < self.n {
                let i = self.next;
                let sep = if i + 1 == self.n { "" } else { "," };
                self.buf.extend_from_slice(
                    format!(
                        "{{\"sender\":\"wxid_{}\",\"accountName\":\"成员{}\",\"timestamp\":{},\"type\":{},\"content\":\"第 {i} 条 👍\"}}{sep}\n",
                        i % 300,
                        i % 300,
                        1_709_339_100 + i as i64,
                        if i % 1000 == 999 { 80 } else { 0 },
                    )
                    .as_bytes(),
                );
                self.next += 1;
            }
            if self.next == self.n {
                self.buf.extend_from_slice(b"]}\n");
                self.done = true;
            }
        }
        let k = out.len().min(self.buf.len() - self.pos);
        out[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

#[test]
fn chatlab_json_streams_200k_messages() {
    let started = std::time::Instant::now();
    let recs = from_reader(GeneratedChatLab::new(200_000), None, Shanghai).unwrap();
    assert_eq!(recs.detected(), &Format::ChatLab);
    let (mut msgs, mut skipped, mut last_line) = (0u64, 0u64, 0u64);
    for r in recs {
        let r = r.unwrap();
        last_line = r.line;
        match r.kind {
            RecordKind::Message(_) => msgs += 1,
            RecordKind::Skip { .. } => skipped += 1,
            RecordKind::Event(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((msgs, skipped), (199_800, 200));
    assert_eq!(last_line, 200_004);
    eprintln!("200k ChatLab messages in {:?}", started.elapsed());
}

#[test]
fn dropping_a_stream_early_stops_the_worker() {
    let mut recs = from_reader(GeneratedChatLab::new(100_000), None, Shanghai).unwrap();
    assert!(recs.next().unwrap().is_ok());
    drop(recs); // the worker's next send fails and it returns
}

#[test]
fn rosters() {
    let rosters = table(&["file", "format", "group"]);
    assert_eq!(rosters.len(), 3);
    for row in rosters {
        let (format, group, entries) = read_roster(&fixture(&row[0]), Shanghai).unwrap();
        assert_eq!(format, row[1], "{}", row[0]);
        assert_eq!(group.as_deref().unwrap_or("-"), row[2], "{}", row[0]);
        assert_eq!(entries.len() as u64, n(&row[3]), "{}", row[0]);
        let role =
            |r: Option<&str>| entries.iter().filter(|e| e.role.as_deref() == r).count() as u64;
        assert_eq!(
            [
                role(Some("owner")),
                role(Some("admin")),
                role(Some("member")),
                role(None)
            ],
            [n(&row[4]), n(&row[5]), n(&row[6]), n(&row[7])],
            "{}",
            row[0]
        );
    }

    let (_, _, wecom) = read_roster(&fixture("roster_wecom.json"), Shanghai).unwrap();
    assert_eq!(
        wecom[2],
        RosterEntry {
            id: Some("wmErxtDgAAhteCglUZH2kUt3rq431qmg".into()),
            name: "Amy Lee".into(),
            group_nickname: Some("Amy".into()),
            joined_at: Some(1_709_339_040),
            join_scene: Some(3),
            invitor: Some("ZhangSan".into()),
            role: Some("member".into()),
        }
    );
    assert_eq!(wecom[3].name, "小美🌸");
    assert_eq!(wecom[4].name, "wmErxtDgAAqQwe12AbCdEfGhIjKlMnOp");
    assert_eq!(
        (wecom[0].role.as_deref(), wecom[1].role.as_deref()),
        (Some("owner"), Some("admin"))
    );

    let (_, _, users) = read_roster(&fixture("roster_users.json"), Shanghai).unwrap();
    let amy = users
        .iter()
        .find(|u| u.id.as_deref() == Some("wxid_amylee05"))
        .unwrap();
    assert_eq!(
        (amy.name.as_str(), amy.group_nickname.as_deref()),
        ("Amy（上海）", Some("Amy"))
    );
    let lisi = users
        .iter()
        .find(|u| u.id.as_deref() == Some("wxid_lisi02"))
        .unwrap();
    assert_eq!(
        (lisi.name.as_str(), lisi.group_nickname.as_deref()),
        ("李四", None)
    );

    let (_, _, csv) = read_roster(&fixture("roster.csv"), Shanghai).unwrap();
    let joined: Vec<Option<i64>> = csv.iter().map(|e| e.joined_at).collect();
    let sh = |d, h, m| {
        Some(
            Shanghai
                .with_ymd_and_hms(2024, if d > 20 { 2 } else { 3 }, d, h, m, 0)
                .unwrap()
                .timestamp(),
        )
    };
    assert_eq!(
        joined,
        [
            sh(27, 10, 0),
            sh(27, 10, 5),
            sh(28, 9, 30),
            Some(1_709_339_100),
            Some(1_709_339_040),
            sh(2, 8, 30),
            sh(27, 10, 0),
            None
        ]
    );
    assert_eq!(csv[2].group_nickname.as_deref(), Some("五哥"));
}

#[test]
fn roster_errors() {
    let sh = Shanghai;
    let err = roster::read_roster_bytes("微信号,群昵称\nwxid_a,A\n".as_bytes(), sh).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.reason.to_string().contains("name") && err.reason.to_string().contains("昵称"),
        "{}",
        err.reason
    );
    let err =
        roster::read_roster_bytes("昵称,入群时间\n张三,2024-03-02\n李四,上周\n".as_bytes(), sh)
            .unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.reason
            .to_string()
            .starts_with("入群时间 \"上周\" is not a time"),
        "{}",
        err.reason
    );
    let err = roster::read_roster_bytes("昵称,角色\n张三,老大\n".as_bytes(), sh).unwrap_err();
    assert_eq!(err.line, 2);
    let err = roster::read_roster_bytes(b"{\"errcode\":40003,\"errmsg\":\"invalid userid\"}", sh)
        .unwrap_err();
    assert!(
        err.reason.to_string().contains("40003")
            && err.reason.to_string().contains("invalid userid")
    );
    let err =
        roster::read_roster_bytes(b"{\n\"group_chat\": {\"member_list\": [}\n}", sh).unwrap_err();
    assert_eq!(err.line, 2);
    // an array of users.json objects
    let (format, _, users) = roster::read_roster_bytes(
        "[{\"wxid\":\"wxid_a\",\"nickname\":\"A\",\"remark\":\"\"}]".as_bytes(),
        sh,
    )
    .unwrap();
    assert_eq!((format.as_str(), users[0].name.as_str()), ("pywxdump", "A"));
}

#[test]
fn orders() {
    let rows: Vec<OrderRow> = read_orders(&fixture("orders.csv"), Shanghai)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want = table(&["file", "rows"]).remove(0);
    assert_eq!(want[0], "orders.csv");
    assert_eq!(rows.len() as u64, n(&want[1]));
    assert_eq!(
        rows.iter().filter(|r| r.amount_cents < 0).count() as u64,
        n(&want[2])
    );
    assert_eq!(
        rows.iter().filter(|r| !r.key.starts_with("ord:")).count() as u64,
        n(&want[3])
    );
    assert_eq!(
        rows.iter().map(|r| r.amount_cents).sum::<i64>(),
        want[4].parse::<i64>().unwrap()
    );
    assert_eq!(
        rows[1],
        OrderRow {
            line: 3,
            member: "李四".into(),
            at: Shanghai
                .with_ymd_and_hms(2024, 3, 2, 10, 2, 33)
                .unwrap()
                .timestamp(),
            amount_cents: 129_950,
            product: Some("精装书单礼盒".into()),
            key: "ord:DD20240302002".into(),
        }
    );
    assert!(rows[4].key.starts_with("h:"));
    assert_eq!(rows[6].product, None);

    let bad = "会员,时间,金额\n张三,2024-03-02 09:00,十块\n,2024-03-02 09:00,10\n";
    let got: Vec<_> = orders::orders_from_reader(Cursor::new(bad.as_bytes().to_vec()), Shanghai)
        .unwrap()
        .collect();
    let e = got[0].clone().unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.reason.to_string().contains("十块"), "{}", e.reason);
    assert_eq!(got[1].clone().unwrap_err().line, 3);
    let err = orders::orders_from_reader(Cursor::new(b"name,when\n".to_vec()), Shanghai)
        .err()
        .unwrap();
    assert!(
        err.reason.to_string().contains("member") && err.reason.to_string().contains("amount"),
        "{}",
        err.reason
    );
}

#[test]
fn chatlab_jsonl_with_a_header_longer_than_the_sniffed_bytes() {
    let members: Vec<String> = (0..400)
        .map(|i| format!("{{\"platformId\":\"wxid_{i:03}\",\"accountName\":\"成员{i}\",\"groupNickname\":\"群昵称{i}\"}}"))
        .collect();
    let mut text = format!(
        "{{\"_type\":\"header\",\"chatlab\":{{\"version\":\"0.0.1\"}},\"meta\":{{\"name\":\"大群\"}},\"members\":[{}]}}\n",
        members.join(",")
    );
    assert!(text.len() > SNIFF_LEN);
    text.push_str("{\"_type\":\"message\",\"sender\":\"wxid_007\",\"timestamp\":1709339100,\"type\":0,\"content\":\"hi\"}\n\n");
    text.push_str(
        "{\"sender\":\"wxid_008\",\"timestamp\":1709339160,\"type\":0,\"content\":\"yo\"}\n",
    );
    let got: Vec<Record> = from_reader(Cursor::new(text.into_bytes()), None, Shanghai)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let names: Vec<(u64, String, Option<String>)> = got
        .into_iter()
        .map(|r| match r.kind {
            RecordKind::Message(m) => (r.line, m.sender_name, m.group),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            (2, "群昵称7".to_string(), Some("大群".to_string())),
            (4, "群昵称8".to_string(), Some("大群".to_string()))
        ]
    );

    // without a header (forced): the first line is a message, not lost
    let text = "{\"sender\":\"a\",\"accountName\":\"A\",\"timestamp\":1709339100,\"type\":0,\"content\":\"x\"}\n\
                {\"sender\":\"b\",\"accountName\":\"B\",\"timestamp\":1709339160,\"type\":0,\"content\":\"y\"}\n";
    let got: Vec<Record> = from_reader(
        Cursor::new(text.as_bytes().to_vec()),
        Some(Format::ChatLab),
        Shanghai,
    )
    .unwrap()
    .map(Result::unwrap)
    .collect();
    assert_eq!(got.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2]);
}
