//! ChatLab JSON (`{"chatlab":{…},"meta":{"name":…},"members":[…],"messages":[…]}`)
//! and JSONL (a header line with `chatlab`/`meta` and maybe `members`, optional
//! `{"_type":"member",…}` lines, then one message object per line).
//!
//! Message `type`: 0 text, 1 image, 2 voice, 3 video, 5 emoji, 25 reply (text),
//! 4/7/8/20/21/24/26/27 app-like, ≥ 80 system (→ event or skip), 22 pat (system).
//! The JSON variant is streamed: a `DeserializeSeed` walks the `messages` array on a
//! worker thread and never holds more than a batch of records.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::jsonstream::{self, Emitter, LineCounter};
use super::util::{self, Num, Text, non_empty, value_str};
use super::{ImportError, MsgKind, Reason, Record};

/// ChatLab JSON or JSONL, told apart while reading: the first top-level value is
/// parsed by a streaming seed; if it had `messages` it was the whole document,
/// otherwise it was the JSONL header and the values after it are lines (`_type`
/// header / member / message, or plain message objects). The head of the file is not
/// enough to tell: a JSONL header with 500 members is longer than the sniffed bytes.
pub(crate) fn records<R: Read + Send + 'static>(input: R) -> Result<util::Items, ImportError> {
    let stream = jsonstream::spawn(move |em| {
        let (reader, newlines) = LineCounter::new(input);
        let mut de = serde_json::Deserializer::from_reader(reader);
        let mut ctx = Ctx::default();
        let seed = TopSeed {
            ctx: &mut ctx,
            em: &mut *em,
            newlines: &newlines,
        };
        let first_line = newlines.get() + 1;
        match seed.deserialize(&mut de) {
            // JSON: one document; only whitespace may follow
            Ok(First::Document) => {
                if let Err(e) = de.end() {
                    let _ = em.emit(Err(util::json_error(&e)));
                }
            }
            // JSONL: the header (or a first message) was the first line; one object
            // per line follows
            Ok(first) => {
                if let First::Message(fields) = first {
                    let item = serde_json::from_value::<Msg>(Value::Object(fields))
                        .map_err(|e| ImportError {
                            line: first_line,
                            reason: Reason::ChatLabShape {
                                detail: e.to_string(),
                            },
                        })
                        .and_then(|msg| ctx.convert(first_line, &msg));
                    if em.emit(item).is_err() {
                        return;
                    }
                }
                for value in de.into_iter::<Msg>() {
                    // serde_json stops right after a value's closing brace, so the
                    // count is of the lines before this one-line record's end
                    let line = newlines.get() + 1;
                    let item = match value {
                        Ok(msg) => match ctx.line(line, &msg) {
                            Some(item) => item,
                            None => continue,
                        },
                        Err(e) => Err(util::json_error(&e)),
                    };
                    let failed = item.is_err();
                    if em.emit(item).is_err() || failed {
                        return;
                    }
                }
            }
            // After a cancel this send fails too: nobody is listening.
            Err(e) => {
                let _ = em.emit(Err(util::json_error(&e)));
            }
        }
    })?;
    Ok(Box::new(stream))
}

// ------------------------------------------------------------------ shapes

#[derive(Debug, Default, Deserialize)]
struct Meta {
    name: Option<Value>,
    #[serde(rename = "groupId")]
    group_id: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Member {
    #[serde(rename = "platformId")]
    platform_id: Text,
    #[serde(rename = "accountName")]
    account_name: Text,
    #[serde(rename = "groupNickname")]
    group_nickname: Text,
}

/// A message object (also a JSONL header or member line: `_type` tells). Fields are
/// lenient (`Text`, `Num`) rather than `Value`s: this runs once per message.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Msg {
    #[serde(rename = "_type")]
    line_type: Text,
    sender: Text,
    #[serde(rename = "accountName")]
    account_name: Text,
    #[serde(rename = "groupNickname")]
    group_nickname: Text,
    timestamp: Num,
    #[serde(rename = "type")]
    kind: Num,
    content: Text,
    id: Text,
    #[serde(rename = "platformMessageId")]
    platform_message_id: Text,
    // header and member lines of JSONL
    meta: Option<Meta>,
    members: Option<Vec<Member>>,
    #[serde(rename = "platformId")]
    platform_id: Text,
}

#[derive(Debug, Default)]
struct Ctx {
    group: Option<String>,
    /// platformId → display name (group nickname, else account name)
    names: HashMap<String, String>,
}

impl Ctx {
    fn set_meta(&mut self, meta: &Meta) {
        self.group = non_empty(&value_str(meta.name.as_ref()))
            .or_else(|| non_empty(&value_str(meta.group_id.as_ref())));
    }

    fn add_member(&mut self, id: &Text, account: &Text, nick: &Text) {
        let (Some(id), Some(name)) = (id.get(), nick.get().or_else(|| account.get())) else {
            return;
        };
        self.names.insert(id.to_string(), name.to_string());
    }

