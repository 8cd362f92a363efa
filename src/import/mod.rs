//! Chat exports, rosters and orders read from files: one parser per format, each a
//! streaming iterator of records that carry the line they came from. Nothing here
//! touches the database; `commands::import` feeds the records to the store.
//!
//! The parsers live in the sibling files, one per format; this file fixes the types
//! every parser produces, sniffs the format and opens a file ([`open`]).
//!
//! Conventions every parser follows:
//! - every record of the file is yielded exactly once, as a message, an event or a
//!   skip; a malformed record is an `Err` with the 1-based line it starts on;
//! - times are Unix seconds; local times without an offset are read in the `tz`
//!   given to [`open`];
//! - the exporting account is `sender_name` [`SELF_SENDER`] ("我", `sender_id`
//!   None) when the export does not name it, and [`SELF_TARGET`] ("你") in event
//!   targets; an event's `actor` is None when it was the exporting account;
//! - keys: the export's own id with a format prefix (`wm:`, `mt:`, `pw:`, `wc:`,
//!   `lab:`, `log:`, `csv:`), else `h:` + FNV-1a of (time, sender, content);
//!   events get the same with `ev:` in front.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use chrono_tz::Tz;
use serde::Serialize;

pub mod chatlab;
pub mod chatlog;
mod jsonstream;
pub mod mapped;
pub mod memotrace;
pub mod orders;
pub mod pywxdump;
mod reason;
pub use reason::Reason;
pub mod roster;
pub mod stats;
pub mod system;
mod util;
pub(crate) use util::fnv1a;
pub mod wechatmsg;
pub mod wecom;

#[cfg(test)]
mod tests;

pub use orders::{OrderRow, read_orders};
pub use roster::{RosterEntry, read_roster};
pub use system::parse_system_text;
pub use util::{QuoteChecked, unterminated_line};

/// `sender_name` of the exporting account's own messages when the export does not
/// name it.
pub const SELF_SENDER: &str = "我";
/// The exporting account in event targets ("你被"A"移出群聊" → targets ["你"]).
pub const SELF_TARGET: &str = "你";
/// How much of a file is read to sniff its format.
pub const SNIFF_LEN: usize = 8 * 1024;

/// A chat export format (`--from`), or `Auto` to sniff it from the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// WeChatMsg / 留痕 CSV
    WeChatMsg,
    /// MemoTrace CSV
    MemoTrace,
    /// PyWxDump CSV, v3 (msg, src columns) or v2 (content JSON column)
    PyWxDump,
    /// chatlog CSV or JSON
    Chatlog,
    /// ChatLab JSON or JSONL
    ChatLab,
    /// 企业微信 会话内容存档 JSON lines
    WeCom,
    /// Any other CSV, with a column mapping
    Csv(ColumnMap),
}

/// `--map time=时间,sender=发送人,content=内容[,sender_id=…,kind=…,id=…,group=…]`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub time: String,
    pub sender: String,
    pub content: String,
    pub sender_id: Option<String>,
    pub kind: Option<String>,
    pub id: Option<String>,
    pub group: Option<String>,
}

/// One record read from a file, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub kind: RecordKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecordKind {
    /// A member's message: counts as activity.
    Message(Message),
    /// Something that happened in the group: a join, a kick, a rename, a recall.
    Event(Event),
    /// A record that is neither (e.g. a system notice shequn does not understand, an
    /// empty row): counted as `skipped` with why.
    Skip { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Stable key for de-duplication: the export's own message id when it has one,
    /// else a hash of (time, sender, content).
    pub key: String,
    /// Unix seconds.
    pub at: i64,
    /// The sender's stable id (wxid, userid) when the export has it.
    pub sender_id: Option<String>,
    /// The sender's display name (group nickname or WeChat name).
    pub sender_name: String,
    /// The group's name (or room id) when the export says.
    pub group: Option<String>,
    pub kind: MsgKind,
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MsgKind {
    Text,
    Image,
    Voice,
    Video,
    Emoji,
    App,
    Other,
}

impl MsgKind {
    pub fn word(self) -> &'static str {
        match self {
            MsgKind::Text => "text",
            MsgKind::Image => "image",
            MsgKind::Voice => "voice",
            MsgKind::Video => "video",
            MsgKind::Emoji => "emoji",
            MsgKind::App => "app",
            MsgKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub key: String,
    pub at: i64,
    pub group: Option<String>,
    pub kind: EventKind,
    /// Who did it (the inviter, the one who kicked), by display name or id; None for
    /// "you" (the account that exported) when the export does not say who that is.
    pub actor: Option<String>,
    /// Who it happened to (the invited, the kicked), by display name or id.
    pub targets: Vec<String>,
    /// The original text, or the new group name for a rename.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Joined by invitation.
    JoinInvite,
    /// Joined by scanning a QR code.
    JoinQr,
    /// Removed by someone.
    Kick,
    /// Left by themselves (WeCom / roster only: personal WeChat shows no message).
    Leave,
    /// The group was renamed (`detail` = the new name).
    Rename,
    /// A message was recalled.
    Revoke,
}

/// Why a file cannot be imported: the line and what is wrong, for the operator (said in
/// their language by `reason.say`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ImportError {
    pub line: u64,
    pub reason: Reason,
}

// ------------------------------------------------------------------ formats

/// The stable word of a format (`--from`, messages, the import log).
pub fn format_name(f: &Format) -> &'static str {
    match f {
        Format::WeChatMsg => "wechatmsg",
        Format::MemoTrace => "memotrace",
        Format::PyWxDump => "pywxdump",
        Format::Chatlog => "chatlog",
        Format::ChatLab => "chatlab",
        Format::WeCom => "wecom",
        Format::Csv(_) => "csv",
    }
}

