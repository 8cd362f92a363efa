//! Why a file (or a `--map`) cannot be imported, as data: one variant per problem with
//! what the operator needs to fix it (the column, the value, the format expected). The
//! parsers return these; the command that prints one says it in the user's language
//! ([`Reason::say`], from `[import_errors]` of `data/i18n/*.toml`). `Display` is the
//! English text, for the log and for tests; a unit test keeps it equal to the English
//! language file's.

use crate::i18n::{Texts, fill};

/// What is wrong with a file at a line (the line is in `ImportError`). Values quoted
/// from the file are clipped when the variant is built (`util::clip`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    // ---------------------------------------------------------------- the file
    #[error("there is no such file: check the path and the file name")]
    NoSuchFile,
    #[error(
        "permission denied: ask the file's owner to let you read it, or copy it somewhere you can"
    )]
    NoPermission,
    #[error("cannot read the file: {detail}")]
    CannotRead { detail: String },
    #[error("the file is empty")]
    EmptyFile,
    #[error(
        "cannot tell the format of this file (it starts with \"{start}\"); supported: wechatmsg (WeChatMsg/留痕 CSV), memotrace (MemoTrace CSV), pywxdump (PyWxDump CSV), chatlog (chatlog CSV or JSON), chatlab (ChatLab JSON or JSONL), wecom (企业微信会话内容存档 JSON lines); for another CSV use --from csv --map time=…,sender=…,content=…"
    )]
    UnknownFormat { start: String },
    #[error(
        "the file ends inside a quoted field that starts on this line: the file is cut short (an export or a copy that did not finish?); export or copy it again and import the whole file (if the quote on this line is really never closed, close it)"
    )]
    CutField,
    #[error("not valid UTF-8 (shequn reads UTF-8 only: re-save the file as UTF-8)")]
    NotUtf8,
    #[error("malformed CSV: {detail}")]
    MalformedCsv { detail: String },
    #[error("expected {expected} fields like the header, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("not a {format} header: missing column(s) {missing}; the header has: {header}")]
    MissingColumns {
        format: String,
        missing: String,
        header: String,
    },
    #[error("not a PyWxDump header: missing column msg (v3) or content (v2)")]
    PyWxDumpBody,
    #[error("column \"{column}\" ({key}=) is not in the header; the header has: {header}")]
    MapColumn {
        column: String,
        key: String,
        header: String,
    },
    #[error("cannot start the reader: {detail}")]
    ReaderThread { detail: String },
    #[error("internal error while reading the JSON file")]
    ReaderFailed,

    // ---------------------------------------------------------------- JSON
    #[error("invalid JSON: {detail} (column {column})")]
    JsonSyntax { detail: String, column: usize },
    #[error("invalid JSON: {detail} (column {column})")]
    JsonEof { detail: String, column: usize },
    #[error("invalid JSON: {detail} (column {column})")]
    JsonData { detail: String, column: usize },
    #[error("not a JSON object")]
    NotJsonObject,
    #[error("a message is not in ChatLab's shape: {detail}")]
    ChatLabShape { detail: String },

    // ---------------------------------------------------------------- a row's values
    #[error(
        "{column} \"{value}\" is not a time (expected Unix seconds or milliseconds, RFC 3339, YYYY-MM-DD HH:MM[:SS] or YYYY/M/D H:MM[:SS])"
    )]
    BadTime { column: String, value: String },
    #[error("{column} \"{value}\" is not a Unix time")]
    NotUnixTime { column: String, value: String },
    #[error("{column} {value} is not a time (expected RFC 3339)")]
    NotRfc3339 { column: String, value: String },
    #[error("{column} {value} is not a time in milliseconds")]
    NotMillis { column: String, value: String },
    #[error("{column} is missing")]
    MissingField { column: String },
    #[error("the {column} is empty")]
    EmptyField { column: String },
    #[error("content is not the JSON {{\"src\":…,\"msg\":…}} of PyWxDump v2")]
    PyWxDumpV2,
    #[error("the export does not say which group this is: pass --group NAME")]
    NoGroup,

    // ---------------------------------------------------------------- orders
    #[error("the orders header lacks {missing}; the header has: {header}")]
    OrdersHeader { missing: String, header: String },
    #[error("{column} \"{value}\" is not an amount in yuan (e.g. 199.00)")]
    BadAmount { column: String, value: String },
    #[error("several members are called \"{name}\": put their wxid in the member column")]
    AmbiguousMember { name: String },

    // ---------------------------------------------------------------- rosters
    #[error(
        "the roster lists no members — a group always has at least the exporting account, so this export is cut or wrong; export the member list again"
    )]
    EmptyRoster,
    #[error(
        "not a roster: expected 企业微信 groupchat/get JSON, PyWxDump users.json, or a CSV with a name column (name, nickname, 昵称, 微信名)"
    )]
    NotARoster,
    #[error("企业微信 returned errcode {code}: {message}")]
    WecomError { code: i64, message: String },
    #[error("member_list[{index}] has no userid")]
    NoUserid { index: usize },
    #[error("user {number} has no wxid and no name")]
    UserNoName { number: usize },
    #[error("the roster header has no name column ({names}); recognised columns: {columns}")]
    RosterNoName { names: String, columns: String },
    #[error("role \"{value}\" is not 群主/owner, 管理员/admin or 成员/member")]
    BadRole { value: String },
    #[error("{column} \"{value}\" is not a number")]
    NotANumber { column: String, value: String },
    #[error("the roster does not name its group: pass --group NAME")]
    RosterNoGroup,

    // ---------------------------------------------------------------- stats
    #[error("no date column ({names}); the header has: {header}")]
    NoDateColumn { names: String, header: String },
    #[error(
        "unknown column \"{column}\": use opens, clicks, orders, gmv, invites, qr_scans, members, joins, leaves, messages, speakers, or the 企业微信 fields new_member_cnt, member_total, member_has_msg, msg_total, chat_has_msg"
    )]
    UnknownMetric { column: String },
    #[error("no metric columns (e.g. opens, orders, gmv, member_total)")]
    NoMetricColumns,
    #[error("{column} \"{value}\" is not a day: use 2026-03-02 (or unix seconds)")]
    BadDay { column: String, value: String },
    #[error("{column} \"{value}\" is not a number ≥ 0")]
    BadNumber { column: String, value: String },
    #[error("expected 企业微信 groupchat/statistic JSON with \"items\"")]
    NoItems,
    #[error(
        "items[{item}]: no stat_time: export with groupchat/statistic_group_by_day (按自然日聚合)"
    )]
    NoStatTime { item: usize },
    #[error("items[{item}]: stat_time {value} is not a time")]
    BadStatTime { item: usize, value: String },
    #[error("items[{item}]: no data")]
    NoData { item: usize },
    #[error("items[{item}]: unknown field \"{field}\"")]
    UnknownStatField { item: usize, field: String },
    #[error("items[{item}]: {field} is not a number ≥ 0")]
    BadStatValue { item: usize, field: String },
    #[error("the file does not say which group: pass --group NAME")]
    StatsNoGroup,

    // ---------------------------------------------------------------- content results
    #[error(
        "the header needs an `id` or a `title` column (plus any of opens, forwards, replies, clicks, orders)"
    )]
    ResultsHeader,
    #[error("id \"{value}\" is not a number")]
    BadId { value: String },
    #[error("no content item is titled \"{title}\"")]
    NoSuchTitle { title: String },
    #[error("{n} items are titled \"{title}\" ({ids}); use an id column")]
    SeveralTitled {
        n: usize,
        title: String,
        ids: String,
    },
    #[error("neither an id nor a title")]
    NoIdNorTitle,
    #[error("{column} \"{value}\" is not a whole number ≥ 0")]
    BadCount { column: String, value: String },
    #[error("no numbers on this row")]
    NoNumbers,

    // ---------------------------------------------------------------- flags
    #[error("\"{pair}\" is not key=column (e.g. time=时间)")]
    MapNotPair { pair: String },
    #[error("{key}= needs a column name")]
    MapNoColumn { key: String },
    #[error("unknown key \"{key}\": the keys are {keys}")]
    MapUnknownKey { key: String, keys: String },
    #[error("{key}= is given twice")]
    MapTwice { key: String },
    #[error("missing {missing} (required: time=…,sender=…,content=…)")]
    MapMissing { missing: String },
    #[error("--from csv needs --map time=…,sender=…,content=…")]
    FromCsvNeedsMap,
    #[error(
        "--from {name}: use auto, wechatmsg, memotrace, pywxdump, chatlog, chatlab, wecom or csv"
    )]
    UnknownFrom { name: String },
}

