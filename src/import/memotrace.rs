//! MemoTrace CSV: `消息ID,类型,发送人,时间,内容,备注,昵称,更多信息`.
//!
//! `类型` is a Chinese label (文本, 图片, 引用消息, 系统消息, 拍一拍 …); `发送人` the
//! sender's display name (empty for system messages); `时间` local
//! `YYYY-MM-DD HH:MM:SS`. No wxid and no group name in the file.

use std::io::Read;

use chrono_tz::Tz;

use super::util::{self, CsvRecords, CsvSource, Label, RowParser, field, non_empty};
use super::{ImportError, RecordKind};

struct Parser {
    tz: Tz,
    id: usize,
    label: usize,
    sender: usize,
    time: usize,
    content: usize,
    nick: Option<usize>,
}

pub(crate) fn records<R: Read + Send + 'static>(
    input: R,
    tz: Tz,
) -> Result<util::Items, ImportError> {
    let src = CsvSource::new(input)?;
    let c = src.require("MemoTrace", &["消息ID", "类型", "发送人", "时间", "内容"])?;
    let parser = Parser {
        tz,
        id: c[0],
        label: c[1],
        sender: c[2],
        time: c[3],
        content: c[4],
        nick: src.col("昵称"),
    };
    Ok(Box::new(CsvRecords { src, parser }))
}

impl RowParser for Parser {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, super::Reason> {
        let raw = field(rec, self.time);
        let at = util::parse_time(raw, self.tz).ok_or_else(|| util::bad_time("时间", raw))?;
        let key = non_empty(field(rec, self.id)).map(|id| format!("mt:{id}"));
        let content = field(rec, self.content).to_string();
        let sender = non_empty(field(rec, self.sender))
            .or_else(|| self.nick.and_then(|i| non_empty(field(rec, i))));
        match (util::label_kind(field(rec, self.label)), sender) {
            (Label::Msg(kind), Some(name)) => {
                Ok(util::message(key, at, None, name, None, kind, content))
            }
            _ => Ok(util::system(&content, at, None, key)),
        }
    }
}
