//! PyWxDump CSV, v3 `id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime`
//! and v2 `id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime` (v2
//! `content` is JSON `{"src":…,"msg":…}`).
//!
//! `talker` is the sender's wxid, `room_name` the group's id (`…@chatroom`);
//! `CreateTime` local `YYYY-MM-DD HH:MM:SS` (or Excel's `2024/10/4 11:42`).
//! `type_name` 系统通知 / 消息撤回… / 拍一拍 / 邀请加群 rows are system rows.

use std::io::Read;

use chrono_tz::Tz;

use super::util::{self, CsvRecords, CsvSource, Label, RowParser, field, non_empty};
use super::{ImportError, Reason, RecordKind, SELF_SENDER};

enum Body {
    /// v3: the `msg` column
    Msg(usize),
    /// v2: the `content` column, JSON
    Json(usize),
}

struct Parser {
    tz: Tz,
    svr_id: usize,
    label: usize,
    is_sender: usize,
    talker: usize,
    room: usize,
    time: usize,
    body: Body,
}

pub(crate) fn records<R: Read + Send + 'static>(
    input: R,
    tz: Tz,
) -> Result<util::Items, ImportError> {
    let src = CsvSource::new(input)?;
    let c = src.require(
        "PyWxDump",
        &[
            "MsgSvrID",
            "type_name",
            "is_sender",
            "talker",
            "room_name",
            "CreateTime",
        ],
    )?;
    let body = match (src.col("msg"), src.col("content")) {
        (Some(i), _) => Body::Msg(i),
        (None, Some(i)) => Body::Json(i),
        (None, None) => {
            return Err(ImportError {
                line: src.header_line(),
                reason: Reason::PyWxDumpBody,
            });
        }
    };
    let parser = Parser {
        tz,
        svr_id: c[0],
        label: c[1],
        is_sender: c[2],
        talker: c[3],
        room: c[4],
        time: c[5],
        body,
    };
    Ok(Box::new(CsvRecords { src, parser }))
}

impl RowParser for Parser {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, Reason> {
        let raw = field(rec, self.time);
        let at = util::parse_time(raw, self.tz).ok_or_else(|| util::bad_time("CreateTime", raw))?;
        let content = match self.body {
            Body::Msg(i) => field(rec, i).to_string(),
            Body::Json(i) => v2_msg(field(rec, i))?,
        };
        let key = non_empty(field(rec, self.svr_id)).map(|id| format!("pw:{id}"));
        let group = non_empty(field(rec, self.room));
        let talker = non_empty(field(rec, self.talker));
        let is_self = field(rec, self.is_sender).trim() == "1";
        match (util::label_kind(field(rec, self.label)), talker) {
            (Label::System, _) => Ok(util::system(&content, at, group, key)),
            (Label::Msg(kind), Some(id)) => Ok(util::message(
                key,
                at,
                Some(id.clone()),
                id,
                group,
                kind,
                content,
            )),
            (Label::Msg(kind), None) if is_self => Ok(util::message(
                key,
                at,
                None,
                SELF_SENDER.to_string(),
                group,
                kind,
                content,
            )),
            (Label::Msg(_), None) => Ok(util::system(&content, at, group, key)),
        }
    }
}

/// v2 `content`: `{"src": "…", "msg": "…"}` → msg.
fn v2_msg(raw: &str) -> Result<String, Reason> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    let v: serde_json::Value = serde_json::from_str(raw).map_err(|_| Reason::PyWxDumpV2)?;
    match v.get("msg") {
        Some(m) => Ok(util::value_str(Some(m))),
        None if v.is_object() => Ok(String::new()),
        None => Err(Reason::PyWxDumpV2),
    }
}