impl Reason {
    /// An I/O error opening or reading a file: a missing file and a refused one say
    /// what to do; anything else keeps the system's words.
    pub fn io(e: &std::io::Error) -> Reason {
        match e.kind() {
            std::io::ErrorKind::NotFound => Reason::NoSuchFile,
            std::io::ErrorKind::PermissionDenied => Reason::NoPermission,
            _ => Reason::CannotRead {
                detail: e.to_string(),
            },
        }
    }

    /// The reason in the language of `texts`.
    pub fn say(&self, texts: &Texts) -> String {
        let t = &texts.import_errors;
        use Reason as R;
        match self {
            R::NoSuchFile => t.no_such_file.clone(),
            R::NoPermission => t.no_permission.clone(),
            R::CannotRead { detail } => fill(&t.cannot_read, &[("detail", detail)]),
            R::EmptyFile => t.empty_file.clone(),
            R::UnknownFormat { start } => fill(&t.unknown_format, &[("start", start)]),
            R::CutField => t.cut_field.clone(),
            R::NotUtf8 => t.not_utf8.clone(),
            R::MalformedCsv { detail } => fill(&t.malformed_csv, &[("detail", detail)]),
            R::FieldCount { expected, found } => {
                fill(&t.field_count, &[("expected", expected), ("found", found)])
            }
            R::MissingColumns {
                format,
                missing,
                header,
            } => fill(
                &t.missing_columns,
                &[("format", format), ("missing", missing), ("header", header)],
            ),
            R::PyWxDumpBody => t.pywxdump_body.clone(),
            R::MapColumn {
                column,
                key,
                header,
            } => fill(
                &t.map_column,
                &[("column", column), ("key", key), ("header", header)],
            ),
            R::ReaderThread { detail } => fill(&t.reader_thread, &[("detail", detail)]),
            R::ReaderFailed => t.reader_failed.clone(),
            R::JsonSyntax { detail, column } => {
                fill(&t.json_syntax, &[("detail", detail), ("column", column)])
            }
            R::JsonEof { detail, column } => {
                fill(&t.json_eof, &[("detail", detail), ("column", column)])
            }
            R::JsonData { detail, column } => {
                fill(&t.json_data, &[("detail", detail), ("column", column)])
            }
            R::NotJsonObject => t.not_json_object.clone(),
            R::ChatLabShape { detail } => fill(&t.chatlab_shape, &[("detail", detail)]),
            R::BadTime { column, value } => {
                fill(&t.bad_time, &[("column", column), ("value", value)])
            }
            R::NotUnixTime { column, value } => {
                fill(&t.not_unix_time, &[("column", column), ("value", value)])
            }
            R::NotRfc3339 { column, value } => {
                fill(&t.not_rfc3339, &[("column", column), ("value", value)])
            }
            R::NotMillis { column, value } => {
                fill(&t.not_millis, &[("column", column), ("value", value)])
            }
            R::MissingField { column } => fill(&t.missing_field, &[("column", column)]),
            R::EmptyField { column } => fill(&t.empty_field, &[("column", column)]),
            R::PyWxDumpV2 => t.pywxdump_v2.clone(),
            R::NoGroup => t.no_group.clone(),
            R::OrdersHeader { missing, header } => fill(
                &t.orders_header,
                &[("missing", missing), ("header", header)],
            ),
            R::BadAmount { column, value } => {
                fill(&t.bad_amount, &[("column", column), ("value", value)])
            }
            R::AmbiguousMember { name } => fill(&t.ambiguous_member, &[("name", name)]),
            R::EmptyRoster => t.empty_roster.clone(),
            R::NotARoster => t.not_a_roster.clone(),
            R::WecomError { code, message } => {
                fill(&t.wecom_error, &[("code", code), ("message", message)])
            }
            R::NoUserid { index } => fill(&t.no_userid, &[("index", index)]),
            R::UserNoName { number } => fill(&t.user_no_name, &[("number", number)]),
            R::RosterNoName { names, columns } => {
                fill(&t.roster_no_name, &[("names", names), ("columns", columns)])
            }
            R::BadRole { value } => fill(&t.bad_role, &[("value", value)]),
            R::NotANumber { column, value } => {
                fill(&t.not_a_number, &[("column", column), ("value", value)])
            }
            R::RosterNoGroup => t.roster_no_group.clone(),
            R::NoDateColumn { names, header } => {
                fill(&t.no_date_column, &[("names", names), ("header", header)])
            }
            R::UnknownMetric { column } => fill(&t.unknown_metric, &[("column", column)]),
            R::NoMetricColumns => t.no_metric_columns.clone(),
            R::BadDay { column, value } => {
                fill(&t.bad_day, &[("column", column), ("value", value)])
            }
            R::BadNumber { column, value } => {
                fill(&t.bad_number, &[("column", column), ("value", value)])
            }
            R::NoItems => t.no_items.clone(),
            R::NoStatTime { item } => fill(&t.no_stat_time, &[("item", item)]),
            R::BadStatTime { item, value } => {
                fill(&t.bad_stat_time, &[("item", item), ("value", value)])
            }
            R::NoData { item } => fill(&t.no_data, &[("item", item)]),
            R::UnknownStatField { item, field } => {
                fill(&t.unknown_stat_field, &[("item", item), ("field", field)])
            }
            R::BadStatValue { item, field } => {
                fill(&t.bad_stat_value, &[("item", item), ("field", field)])
            }
            R::StatsNoGroup => t.stats_no_group.clone(),
            R::ResultsHeader => t.results_header.clone(),
            R::BadId { value } => fill(&t.bad_id, &[("value", value)]),
            R::NoSuchTitle { title } => fill(&t.no_such_title, &[("title", title)]),
            R::SeveralTitled { n, title, ids } => fill(
                &t.several_titled,
                &[("n", n), ("title", title), ("ids", ids)],
            ),
            R::NoIdNorTitle => t.no_id_nor_title.clone(),
            R::BadCount { column, value } => {
                fill(&t.bad_count, &[("column", column), ("value", value)])
            }
            R::NoNumbers => t.no_numbers.clone(),
            R::MapNotPair { pair } => fill(&t.map_not_pair, &[("pair", pair)]),
            R::MapNoColumn { key } => fill(&t.map_no_column, &[("key", key)]),
            R::MapUnknownKey { key, keys } => {
                fill(&t.map_unknown_key, &[("key", key), ("keys", keys)])
            }
            R::MapTwice { key } => fill(&t.map_twice, &[("key", key)]),
            R::MapMissing { missing } => fill(&t.map_missing, &[("missing", missing)]),
            R::FromCsvNeedsMap => t.from_csv_needs_map.clone(),
            R::UnknownFrom { name } => fill(&t.unknown_from, &[("name", name)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// One of every variant, with values as an operator's file would have them (Chinese
    /// column names, so that an English word left in a Chinese text stands out).
    pub(crate) fn every_reason() -> Vec<Reason> {
        let s = |v: &str| v.to_string();
        vec![
            Reason::NoSuchFile,
            Reason::NoPermission,
            Reason::CannotRead {
                detail: s("设备忙"),
            },
            Reason::EmptyFile,
            Reason::UnknownFormat {
                start: s("序号,内容"),
            },
            Reason::CutField,
            Reason::NotUtf8,
            Reason::MalformedCsv {
                detail: s("第 3 行"),
            },
            Reason::FieldCount {
                expected: 8,
                found: 7,
            },
            Reason::MissingColumns {
                format: s("MemoTrace"),
                missing: s("发送人"),
                header: s("时间,内容"),
            },
            Reason::PyWxDumpBody,
            Reason::MapColumn {
                column: s("时间"),
                key: s("time"),
                header: s("日期,发送人,内容"),
            },
            Reason::ReaderThread {
                detail: s("资源不足"),
            },
            Reason::ReaderFailed,
            Reason::JsonSyntax {
                detail: s("应为值"),
                column: 7,
            },
            Reason::JsonEof {
                detail: s("结束"),
                column: 1,
            },
            Reason::JsonData {
                detail: s("类型"),
                column: 3,
            },
            Reason::NotJsonObject,
            Reason::ChatLabShape {
                detail: s("类型")
            },
            Reason::BadTime {
                column: s("时间"),
                value: s("昨天"),
            },
            Reason::NotUnixTime {
                column: s("CreateTime"),
                value: s("昨天"),
            },
            Reason::NotRfc3339 {
                column: s("time"),
                value: s("昨天"),
            },
            Reason::NotMillis {
                column: s("msgtime"),
                value: s("昨天"),
            },
            Reason::MissingField { column: s("from") },
            Reason::EmptyField {
                column: s("会员")
            },
            Reason::PyWxDumpV2,
            Reason::NoGroup,
            Reason::OrdersHeader {
                missing: s("金额"),
                header: s("会员,时间"),
            },
            Reason::BadAmount {
                column: s("金额"),
                value: s("十块"),
            },
            Reason::AmbiguousMember { name: s("张三") },
            Reason::EmptyRoster,
            Reason::NotARoster,
            Reason::WecomError {
                code: 40003,
                message: s("无效"),
            },
            Reason::NoUserid { index: 2 },
            Reason::UserNoName { number: 3 },
            Reason::RosterNoName {
                names: s("昵称|微信名"),
                columns: s("微信号|昵称"),
            },
            Reason::BadRole { value: s("老板") },
            Reason::NotANumber {
                column: s("入群方式"),
                value: s("扫码"),
            },
            Reason::RosterNoGroup,
            Reason::NoDateColumn {
                names: s("日期|时间"),
                header: s("群,打开"),
            },
            Reason::UnknownMetric {
                column: s("阅读")
            },
            Reason::NoMetricColumns,
            Reason::BadDay {
                column: s("日期"),
                value: s("上周"),
            },
            Reason::BadNumber {
                column: s("打开"),
                value: s("很多"),
            },
            Reason::NoItems,
            Reason::NoStatTime { item: 1 },
            Reason::BadStatTime {
                item: 1,
                value: s("昨天"),
            },
            Reason::NoData { item: 1 },
            Reason::UnknownStatField {
                item: 1,
                field: s("阅读"),
            },
            Reason::BadStatValue {
                item: 1,
                field: s("打开"),
            },
            Reason::StatsNoGroup,
            Reason::ResultsHeader,
            Reason::BadId { value: s("第一") },
            Reason::NoSuchTitle { title: s("早安") },
            Reason::SeveralTitled {
                n: 2,
                title: s("早安"),
                ids: s("3, 4"),
            },
            Reason::NoIdNorTitle,
            Reason::BadCount {
                column: s("opens"),
                value: s("很多"),
            },
            Reason::NoNumbers,
            Reason::MapNotPair { pair: s("时间") },
            Reason::MapNoColumn { key: s("time") },
            Reason::MapUnknownKey {
                key: s("时间"),
                keys: s("time, sender, content"),
            },
            Reason::MapTwice { key: s("time") },
            Reason::MapMissing {
                missing: s("sender="),
            },
            Reason::FromCsvNeedsMap,
            Reason::UnknownFrom { name: s("微信") },
        ]
    }

    /// The ASCII words a Chinese text may keep: names of formats, columns, flags and
    /// keys the operator types or sees in the file, and units of notation.
    const LATIN_OK: &[&str] = &[
        "CSV",
        "JSON",
        "JSONL",
        "UTF",
        "Unix",
        "RFC",
        "YYYY",
        "MM",
        "DD",
        "HH",
        "SS",
        "M",
        "D",
        "H",
        "shequn",
        "wechatmsg",
        "memotrace",
        "pywxdump",
        "chatlog",
        "chatlab",
        "wecom",
        "auto",
        "csv",
        "WeChatMsg",
        "MemoTrace",
        "PyWxDump",
        "ChatLab",
        "from",
        "map",
        "group",
        "time",
        "sender",
        "content",
        "sender_id",
        "kind",
        "id",
        "msg",
        "src",
        "v2",
        "v3",
        "wxid",
        "member",
        "name",
        "nickname",
        "owner",
        "admin",
        "groupchat",
        "get",
        "users",
        "statistic",
        "statistic_group_by_day",
        "items",
        "stat_time",
        "data",
        "join_scene",
        "member_list",
        "userid",
        "errcode",
        "opens",
        "clicks",
        "orders",
        "gmv",
        "invites",
        "qr_scans",
        "members",
        "joins",
        "leaves",
        "messages",
        "speakers",
        "new_member_cnt",
        "member_total",
        "member_has_msg",
        "msg_total",
        "chat_has_msg",
        "json",
        "lines",
        "CreateTime",
        "msgtime",
        "e",
        "g",
        "title",
        "forwards",
        "replies",
        "lesson",
        "timestamp",
    ];

    #[test]
    fn every_reason_is_said_in_both_languages_with_no_placeholder_left() {
        let placeholder = |s: &str| {
            s.match_indices('{').any(|(i, _)| {
                let rest = &s[i + 1..];
                let end = rest.find('}').unwrap_or(0);
                end > 0
                    && rest[..end]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_')
            })
        };
        let reasons = every_reason();
        assert_eq!(reasons.len(), 65, "a new variant needs a sample here");
        for r in &reasons {
            let en = r.say(Lang::En.texts());
            let zh = r.say(Lang::Zh.texts());
            assert!(!placeholder(&en), "{r:?}: {en}");
            assert!(!placeholder(&zh), "{r:?}: {zh}");
            // the log's English (Display) is the English language file's
            assert_eq!(r.to_string(), en, "{r:?}");
            assert_ne!(en, zh, "{r:?}");
            // no English word in the Chinese text, but for names the operator types or
            // sees in the file
            for word in zh
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                // a word, not a number or a time like 2024-03-02T08
                .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
            {
                assert!(
                    LATIN_OK.contains(&word),
                    "{r:?}: English \"{word}\" in {zh}"
                );
            }
        }
    }
}