/// The header lines of the CSV formats, as exported.
pub(crate) const WECHATMSG_HEADER: &str = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender";
pub(crate) const MEMOTRACE_HEADER: &str = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息";
pub(crate) const PYWXDUMP_V3_HEADER: &str =
    "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime";
pub(crate) const PYWXDUMP_V2_HEADER: &str =
    "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime";
pub(crate) const CHATLOG_HEADER: &str = "Time,SenderName,Sender,TalkerName,Talker,Content";

/// The format of a chat export, from its first bytes (up to [`SNIFF_LEN`]; an
/// optional UTF-8 BOM is ignored). CSV formats are told by their exact header line
/// (fields compared after trimming spaces and quotes); JSON ones by their shape:
/// an object with a `chatlab` key (ChatLab JSON, or the header line of ChatLab
/// JSONL), an object with `msgid` and `msgtime`/`action` (企业微信 archive lines),
/// an array whose first object has `talker`/`talkerName` and `sender`/`senderName`
/// (chatlog JSON). A CSV with other columns needs `Format::Csv` and a map: `None`.
pub fn sniff(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(util::BOM).unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &head[start..];
    match body[0] {
        b'{' | b'[' => sniff_json(body),
        _ => sniff_csv(body),
    }
}

fn sniff_csv(head: &[u8]) -> Option<Format> {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..end]).ok()?;
    let fields: Vec<&str> = line
        .trim_end_matches('\r')
        .split(',')
        .map(|f| f.trim().trim_matches('"').trim())
        .collect();
    let is = |header: &str| header.split(',').eq(fields.iter().copied());
    if is(WECHATMSG_HEADER) {
        Some(Format::WeChatMsg)
    } else if is(MEMOTRACE_HEADER) {
        Some(Format::MemoTrace)
    } else if is(PYWXDUMP_V3_HEADER) || is(PYWXDUMP_V2_HEADER) {
        Some(Format::PyWxDump)
    } else if is(CHATLOG_HEADER) {
        Some(Format::Chatlog)
    } else {
        None
    }
}

fn sniff_json(body: &[u8]) -> Option<Format> {
    let (root, keys) = json_keys(body);
    let has = |depth: usize, k: &str| keys.iter().any(|(d, key)| *d == depth && key == k);
    if root == b'{' {
        if has(1, "chatlab") {
            return Some(Format::ChatLab);
        }
        if has(1, "msgid") && (has(1, "msgtime") || has(1, "action")) {
            return Some(Format::WeCom);
        }
    } else if (has(2, "talker") || has(2, "talkerName"))
        && (has(2, "sender") || has(2, "senderName"))
    {
        return Some(Format::Chatlog);
    }
    None
}

/// The object keys in (possibly truncated) JSON text, with their depth (1 = keys of
/// a top-level object), and the first byte. Tolerates a cut anywhere.
fn json_keys(body: &[u8]) -> (u8, Vec<(usize, String)>) {
    let root = body.first().copied().unwrap_or(b' ');
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut pending: Option<(usize, String)> = None;
    while i < body.len() && keys.len() < 256 {
        match body[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < body.len() && body[j] != b'"' {
                    j += if body[j] == b'\\' { 2 } else { 1 };
                }
                if j >= body.len() {
                    break;
                }
                pending = Some((depth, String::from_utf8_lossy(&body[start..j]).into_owned()));
                i = j;
            }
            b':' => {
                if let Some(k) = pending.take() {
                    keys.push(k);
                }
            }
            b'{' | b'[' => {
                depth += 1;
                pending = None;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                pending = None;
            }
            b if b.is_ascii_whitespace() => {}
            _ => pending = None,
        }
        i += 1;
    }
    (root, keys)
}

// ------------------------------------------------------------------ column maps

/// The keys of `--map`, required first.
pub const MAP_KEYS: [&str; 7] = [
    "time",
    "sender",
    "content",
    "sender_id",
    "kind",
    "id",
    "group",
];

