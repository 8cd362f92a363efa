//! The command line in the user's language (issue 14, "zh throughout"): a refused import
//! says why in Chinese with its file:line in every chat format, and changes nothing.

use std::path::Path;

use crate::{bin, dump, init_db};

/// Runs `shequn --lang zh import chat FILE ARGS` and returns (exit code, stderr).
fn import_zh(db: &Path, file: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = bin()
        .args(["--lang", "zh", "import", "chat"])
        .arg(file)
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (format, file name, content, extra args, the bad line, what the reason must say)
type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], u64, &'a str);

#[test]
fn a_bad_row_in_each_chat_format_is_refused_in_chinese_with_its_line_and_nothing_written() {
    let (dir, db) = init_db();
    // the first command on a new database judges its KPIs: compare from after that
    bin().args(["kpi", "--db"]).arg(&db).assert().success();
    let before = dump(&db);
    let wechatmsg = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n\
        1,1@chatroom,1,0,0,1709339100,2,早,2024-03-02 08:25:00,,张三,wxid_a\n\
        2,1@chatroom,1,0,0,昨天,2,好,2024-03-02 08:26:00,,李四,wxid_b\n";
    let memotrace = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\n\
        1,文本,张三,2024-03-02 08:25:00,早,,张三,\n\
        2,文本,李四,昨天,好,,李四,\n";
    let pywxdump = "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n\
        1,11,文本,0,wxid_a,1@chatroom,早,,2024-10-04 08:25:00\n\
        2,12,文本,0,wxid_b,1@chatroom,好,,昨天\n";
    let chatlog = "Time,SenderName,Sender,TalkerName,Talker,Content\n\
        2024-03-02T08:25:00+08:00,张三,wxid_a,读书会,1@chatroom,早\n\
        昨天,李四,wxid_b,读书会,1@chatroom,好\n";
    let chatlab = "{\"_type\":\"header\",\"chatlab\":{\"version\":\"0.0.1\"},\"meta\":{\"name\":\"读书会\"}}\n\
        {\"_type\":\"message\",\"sender\":\"a\",\"accountName\":\"张三\",\"timestamp\":1709339100,\"type\":0,\"content\":\"早\"}\n\
        {\"_type\":\"message\",\"sender\":\"b\",\"accountName\":\"李四\",\"timestamp\":\"昨天\",\"type\":0,\"content\":\"好\"}\n";
    let wecom = "{\"msgid\":\"a\",\"action\":\"send\",\"from\":\"u\",\"roomid\":\"r\",\"msgtime\":1709339100000,\"msgtype\":\"text\",\"text\":{\"content\":\"早\"}}\n\
        {\"msgid\":\"b\",\"action\":\"send\",\"from\":\"u\",\"roomid\":\"r\",\"msgtime\":\"昨天\",\"msgtype\":\"text\",\"text\":{\"content\":\"好\"}}\n";
    let mapped = "时间,发送人,内容\n2024-03-02 08:25:00,张三,早\n昨天,李四,好\n";
    let map: &[&str] = &[
        "--from",
        "csv",
        "--map",
        "time=时间,sender=发送人,content=内容",
    ];
    let cases: &[Case] = &[
        (
            "wechatmsg",
            "w.csv",
            wechatmsg,
            &[],
            3,
            "CreateTime 的值“昨天”不是 Unix 时间",
        ),
        (
            "memotrace",
            "m.csv",
            memotrace,
            &[],
            3,
            "时间 列的“昨天”不是时间",
        ),
        (
            "pywxdump",
            "p.csv",
            pywxdump,
            &[],
            3,
            "CreateTime 列的“昨天”不是时间",
        ),
        (
            "chatlog",
            "c.csv",
            chatlog,
            &[],
            3,
            "Time 列的“昨天”不是时间",
        ),
        (
            "chatlab",
            "l.jsonl",
            chatlab,
            &[],
            3,
            "timestamp 的值“昨天”不是 Unix 时间",
        ),
        (
            "wecom",
            "e.jsonl",
            wecom,
            &[],
            2,
            "msgtime 字段的 \"昨天\" 不是时间",
        ),
        ("csv", "x.csv", mapped, map, 3, "时间 列的“昨天”不是时间"),
    ];
    for (format, name, content, args, line, says) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).expect("write");
        let args = [&["--group", "读书会"][..], args].concat();
        let (code, err) = import_zh(&db, &file, &args);
        assert_eq!(code, Some(1), "{format}: {err}");
        let at = format!("{}:{line}: ", file.display());
        assert!(err.contains(&at), "{format}: no {at} in {err}");
        assert!(err.contains(says), "{format}: {err}");
        assert!(err.contains("什么都没有导入"), "{format}: {err}");
        // the format expected is named (a time's formats, or the unit)
        assert!(
            err.contains("应为") || err.contains("Unix"),
            "{format}: {err}"
        );
        assert!(!err.contains("is not"), "{format}: English in {err}");
        assert!(dump(&db) == before, "{format}: the database changed");
    }
}

