//! WeChatMsg / 留痕 CSV:
//! `localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender`.
//!
//! UTF-8 with BOM, CRLF, quoted multi-line fields. `CreateTime` is Unix seconds;
//! `TalkerId` the group (`…@chatroom`), `Sender` the member's wxid, `NickName` their
//! WeChat name (a member who left may show a bare wxid, or nothing: then the wxid
//! is the name). Rows with Type 10000/10002 or an empty `Sender` (from someone else)
//! are system rows. `IsSender=1` is the exporting account.

use std::io::Read;

use super::util::{self, CsvRecords, CsvSource, Label, RowParser, field, non_empty};
use super::{ImportError, RecordKind, SELF_SENDER};

const COLUMNS: [&str; 8] = [
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "StrContent",
    "NickName",
];

struct Parser {
    local_id: usize,
    talker: usize,
    kind: usize,
    sub: usize,
    is_sender: usize,
    time: usize,
    content: usize,
    nick: usize,
    sender: Option<usize>,
}

pub(crate) fn records<R: Read + Send + 'static>(input: R) -> Result<util::Items, ImportError> {
    let src = CsvSource::new(input)?;
    let c = src.require("WeChatMsg", &COLUMNS)?;
    let parser = Parser {
        local_id: c[0],
        talker: c[1],
        kind: c[2],
        sub: c[3],
        is_sender: c[4],
        time: c[5],
        content: c[6],
        nick: c[7],
        sender: src.col("Sender"),
    };
    Ok(Box::new(CsvRecords { src, parser }))
}

impl RowParser for Parser {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, super::Reason> {
        let raw_time = field(rec, self.time).trim();
        let at: i64 = raw_time.parse().map_err(|_| super::Reason::NotUnixTime {
            column: "CreateTime".into(),
            value: util::clip(raw_time, 40),
        })?;
        let t = field(rec, self.kind).trim();
        let kind: i64 = t.parse().map_err(|_| super::Reason::NotANumber {
            column: "Type".into(),
            value: util::clip(t, 20),
        })?;
        let sub: i64 = field(rec, self.sub).trim().parse().unwrap_or(0);
        let talker = non_empty(field(rec, self.talker));
        let key = match (&talker, non_empty(field(rec, self.local_id))) {
            (Some(t), Some(id)) => Some(format!("wm:{t}:{id}")),
            _ => None,
        };
        let content = field(rec, self.content).to_string();
        let is_self = field(rec, self.is_sender).trim() == "1";
        let sender = self.sender.and_then(|i| non_empty(field(rec, i)));
        let label = util::wechat_type(kind, sub);
        let msg_kind = match label {
            Label::System => return Ok(util::system(&content, at, talker, key)),
            Label::Msg(k) => k,
        };
        let nick = non_empty(field(rec, self.nick));
        let (sender_id, sender_name) = match (is_self, sender) {
            (_, Some(id)) => {
                let name = nick.unwrap_or_else(|| id.clone());
                (Some(id), name)
            }
            (true, None) => (None, nick.unwrap_or_else(|| SELF_SENDER.to_string())),
            (false, None) => return Ok(util::system(&content, at, talker, key)),
        };
        Ok(util::message(
            key,
            at,
            sender_id,
            sender_name,
            talker,
            msg_kind,
            content,
        ))
    }
}