/// Parses `time=时间,sender=发送人,content=内容[,sender_id=…,kind=…,id=…,group=…]`.
pub fn parse_map(spec: &str) -> Result<ColumnMap, Reason> {
    let mut map = ColumnMap::default();
    let mut seen: Vec<&str> = Vec::new();
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, column)) = pair.split_once('=') else {
            return Err(Reason::MapNotPair {
                pair: util::clip(pair, 40),
            });
        };
        let (key, column) = (key.trim(), column.trim());
        if column.is_empty() {
            return Err(Reason::MapNoColumn {
                key: util::clip(key, 40),
            });
        }
        let Some(&k) = MAP_KEYS.iter().find(|k| **k == key) else {
            return Err(Reason::MapUnknownKey {
                key: util::clip(key, 40),
                keys: MAP_KEYS.join(", "),
            });
        };
        if seen.contains(&k) {
            return Err(Reason::MapTwice { key: k.to_string() });
        }
        seen.push(k);
        let column = column.to_string();
        match k {
            "time" => map.time = column,
            "sender" => map.sender = column,
            "content" => map.content = column,
            "sender_id" => map.sender_id = Some(column),
            "kind" => map.kind = Some(column),
            "id" => map.id = Some(column),
            _ => map.group = Some(column),
        }
    }
    let missing: Vec<&str> = MAP_KEYS[..3]
        .iter()
        .copied()
        .filter(|k| !seen.contains(k))
        .collect();
    if !missing.is_empty() {
        return Err(Reason::MapMissing {
            missing: missing
                .iter()
                .map(|k| format!("{k}="))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(map)
}

// ------------------------------------------------------------------ opening

/// The records of one chat export, in file order. `Err` items are malformed
/// records (with their line); after one the iterator goes on with the next record
/// when it can (CSV rows, JSON lines) and ends when it cannot (I/O errors, a broken
/// JSON document). A caller that stops at the first error just stops.
pub struct Records {
    format: Format,
    inner: util::Items,
}

impl Records {
    /// The format used (the one given, or the one sniffed).
    pub fn detected(&self) -> &Format {
        &self.format
    }
}

impl Iterator for Records {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Opens a chat export. `format: None` sniffs it from the first [`SNIFF_LEN`]
/// bytes. Errors that concern the whole file (cannot open it) have line 0.
pub fn open(path: &Path, format: Option<Format>, tz: Tz) -> Result<Records, ImportError> {
    let file = File::open(path).map_err(|e| ImportError {
        line: 0,
        reason: Reason::io(&e),
    })?;
    from_reader(file, format, tz)
}

/// [`open`] on any reader (stdin, a test buffer). Streams: only the first
/// [`SNIFF_LEN`] bytes are held, then chained back in front of the rest.
pub fn from_reader<R: Read + Send + 'static>(
    mut reader: R,
    format: Option<Format>,
    tz: Tz,
) -> Result<Records, ImportError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| ImportError {
            line: 0,
            reason: Reason::io(&e),
        })?;
    if head.starts_with(util::BOM) {
        head.drain(..util::BOM.len());
    }
    let format = match format {
        Some(f) => f,
        None => sniff(&head).ok_or_else(|| unknown_format(&head))?,
    };
    let input = BufReader::with_capacity(64 * 1024, Cursor::new(head).chain(reader));
    let inner: util::Items = match &format {
        Format::WeChatMsg => wechatmsg::records(input)?,
        Format::MemoTrace => memotrace::records(input, tz)?,
        Format::PyWxDump => pywxdump::records(input, tz)?,
        Format::Chatlog => chatlog::records(input, tz)?,
        Format::ChatLab => chatlab::records(input)?,
        Format::WeCom => wecom::records(input),
        Format::Csv(map) => mapped::records(input, map.clone(), tz)?,
    };
    Ok(Records { format, inner })
}

fn unknown_format(head: &[u8]) -> ImportError {
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let reason = if first.trim().is_empty() {
        Reason::EmptyFile
    } else {
        Reason::UnknownFormat {
            start: util::clip(&first, 80),
        }
    };
    ImportError { line: 1, reason }
}

/// Read records on a worker thread, a batch at a time, while the caller writes the
/// previous ones: parsing and SQLite then use both cores. Memory stays bounded: at most
/// 4 batches of 2,048 records in flight (a few MB), whatever the file size. That is as many
/// records as the chat import writes in one sorted chunk (`store::import`), which is what
/// the queue must absorb: while the writer writes a chunk the reader fills the queue, and
/// after it the writer drains the queue instead of waiting for the parser. (Measured on
/// the 1M-message benchmark: with 65,536-message chunks this needed 64 batches, ~50 MB of
/// parsed records; with 8,192-message chunks 4 batches keep the same speed.) Dropping
/// the returned iterator stops the worker. Fails only when the thread cannot start.
pub fn prefetch<I>(inner: I) -> std::io::Result<impl Iterator<Item = I::Item>>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    const BATCH: usize = 2048;
    // room for a whole chunk of the chat import (16,384 records, `store::import`): the
    // parser keeps going while the import writes the chunk before
    const IN_FLIGHT: usize = 9;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<I::Item>>(IN_FLIGHT);
    std::thread::Builder::new()
        .name("shequn-prefetch".into())
        .spawn(move || {
            let mut inner = inner;
            loop {
                let batch: Vec<I::Item> = inner.by_ref().take(BATCH).collect();
                let done = batch.len() < BATCH;
                if tx.send(batch).is_err() || done {
                    return;
                }
            }
        })?;
    Ok(rx.into_iter().flatten())
}