    fn convert(&self, line: u64, m: &Msg) -> Result<Record, ImportError> {
        let err = |reason: Reason| ImportError { line, reason };
        let at = match &m.timestamp.0 {
            Some(Ok(t)) if t.abs() >= 100_000_000_000 => t.div_euclid(1000),
            Some(Ok(t)) => *t,
            None => {
                return Err(err(Reason::MissingField {
                    column: "timestamp".into(),
                }));
            }
            Some(Err(v)) => {
                return Err(err(Reason::NotUnixTime {
                    column: "timestamp".into(),
                    value: util::clip(v, 40),
                }));
            }
        };
        let kind = match &m.kind.0 {
            Some(Ok(k)) => *k,
            _ => 0,
        };
        let content = m.content.0.clone().unwrap_or_default();
        let key =
            m.id.get()
                .or_else(|| m.platform_message_id.get())
                .map(|id| format!("lab:{id}"));
        let group = self.group.clone();
        let msg_kind = match kind {
            0 | 25 => MsgKind::Text,
            1 => MsgKind::Image,
            2 => MsgKind::Voice,
            3 => MsgKind::Video,
            5 => MsgKind::Emoji,
            4 | 7 | 8 | 20 | 21 | 24 | 26 | 27 => MsgKind::App,
            22 => {
                return Ok(Record {
                    line,
                    kind: util::system(&content, at, group, key),
                });
            }
            k if k >= 80 && k != 99 => {
                return Ok(Record {
                    line,
                    kind: util::system(&content, at, group, key),
                });
            }
            _ => MsgKind::Other,
        };
        let sender_id = m.sender.get().map(str::to_string);
        let name = m
            .group_nickname
            .get()
            .or_else(|| m.account_name.get())
            .or_else(|| {
                sender_id
                    .as_deref()
                    .and_then(|id| self.names.get(id).map(String::as_str))
            })
            .or(sender_id.as_deref())
            .map(str::to_string);
        let kind = match name {
            Some(name) => util::message(key, at, sender_id, name, group, msg_kind, content),
            None => util::system(&content, at, group, key),
        };
        Ok(Record { line, kind })
    }
}

// ------------------------------------------------------------------ JSON, streamed

struct TopSeed<'a> {
    ctx: &'a mut Ctx,
    em: &'a mut Emitter,
    newlines: &'a Rc<Cell<u64>>,
}

/// The top-level object; its value says whether it had `messages`.
/// What the first top-level object was.
enum First {
    /// A ChatLab JSON document (it had `messages`, already emitted).
    Document,
    /// A JSONL header line (`chatlab` / `meta` / `members`, already taken in).
    Header,
    /// A JSONL file without header: its first message, by field.
    Message(Map<String, Value>),
}

/// The fields of a message kept from a first object that turns out to be one.
const MESSAGE_FIELDS: [&str; 9] = [
    "_type",
    "sender",
    "accountName",
    "groupNickname",
    "timestamp",
    "type",
    "content",
    "id",
    "platformMessageId",
];

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = First;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<First, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = First;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ChatLab JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<First, A::Error> {
        let (mut messages, mut header) = (false, false);
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            header |= matches!(key.as_str(), "chatlab" | "meta" | "members");
            match key.as_str() {
                "meta" => {
                    let meta: Meta = map.next_value()?;
                    self.ctx.set_meta(&meta);
                }
                "members" => {
                    let members: Vec<Member> = map.next_value()?;
                    for m in &members {
                        self.ctx
                            .add_member(&m.platform_id, &m.account_name, &m.group_nickname);
                    }
                }
                "messages" => {
                    messages = true;
                    map.next_value_seed(MessagesSeed {
                        ctx: self.ctx,
                        em: &mut *self.em,
                        newlines: self.newlines,
                    })?;
                }
                k if MESSAGE_FIELDS.contains(&k) => {
                    let value: Value = map.next_value()?;
                    fields.insert(key, value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let header = header || fields.get("_type").and_then(Value::as_str) == Some("header");
        Ok(if messages {
            First::Document
        } else if header {
            First::Header
        } else {
            First::Message(fields)
        })
    }
}

struct MessagesSeed<'a> {
    ctx: &'a Ctx,
    em: &'a mut Emitter,
    newlines: &'a Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of ChatLab messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let one = OneSeed {
                ctx: self.ctx,
                em: &mut *self.em,
                newlines: self.newlines,
            };
            if seq.next_element_seed(one)?.is_none() {
                return Ok(());
            }
        }
    }
}

struct OneSeed<'a> {
    ctx: &'a Ctx,
    em: &'a mut Emitter,
    newlines: &'a Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for OneSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let line = self.newlines.get() + 1;
        let msg = Msg::deserialize(d)?;
        let item = self.ctx.convert(line, &msg);
        self.em
            .emit(item)
            .map_err(|_| de::Error::custom("reading cancelled"))
    }
}

// ------------------------------------------------------------------ JSONL

impl Ctx {
    /// One JSONL value after the header: a record, or None for header and member
    /// lines (which only feed the group name and the member names).
    fn line(&mut self, line: u64, msg: &Msg) -> Option<Result<Record, ImportError>> {
        match msg.line_type.get() {
            Some("header") => {
                if let Some(meta) = &msg.meta {
                    self.set_meta(meta);
                }
                for m in msg.members.iter().flatten() {
                    self.add_member(&m.platform_id, &m.account_name, &m.group_nickname);
                }
                None
            }
            Some("member") => {
                self.add_member(&msg.platform_id, &msg.account_name, &msg.group_nickname);
                None
            }
            _ => Some(self.convert(line, msg)),
        }
    }
}
