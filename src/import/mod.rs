//! Chat exports, rosters and orders read from files: one parser per format, each a
//! streaming iterator of records that carry the line they came from. Nothing here
//! touches the database; `commands::import` feeds the records to the store.
//!
//! (Being written: the parsers live in the sibling files; this file fixes the types
//! every parser produces.)

use serde::Serialize;

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

/// Why a file cannot be imported: the line and what is wrong, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ImportError {
    pub line: u64,
    pub reason: String,
}
