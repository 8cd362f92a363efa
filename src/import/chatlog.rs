//! chatlog CSV `Time,SenderName,Sender,TalkerName,Talker,Content` and chatlog JSON
//! (an array of `{"time","senderName","sender","talkerName","talker","content",
//! "type"?,"subType"?,"seq"?,"isSelf"?}`); times are RFC 3339 with an offset.
//!
//! `type` is WeChat's number (1 text, 3 image, 49/57 quote …, 10000 system); without
//! it the kind comes from placeholders such as `[图片]`, and a row without a sender
//! is a system row. The JSON array is streamed like ChatLab's messages.

use std::cell::Cell;
use std::fmt;
use std::io::BufRead;
use std::rc::Rc;

use chrono_tz::Tz;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::jsonstream::{self, Emitter, LineCounter};
use super::util::{
    self, CsvRecords, CsvSource, Label, RowParser, field, non_empty, value_i64, value_str,
};
use super::{ImportError, MsgKind, Reason, Record, RecordKind, SELF_SENDER};

pub(crate) fn records<R: BufRead + Send + 'static>(
    mut input: R,
    tz: Tz,
) -> Result<util::Items, ImportError> {
    let first = input
        .fill_buf()
        .map_err(|e| ImportError {
            line: 0,
            reason: Reason::io(&e),
        })?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'[' | b'{')) {
        return json(input, tz);
    }
    let src = CsvSource::new(input)?;
    let c = src.require(
        "chatlog",
        &[
            "Time",
            "SenderName",
            "Sender",
            "TalkerName",
            "Talker",
            "Content",
        ],
    )?;
    let parser = CsvParser {
        tz,
        time: c[0],
        sender_name: c[1],
        sender: c[2],
        talker_name: c[3],
        talker: c[4],
        content: c[5],
    };
    Ok(Box::new(CsvRecords { src, parser }))
}

/// One chatlog message, from either shape.
struct Row {
    at: i64,
    sender_name: String,
    sender: String,
    talker_name: String,
    talker: String,
    content: String,
    kind: Option<i64>,
    sub: i64,
    seq: Option<String>,
    is_self: bool,
}

fn convert(r: Row) -> RecordKind {
    let group = non_empty(&r.talker_name).or_else(|| non_empty(&r.talker));
    let key = r.seq.as_deref().and_then(non_empty).map(|seq| {
        format!(
            "log:{}:{seq}",
            non_empty(&r.talker)
                .or_else(|| group.clone())
                .unwrap_or_default()
        )
    });
    let label = match r.kind {
        Some(t) => util::wechat_type(t, r.sub),
        None => Label::Msg(placeholder_kind(&r.content)),
    };
    let Label::Msg(kind) = label else {
        return util::system(&r.content, r.at, group, key);
    };
    let sender_id = non_empty(&r.sender);
    let name = non_empty(&r.sender_name).or_else(|| sender_id.clone());
    match name {
        Some(name) => util::message(key, r.at, sender_id, name, group, kind, r.content),
        None if r.is_self => util::message(
            key,
            r.at,
            None,
            SELF_SENDER.to_string(),
            group,
            kind,
            r.content,
        ),
        None => util::system(&r.content, r.at, group, key),
    }
}

/// chatlog writes media as placeholders when it has no type column.
fn placeholder_kind(content: &str) -> MsgKind {
    match content.trim() {
        "[图片]" => MsgKind::Image,
        "[语音]" => MsgKind::Voice,
        "[视频]" => MsgKind::Video,
        "[动画表情]" | "[表情]" => MsgKind::Emoji,
        c if c.starts_with("[文件]") || c.starts_with("[链接]") || c.starts_with("[小程序]") => {
            MsgKind::App
        }
        _ => MsgKind::Text,
    }
}

// ------------------------------------------------------------------ CSV

struct CsvParser {
    tz: Tz,
    time: usize,
    sender_name: usize,
    sender: usize,
    talker_name: usize,
    talker: usize,
    content: usize,
}

impl RowParser for CsvParser {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, Reason> {
        let raw = field(rec, self.time);
        let at = util::parse_time(raw, self.tz).ok_or_else(|| util::bad_time("Time", raw))?;
        Ok(convert(Row {
            at,
            sender_name: field(rec, self.sender_name).to_string(),
            sender: field(rec, self.sender).to_string(),
            talker_name: field(rec, self.talker_name).to_string(),
            talker: field(rec, self.talker).to_string(),
            content: field(rec, self.content).to_string(),
            kind: None,
            sub: 0,
            seq: None,
            is_self: false,
        }))
    }
}

// ------------------------------------------------------------------ JSON, streamed

#[derive(Debug, Deserialize)]
struct Item {
    time: Option<Value>,
    #[serde(rename = "senderName")]
    sender_name: Option<Value>,
    sender: Option<Value>,
    #[serde(rename = "talkerName")]
    talker_name: Option<Value>,
    talker: Option<Value>,
    content: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    #[serde(rename = "subType")]
    sub_type: Option<Value>,
    seq: Option<Value>,
    #[serde(rename = "isSelf")]
    is_self: Option<Value>,
}

fn json<R: BufRead + Send + 'static>(input: R, tz: Tz) -> Result<util::Items, ImportError> {
    let stream = jsonstream::spawn(move |em| {
        let (reader, newlines) = LineCounter::new(input);
        let mut de = serde_json::Deserializer::from_reader(reader);
        let seed = ArraySeed {
            tz,
            em,
            newlines: &newlines,
        };
        if let Err(e) = seed.deserialize(&mut de).and_then(|()| de.end()) {
            let _ = em.emit(Err(util::json_error(&e)));
        }
    })?;
    Ok(Box::new(stream))
}

fn item_to_record(tz: Tz, line: u64, it: Item) -> Result<Record, ImportError> {
    let at = match &it.time {
        Some(Value::String(s)) => util::parse_time(s, tz),
        Some(v @ Value::Number(_)) => value_i64(Some(v)).map(|t| {
            if t.abs() >= 100_000_000_000 {
                t.div_euclid(1000)
            } else {
                t
            }
        }),
        _ => None,
    };
    let Some(at) = at else {
        let column = "time".to_string();
        let reason = match &it.time {
            None | Some(Value::Null) => Reason::MissingField { column },
            Some(v) => Reason::NotRfc3339 {
                column,
                value: util::clip(&v.to_string(), 40),
            },
        };
        return Err(ImportError { line, reason });
    };
    let kind = Record {
        line,
        kind: convert(Row {
            at,
            sender_name: value_str(it.sender_name.as_ref()),
            sender: value_str(it.sender.as_ref()),
            talker_name: value_str(it.talker_name.as_ref()),
            talker: value_str(it.talker.as_ref()),
            content: value_str(it.content.as_ref()),
            kind: value_i64(it.kind.as_ref()),
            sub: value_i64(it.sub_type.as_ref()).unwrap_or(0),
            seq: non_empty(&value_str(it.seq.as_ref())),
            is_self: matches!(it.is_self, Some(Value::Bool(true))),
        }),
    };
    Ok(kind)
}

struct ArraySeed<'a> {
    tz: Tz,
    em: &'a mut Emitter,
    newlines: &'a Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of chatlog messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let one = OneSeed {
                tz: self.tz,
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
    tz: Tz,
    em: &'a mut Emitter,
    newlines: &'a Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for OneSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let line = self.newlines.get() + 1;
        let item = Item::deserialize(d)?;
        let record = item_to_record(self.tz, line, item);
        self.em
            .emit(record)
            .map_err(|_| de::Error::custom("reading cancelled"))
    }
}
