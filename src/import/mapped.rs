//! Any other CSV, read through a [`ColumnMap`](super::ColumnMap) (`--map time=时间,…`).
//!
//! Times: Unix seconds or milliseconds, RFC 3339, `YYYY-MM-DD HH:MM[:SS]`,
//! `YYYY/M/D H:MM[:SS]` (local in the given zone). A row with an empty sender, or a
//! `kind` that says system (系统消息, system …), is a system row.

use std::io::Read;

use chrono_tz::Tz;

use super::util::{self, CsvRecords, CsvSource, Label, RowParser, field, non_empty};
use super::{ColumnMap, ImportError, MsgKind, Reason, RecordKind};

struct Parser {
    tz: Tz,
    time_name: String,
    time: usize,
    sender: usize,
    content: usize,
    sender_id: Option<usize>,
    kind: Option<usize>,
    id: Option<usize>,
    group: Option<usize>,
}

pub(crate) fn records<R: Read + Send + 'static>(
    input: R,
    map: ColumnMap,
    tz: Tz,
) -> Result<util::Items, ImportError> {
    let src = CsvSource::new(input)?;
    let find = |key: &str, name: &str| {
        src.col(name).ok_or_else(|| ImportError {
            line: src.header_line(),
            reason: Reason::MapColumn {
                column: name.to_string(),
                key: key.to_string(),
                header: util::clip(&src.header.join(","), 200),
            },
        })
    };
    let opt = |key: &str, name: &Option<String>| name.as_deref().map(|n| find(key, n)).transpose();
    let parser = Parser {
        tz,
        time: find("time", &map.time)?,
        sender: find("sender", &map.sender)?,
        content: find("content", &map.content)?,
        sender_id: opt("sender_id", &map.sender_id)?,
        kind: opt("kind", &map.kind)?,
        id: opt("id", &map.id)?,
        group: opt("group", &map.group)?,
        time_name: map.time,
    };
    Ok(Box::new(CsvRecords { src, parser }))
}

impl RowParser for Parser {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, Reason> {
        let raw = field(rec, self.time);
        let at =
            util::parse_time(raw, self.tz).ok_or_else(|| util::bad_time(&self.time_name, raw))?;
        let get = |i: Option<usize>| i.and_then(|i| non_empty(field(rec, i)));
        let content = field(rec, self.content).to_string();
        let group = get(self.group);
        let key = get(self.id).map(|id| format!("csv:{id}"));
        let label = match self.kind {
            Some(i) => util::label_kind(field(rec, i)),
            None => Label::Msg(MsgKind::Text),
        };
        let sender_id = get(self.sender_id);
        let name = non_empty(field(rec, self.sender)).or_else(|| sender_id.clone());
        match (label, name) {
            (Label::Msg(kind), Some(name)) => Ok(util::message(
                key, at, sender_id, name, group, kind, content,
            )),
            _ => Ok(util::system(&content, at, group, key)),
        }
    }
}