#[test]
fn members_list_help_is_chinese_in_zh_and_english_in_en() {
    let out = bin()
        .args(["--lang", "zh", "members", "list", "--help"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let zh = String::from_utf8_lossy(&out.stdout);
    for want in [
        "列出成员",
        "用法: shequn members list [选项]",
        "选项:",
        "--tier <TIER>",
        "只看这个群的成员",
        "显示帮助",
    ] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    for english in [
        "Usage",
        "Options",
        "Print help",
        "Members with tier",
        "default:",
    ] {
        assert!(!zh.contains(english), "{english}: {zh}");
    }
    // LANG picks the language when --lang is not given, before parsing as after
    let out = bin()
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .args(["members", "--help"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("命令:"));
    let out = bin()
        .args(["--lang", "en", "members", "list", "--help"])
        .output()
        .expect("runs");
    let en = String::from_utf8_lossy(&out.stdout);
    assert!(en.contains("Usage: shequn members list [OPTIONS]"), "{en}");
    assert!(en.contains("Members with tier"), "{en}");
}

#[test]
fn a_bad_argument_is_refused_in_the_language_with_exit_1() {
    let out = bin()
        .args(["--lang", "zh", "members", "list", "--tierr", "沉默"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("错误:不认识的参数“--tierr”")
            && err.contains("是不是想用“--tier”")
            && err.contains("用法: shequn members list [选项]"),
        "{err}"
    );
}

#[test]
fn remind_dismiss_without_an_id_or_a_kind_names_both_ways_in_each_language() {
    let (_dir, db) = init_db();
    bin().args(["kpi", "--db"]).arg(&db).assert().success();
    let before = dump(&db);
    for (lang, says) in [
        ("zh", ["请说明是哪些提醒", "提醒编号", "--kind", "--group"]),
        ("en", ["say which reminders", "an id", "--kind", "--group"]),
    ] {
        for cmd in [
            &["remind", "dismiss"][..],
            &["remind", "snooze", "--minutes", "15"],
        ] {
            let out = bin()
                .args(["--lang", lang])
                .args(cmd)
                .arg("--db")
                .arg(&db)
                .output()
                .expect("runs");
            assert_eq!(out.status.code(), Some(1), "{lang} {cmd:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            for want in says {
                assert!(err.contains(want), "{lang} {cmd:?}: {want} in {err}");
            }
            assert!(!err.contains("<ID>"), "{err}");
        }
    }
    assert!(dump(&db) == before, "the database changed");
}

/// Runs `shequn --lang LANG ARGS --db DB`: (exit code, stderr).
fn run_in(lang: &str, db: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = bin()
        .args(["--lang", lang])
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The commands' own refusals (issue 14.5: `[errors]`): in Chinese under `--lang zh`,
/// in English under `--lang en`, exit 1, each saying what to do, the database as before.
#[test]
fn the_commands_refusals_are_said_in_the_users_language_and_change_nothing() {
    let (dir, db) = crate::fresh_demo();
    // the first command on a copied database may judge its KPIs: compare from after it
    bin().args(["kpi", "--db"]).arg(&db).assert().success();
    let before = dump(&db);
    let missing = dir.path().join("nowhere.txt");
    let missing = missing.to_str().expect("a UTF-8 path");
    // (args, what zh says, what en says)
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["group", "add", "新群", "--kind", " "],
            "群需要名称和 --kind",
            "a group needs a name and a --kind",
        ),
        (
            &["group", "edit", "新群"],
            "没有要改的:请给出 --name",
            "nothing to change: give --name",
        ),
        (
            &[
                "export",
                "members",
                "--from",
                "2026-03-02",
                "--to",
                "2026-03-01",
            ],
            "--from 2026-03-02 晚于 --to 2026-03-01:请对调两者",
            "--from 2026-03-02 is after --to 2026-03-01: swap them",
        ),
        (
            &["remind", "add", "--at", "后天左右", "--title", "喝水"],
            "\"后天左右\" 不是时间:请用 10m",
            "\"后天左右\" is not a time: use 10m",
        ),
        (
            &["remind", "snooze", "1", "--minutes", "7"],
            "不能是 7",
            "not 7",
        ),
        (
            &["content", "approve", "1", "--note", "nonsense"],
            "--note \"nonsense\":请用 审核项=文字",
            "--note \"nonsense\": use CHECK=TEXT",
        ),
        (
            &["sop", "apply", "x", "--group", "新群", "--at", "morning"],
            "--at \"morning\":请用 项=值",
            "--at \"morning\": use ITEM=VALUE",
        ),
        (
            &["keywords", "import", missing, "--category", "ad"],
            "无法读取",
            "cannot read",
        ),
        (
            &["restore", missing],
            "处没有文件:请检查备份的路径",
            "no file at",
        ),
    ];
    for (args, zh, en) in cases {
        for (lang, says) in [("zh", zh), ("en", en)] {
            let (code, err) = run_in(lang, &db, args);
            assert_eq!(code, Some(1), "{lang} {args:?}: {err}");
            assert!(err.contains(says), "{lang} {args:?}: {err}");
            if lang == "zh" {
                // a Chinese sentence, not an English one with Chinese values in it
                let han = err
                    .chars()
                    .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
                assert!(han.count() >= 4, "{args:?}: {err}");
            }
        }
    }
    assert_eq!(dump(&db), before, "a refusal changed the database");
}

/// The first run's refusals: a demo over an existing file, `init` over one, a bad
/// `SHEQUN_NOW` — in Chinese, exit 1, the file untouched.
#[test]
fn refusals_before_a_database_is_open_are_said_in_chinese() {
    let (_dir, db) = crate::init_db();
    let before = dump(&db);
    for (args, says) in [
        (&["demo"][..], "已存在;演示只写新文件"),
        (&["init"][..], "已存在;shequn init 只创建新数据库"),
        (&["--demo", "kpi"][..], "--demo 用于打开控制台"),
    ] {
        let (code, err) = run_in("zh", &db, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let out = bin()
        .env("SHEQUN_NOW", "下周一")
        .args(["--lang", "zh", "kpi", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("SHEQUN_NOW=\"下周一\" 不是时间"), "{err}");
    assert_eq!(dump(&db), before);
}

/// The import summaries in the user's language; a chat import that opened risk
/// incidents says how many (and nothing about them when there are none).
#[test]
fn import_summaries_are_said_in_the_users_language_with_the_incidents_opened() {
    let (dir, db) = crate::init_db();
    let file = dir.path().join("chat.csv");
    std::fs::write(
        &file,
        "Time,SenderName,Sender,TalkerName,Talker,Content\n\
         2026-03-01T08:25:00+08:00,张三,wxid_a,读书会,1@chatroom,早\n\
         2026-03-01T08:26:00+08:00,李四,wxid_b,读书会,1@chatroom,加我微信领取兼职刷单日赚500\n",
    )
    .expect("write");
    let out = bin()
        .args(["--lang", "zh", "import", "chat"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("读取 2,消息 2"), "{said}");
    assert!(said.contains("新成员 2"), "{said}");
    assert!(said.contains("新开风控事件"), "{said}");
    assert!(!said.contains("read "), "{said}");
    // again: all duplicates, no incident, no word about them
    let out = bin()
        .args(["--lang", "en", "import", "chat"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("read 2, messages 0"), "{said}");
    assert!(said.contains("duplicates 2"), "{said}");
    assert!(!said.contains("incident"), "{said}");
}
