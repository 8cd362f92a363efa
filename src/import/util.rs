//! Helpers shared by the parsers: keys (FNV-1a), times, type labels, CSV rows,
//! system-row handling.

use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::{Event, ImportError, Message, MsgKind, Reason, Record, RecordKind, parse_system_text};

/// What every parser hands to `Records`.
pub(crate) type Items = Box<dyn Iterator<Item = Result<Record, ImportError>> + Send>;

pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

// ---------------------------------------------------------------- keys

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a over the parts, separated by 0x1F (so ("ab","c") ≠ ("a","bc")).
/// Stable across Rust versions and platforms, unlike `DefaultHasher`.
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut h = FNV_OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(FNV_PRIME);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// `h:` + 16 hex digits of FNV-1a over (time, who, content).
pub(crate) fn hash_key(at: i64, who: &str, content: &str) -> String {
    format!("h:{:016x}", fnv1a(&[&at.to_string(), who, content]))
}

/// A non-empty trimmed field, or None.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// At most `max` characters of `s`, with `…` when cut (for reasons shown to operators).
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

// ---------------------------------------------------------------- records

/// A member's message; the key is the export's id when given, else the hash.
#[allow(clippy::too_many_arguments)]
pub(crate) fn message(
    key: Option<String>,
    at: i64,
    sender_id: Option<String>,
    sender_name: String,
    group: Option<String>,
    kind: MsgKind,
    content: String,
) -> RecordKind {
    let key =
        key.unwrap_or_else(|| hash_key(at, sender_id.as_deref().unwrap_or(&sender_name), &content));
    RecordKind::Message(Message {
        key,
        at,
        sender_id,
        sender_name,
        group,
        kind,
        content,
    })
}

/// A system row: an event when `parse_system_text` understands it, else a skip.
/// `key` is the export's id for the row (without `ev:`), if it has one.
pub(crate) fn system(
    text: &str,
    at: i64,
    group: Option<String>,
    key: Option<String>,
) -> RecordKind {
    match parse_system_text(text) {
        Some((kind, actor, targets, detail)) => {
            let key = match key {
                Some(k) => format!("ev:{k}"),
                None => format!(
                    "ev:{}",
                    hash_key(at, actor.as_deref().unwrap_or(""), text.trim())
                ),
            };
            RecordKind::Event(Event {
                key,
                at,
                group,
                kind,
                actor,
                targets,
                detail,
            })
        }
        None => skip_system(text),
    }
}

pub(crate) fn skip_system(text: &str) -> RecordKind {
    let reason = if text.trim().is_empty() {
        "empty system message".to_string()
    } else {
        format!("system message not understood: {}", clip(text, 60))
    };
    RecordKind::Skip { reason }
}

pub(crate) fn skip(reason: impl Into<String>) -> RecordKind {
    RecordKind::Skip {
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------- kinds

/// What a type label or number stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    Msg(MsgKind),
    /// A system row (goes through `parse_system_text`).
    System,
}

/// Chinese and English type labels of MemoTrace, PyWxDump and mapped CSVs.
pub(crate) fn label_kind(label: &str) -> Label {
    let l = label.trim().to_ascii_lowercase();
    let l = l.as_str();
    if let Ok(n) = l.parse::<i64>() {
        return wechat_type(n, 0);
    }
    match l {
        "" | "文本" | "文字" | "消息" | "引用消息" | "引用回复" | "回复" | "接龙"
        | "粘贴的文本" | "text" | "reply" | "quote" => Label::Msg(MsgKind::Text),
        "图片" | "image" | "picture" | "photo" => Label::Msg(MsgKind::Image),
        "语音" | "voice" | "audio" => Label::Msg(MsgKind::Voice),
        "视频" | "小视频" | "video" => Label::Msg(MsgKind::Video),
        "表情包" | "表情" | "动画表情" | "用户上传的gif表情" | "emoji" | "emotion" | "sticker" => {
            Label::Msg(MsgKind::Emoji)
        }
        "系统消息" | "系统通知" | "拍一拍" | "撤回消息" | "邀请加群" | "system" | "recall"
        | "revoke" | "pat" => Label::System,
        _ if l.starts_with("消息撤回") => Label::System,
        _ => {
            const APP: [&str; 20] = [
                "文件",
                "分享",
                "链接",
                "转发",
                "小程序",
                "转账",
                "红包",
                "位置",
                "名片",
                "公告",
                "视频号",
                "音乐",
                "笔记",
                "收藏",
                "直播",
                "app",
                "file",
                "link",
                "location",
                "card",
            ];
            if APP.iter().any(|w| l.contains(w)) {
                Label::Msg(MsgKind::App)
            } else {
                Label::Msg(MsgKind::Other)
            }
        }
    }
}

/// WeChat's own message type numbers (WeChatMsg `Type`/`SubType`, chatlog `type`).
pub(crate) fn wechat_type(t: i64, sub: i64) -> Label {
    match t {
        1 => Label::Msg(MsgKind::Text),
        3 => Label::Msg(MsgKind::Image),
        34 => Label::Msg(MsgKind::Voice),
        43 => Label::Msg(MsgKind::Video),
        47 => Label::Msg(MsgKind::Emoji),
        // 57 quote-reply, 53 接龙: members typing text
        49 if sub == 57 || sub == 53 => Label::Msg(MsgKind::Text),
        49 => Label::Msg(MsgKind::App),
        10000 | 10002 => Label::System,
        _ => Label::Msg(MsgKind::Other),
    }
}

// ---------------------------------------------------------------- times

/// Unix seconds, Unix milliseconds (≥ 12 digits), RFC 3339 (with offset), or a local
/// `YYYY-MM-DD HH:MM[:SS[.f]]`, `YYYY/M/D H:MM[:SS]`, `YYYY-MM-DD` read in `tz`.
pub(crate) fn parse_time(s: &str, tz: Tz) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        return Some(if digits.len() >= 12 {
            n.div_euclid(1000)
        } else {
            n
        });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.timestamp());
        }
    }
    parse_local(s, tz)
}

/// A local date-time without offset, read in `tz` (the earlier instant when ambiguous).
pub(crate) fn parse_local(s: &str, tz: Tz) -> Option<i64> {
    const FORMATS: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
        "%Y.%m.%d %H:%M:%S",
    ];
    let s = s.trim();
    let naive = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            ["%Y-%m-%d", "%Y/%m/%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
}

/// A value of `column` that is not a time in any of the formats [`parse_time`] reads.
pub(crate) fn bad_time(column: &str, value: &str) -> Reason {
    Reason::BadTime {
        column: column.to_string(),
        value: clip(value, 40),
    }
}

// ---------------------------------------------------------------- CSV

/// Where the line breaks are, for the line a CSV record starts on.
///
/// `csv` reports a record's position as the end of the previous record: before the
/// `\n` of a CRLF and before any blank lines. So the reader under the CSV parser
/// notes the offsets of `\r` and `\n` bytes; a record starts after the line breaks
/// at its reported offset, on 1 + the number of `\n` before that. Offsets are
/// dropped as records pass, so this holds at most the parser's read-ahead (plus the
/// breaks inside one record).
#[derive(Debug, Default)]
struct Breaks {
    /// (offset, is `\n`) of the `\r`/`\n` bytes not yet passed
    pending: std::collections::VecDeque<(u64, bool)>,
    /// `\n` bytes before the first pending offset
    newlines: u64,
}

type SharedBreaks = std::sync::Arc<std::sync::Mutex<Breaks>>;

struct BreakIndex<R> {
    inner: R,
    offset: u64,
    breaks: SharedBreaks,
    quotes: Quotes,
}

impl<R: Read> Read for BreakIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.quotes.at_end()?;
            return Ok(0);
        }
        let mut breaks = self
            .breaks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // One pass for both: the line breaks (for record lines) and the quote state
        // (for a file cut inside a quoted field) — a few compares a byte, as the
        // line-break scan alone was (README "Bad input and faults": the 1M-row parse).
        let offset = self.offset;
        self.quotes.feed_with(&buf[..n], |i, lf| {
            breaks.pending.push_back((offset + i as u64, lf));
        });
        self.offset += n as u64;
        Ok(n)
    }
}

/// Where a CSV reader is in its input, as far as quotes go: the `csv` crate's own
/// states (csv-core, with shequn's settings: `,` between fields, `"` quotes, `""` a
/// quote inside one) boiled down to three, with the byte before. Needed because the
/// `csv` crate takes a file that ends inside a quoted field as a record — a cut export
/// would import its last message half (`Hell`) — and its API does not say when that
/// happened.
///
/// Outside a quoted field a `"` opens one only at the start of a field: right after a
/// `,`, a line break or the start of the file (elsewhere it is a character of the
/// field, as in csv-core). Inside, a `"` closes the field unless another `"` follows
/// (an escaped quote). Nothing else matters, so only `"`, `\r` and `\n` are looked at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quotes {
    state: QuoteState,
    /// The byte before the next one (a line break before the file's first).
    prev: u8,
    /// The line being read (1-based, by `\n`).
    line: u64,
    /// The line the open quoted field started on.
    opened: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    Outside,
    Inside,
    /// Just after a `"` inside a quoted field: the next byte says whether it closed the
    /// field (anything but `"`) or was escaped (`""`).
    AfterQuote,
}

impl Default for Quotes {
    fn default() -> Self {
        Quotes {
            state: QuoteState::Outside,
            prev: b'\n',
            line: 1,
            opened: 0,
        }
    }
}

/// The file ends inside a quoted field that opened on `line`: an `io::Error`'s inner
/// error, so it passes through the `csv` reader and comes out as that error.
#[derive(Debug, thiserror::Error)]
#[error("the file ends inside a quoted field that starts on line {line}")]
pub(crate) struct Unterminated {
    pub(crate) line: u64,
}

impl Quotes {
    /// Feed `bytes`; `on_break(index, is_lf)` for each `\r` and `\n` among them.
    #[inline]
    fn feed_with(&mut self, bytes: &[u8], mut on_break: impl FnMut(usize, bool)) {
        let mut q = *self;
        for (i, &b) in bytes.iter().enumerate() {
            if q.state == QuoteState::AfterQuote {
                if b == b'"' {
                    // `""`: an escaped quote, still inside
                    q.state = QuoteState::Inside;
                    q.prev = b;
                    continue;
                }
                q.state = QuoteState::Outside;
            }
            match b {
                b'\n' => {
                    on_break(i, true);
                    q.line += 1;
                }
                b'\r' => on_break(i, false),
                b'"' => match q.state {
                    QuoteState::Inside => q.state = QuoteState::AfterQuote,
                    _ => {
                        if matches!(q.prev, b',' | b'\n' | b'\r') {
                            q.state = QuoteState::Inside;
                            q.opened = q.line;
                        }
                    }
                },
                _ => {}
            }
            q.prev = b;
        }
        *self = q;
    }

    /// Feed some bytes (the readers that need no line breaks).
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.feed_with(bytes, |_, _| {});
    }

    /// At the end of the input: an error when a quoted field is still open.
    pub(crate) fn at_end(&self) -> std::io::Result<()> {
        if self.state == QuoteState::Inside {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                Unterminated { line: self.opened },
            ));
        }
        Ok(())
    }
}

/// A reader that fails at the end of its input when that end is inside a quoted CSV
/// field ([`Unterminated`]), for CSV read with the `csv` crate directly rather than
/// through [`CsvSource`] (`import results`).
pub struct QuoteChecked<R> {
    inner: R,
    quotes: Quotes,
}

impl<R: Read> QuoteChecked<R> {
    pub fn new(inner: R) -> Self {
        QuoteChecked {
            inner,
            quotes: Quotes::default(),
        }
    }
}

impl<R: Read> Read for QuoteChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.quotes.at_end()?;
        }
        self.quotes.feed(&buf[..n]);
        Ok(n)
    }
}

/// The line a cut quoted field started on, when that is what `e` is.
pub fn unterminated_line(e: &csv::Error) -> Option<u64> {
    match e.kind() {
        csv::ErrorKind::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Unterminated>())
            .map(|u| u.line),
        _ => None,
    }
}

/// The 1-based line of the first byte at or after `offset` that is not a line break.
fn line_at(breaks: &SharedBreaks, offset: u64) -> u64 {
    let mut b = breaks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut start = offset;
    loop {
        while let Some(&(at, lf)) = b.pending.front() {
            if at >= start {
                break;
            }
            b.pending.pop_front();
            if lf {
                b.newlines += 1;
            }
        }
        match b.pending.front() {
            Some(&(at, _)) if at == start => start += 1,
            _ => return b.newlines + 1,
        }
    }
}

/// A CSV file read row by row: the header, then records with the line they start on.
/// Rows with a different number of fields than the header are errors; invalid UTF-8
/// is an error for that row only.
pub(crate) struct CsvSource<R: Read> {
    rdr: csv::Reader<BreakIndex<R>>,
    breaks: SharedBreaks,
    pub(crate) header: Vec<String>,
    header_line: u64,
    done: bool,
}

impl<R: Read> CsvSource<R> {
    /// Reads the header row (the first non-blank line). The input must not start
    /// with a BOM (`open` strips it).
    pub(crate) fn new(input: R) -> Result<Self, ImportError> {
        let breaks = SharedBreaks::default();
        let input = BreakIndex {
            inner: input,
            offset: 0,
            breaks: breaks.clone(),
            quotes: Quotes::default(),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut rec = csv::ByteRecord::new();
        let got = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| csv_error(&e, 1))?;
        if !got {
            return Err(ImportError {
                line: 1,
                reason: Reason::EmptyFile,
            });
        }
        let line = line_at(&breaks, rec.position().map_or(0, |p| p.byte()));
        let header = rec
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        Ok(Self {
            rdr,
            breaks,
            header,
            header_line: line,
            done: false,
        })
    }

    pub(crate) fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The index of the column named `name` (exact, after trimming).
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of the first column whose name is one of `names` (ASCII case-
    /// insensitive), preferring earlier names.
    pub(crate) fn col_any(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// The indices of `names`, or an error at the header line naming what is missing.
    pub(crate) fn require(&self, what: &str, names: &[&str]) -> Result<Vec<usize>, ImportError> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| self.col(n).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ImportError {
                line: self.header_line,
                reason: Reason::MissingColumns {
                    format: what.to_string(),
                    missing: missing.join(", "),
                    header: clip(&self.header.join(","), 200),
                },
            });
        }
        Ok(names.iter().filter_map(|n| self.col(n)).collect())
    }

    /// The next data row: `(line, record)`, skipping blank lines.
    pub(crate) fn next_row(&mut self) -> Option<Result<(u64, csv::StringRecord), ImportError>> {
        if self.done {
            return None;
        }
        loop {
            let mut rec = csv::ByteRecord::new();
            match self.rdr.read_byte_record(&mut rec) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    // An I/O error: the rest of the file cannot be read.
                    self.done = true;
                    return Some(Err(csv_error(&e, self.header_line)));
                }
            }
            let line = line_at(&self.breaks, rec.position().map_or(0, |p| p.byte()));
            if rec.len() == 1
                && rec
                    .get(0)
                    .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            if rec.len() != self.header.len() {
                return Some(Err(ImportError {
                    line,
                    reason: Reason::FieldCount {
                        expected: self.header.len(),
                        found: rec.len(),
                    },
                }));
            }
            return Some(match csv::StringRecord::from_byte_record(rec) {
                Ok(r) => Ok((line, r)),
                Err(_) => Err(ImportError {
                    line,
                    reason: Reason::NotUtf8,
                }),
            });
        }
    }
}

fn csv_error(e: &csv::Error, fallback: u64) -> ImportError {
    if let Some(line) = unterminated_line(e) {
        return ImportError {
            line,
            reason: Reason::CutField,
        };
    }
    let line = e.position().map_or(fallback, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::Io(io) => Reason::io(io),
        csv::ErrorKind::Utf8 { .. } => Reason::NotUtf8,
        _ => Reason::MalformedCsv {
            detail: e.to_string(),
        },
    };
    ImportError { line, reason }
}

/// A field of a record ("" when absent).
pub(crate) fn field(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("")
}

/// One CSV row turned into a record, or why the row is malformed.
pub(crate) trait RowParser: Send {
    fn row(&mut self, rec: &csv::StringRecord) -> Result<RecordKind, Reason>;
}

/// The records of a CSV file, one per data row.
pub(crate) struct CsvRecords<R: Read, P: RowParser> {
    pub(crate) src: CsvSource<R>,
    pub(crate) parser: P,
}

impl<R: Read + Send, P: RowParser> Iterator for CsvRecords<R, P> {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.src.next_row()? {
            Ok((line, rec)) => {
                if rec.iter().all(|f| f.trim().is_empty()) {
                    Ok(Record {
                        line,
                        kind: skip("empty row"),
                    })
                } else {
                    match self.parser.row(&rec) {
                        Ok(kind) => Ok(Record { line, kind }),
                        Err(reason) => Err(ImportError { line, reason }),
                    }
                }
            }
            Err(e) => Err(e),
        })
    }
}

// ---------------------------------------------------------------- JSON

/// `serde_json` errors for operators: what kind of error (a syntax error, a file that
/// ends too soon, a value of the wrong type, the disk) with serde's message without the
/// position suffix (the line is in `ImportError`), plus the column.
pub(crate) fn json_error(e: &serde_json::Error) -> ImportError {
    let text = e.to_string();
    let detail = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i])
        .to_string();
    let line = if e.line() == 0 { 1 } else { e.line() as u64 };
    let column = e.column();
    let reason = match e.classify() {
        serde_json::error::Category::Eof => Reason::JsonEof { detail, column },
        serde_json::error::Category::Data => Reason::JsonData { detail, column },
        serde_json::error::Category::Syntax => Reason::JsonSyntax { detail, column },
        serde_json::error::Category::Io => Reason::CannotRead { detail },
    };
    ImportError { line, reason }
}

/// A JSON field read leniently and without building a `Value`: strings as is,
/// numbers and booleans printed; null, objects and arrays as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) Option<String>);

impl Text {
    /// The trimmed text if not empty.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor).map(Text)
    }
}

struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, a number or null")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

/// A JSON number (or numeric string) read leniently: `Some(Ok(n))`, `Some(Err(text))`
/// when present but not a whole number (kept for the error message), None if absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Num(pub(crate) Option<Result<i64, String>>);

impl<'de> serde::Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(d)?;
        Ok(Num(text.0.map(|t| {
            let s = t.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f as i64)
                })
                .ok_or(t)
        })))
    }
}

/// A JSON scalar as text: strings as is, numbers printed, null/absent as "".
pub(crate) fn value_str(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A JSON number (or numeric string) as i64, if it is one.
pub(crate) fn value_i64(v: Option<&serde_json::Value>) -> Option<i64> {
    match v? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------- JSON lines

/// A file read line by line with a reused buffer; blank lines are passed over.
pub(crate) struct LineReader<R: std::io::BufRead> {
    input: R,
    buf: Vec<u8>,
    line: u64,
    done: bool,
}

impl<R: std::io::BufRead> LineReader<R> {
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            buf: Vec::new(),
            line: 0,
            done: false,
        }
    }

    /// The next non-blank line, trimmed, with its 1-based number. After an I/O error
    /// the reader ends; invalid UTF-8 is an error for that line only.
    pub(crate) fn next_line(&mut self) -> Option<Result<(u64, &str), ImportError>> {
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => self.line += 1,
                Err(e) => {
                    self.done = true;
                    return Some(Err(ImportError {
                        line: self.line + 1,
                        reason: Reason::io(&e),
                    }));
                }
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = self.line;
            return Some(match std::str::from_utf8(&self.buf) {
                Ok(text) => Ok((line, text.trim())),
                Err(_) => Err(ImportError {
                    line,
                    reason: Reason::NotUtf8,
                }),
            });
        }
    }
}

/// A `serde_json` error on one line of a JSON-lines file.
pub(crate) fn json_line_error(line: u64, e: &serde_json::Error) -> ImportError {
    ImportError {
        line,
        reason: json_error(e).reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_vectors() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&["foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
        assert_eq!(hash_key(1, "a", "b").len(), 18);
    }

    #[test]
    fn times() {
        let sh = chrono_tz::Asia::Shanghai;
        assert_eq!(parse_time("1709339100", sh), Some(1_709_339_100));
        assert_eq!(parse_time("1709339100123", sh), Some(1_709_339_100));
        assert_eq!(
            parse_time("2024-03-02T08:25:00+08:00", sh),
            Some(1_709_339_100)
        );
        assert_eq!(parse_time("2024-03-02T00:25:00Z", sh), Some(1_709_339_100));
        assert_eq!(parse_time("2024-03-02 08:25:00", sh), Some(1_709_339_100));
        assert_eq!(parse_time("2024-03-02 08:25", sh), Some(1_709_339_100));
        assert_eq!(parse_time("2024/3/2 8:25", sh), Some(1_709_339_100));
        assert_eq!(parse_time("2024/03/02 08:25:00", sh), Some(1_709_339_100));
        assert_eq!(parse_time("2024-03-02", sh), Some(1_709_308_800));
        assert_eq!(
            parse_time("2024-03-02 08:25:00", chrono_tz::UTC),
            Some(1_709_367_900)
        );
        assert_eq!(parse_time("yesterday", sh), None);
        assert_eq!(parse_time("", sh), None);
        assert_eq!(parse_time("2024-13-02 08:25", sh), None);
    }

    #[test]
    fn labels() {
        assert_eq!(label_kind("文本"), Label::Msg(MsgKind::Text));
        assert_eq!(label_kind("引用回复"), Label::Msg(MsgKind::Text));
        assert_eq!(label_kind("动画表情"), Label::Msg(MsgKind::Emoji));
        assert_eq!(label_kind("系统通知"), Label::System);
        assert_eq!(label_kind("消息撤回5"), Label::System);
        assert_eq!(label_kind("(分享)卡片式链接"), Label::Msg(MsgKind::App));
        assert_eq!(label_kind("视频号名片"), Label::Msg(MsgKind::App));
        assert_eq!(label_kind("语音通话"), Label::Msg(MsgKind::Other));
        assert_eq!(label_kind("3"), Label::Msg(MsgKind::Image));
        assert_eq!(wechat_type(49, 57), Label::Msg(MsgKind::Text));
        assert_eq!(wechat_type(49, 5), Label::Msg(MsgKind::App));
        assert_eq!(wechat_type(10000, 0), Label::System);
    }

    /// Every row of `data`, or the first error as (line, is it the cut-field one).
    fn rows_of(data: &[u8]) -> Result<Vec<Vec<String>>, (u64, bool)> {
        let err = |e: ImportError| (e.line, e.reason == Reason::CutField);
        let mut src = CsvSource::new(data).map_err(err)?;
        let mut out = vec![src.header.clone()];
        while let Some(row) = src.next_row() {
            let (_, rec) = row.map_err(err)?;
            out.push(rec.iter().map(str::to_string).collect());
        }
        Ok(out)
    }

    #[test]
    fn a_file_cut_inside_a_quoted_field_is_an_error_at_the_line_it_opened() {
        // (input, the line of the cut field, or None when the file is whole)
        let cases: &[(&str, Option<u64>)] = &[
            ("a,b\n1,\"2\"\n", None),
            ("a,b\n1,\"2\"", None),
            ("a,b\n1,\"Hell", Some(2)),
            ("\"a", Some(1)),
            ("a,b\n1,\"x\"\"", Some(2)),
            ("a,b\n1,\"x\"\"\"", None),
            // a quote inside an unquoted field is a character, not an opening
            ("a,b\nx\"y,z\n", None),
            ("a,b\nx\"y,\"z\nw", Some(2)),
            // text after a closing quote stays in the field
            ("a,b\n\"x\"y,z", None),
            // a quoted field over several lines, cut: the line it started on
            ("a,b\r\n1,\"multi\r\nline\r\nmore", Some(2)),
            ("a,b\r\n1,\"multi\r\nline\"\r\n2,\"cut", Some(4)),
            ("a,b\n\n\n1,\"", Some(4)),
        ];
        for (input, cut) in cases {
            match (rows_of(input.as_bytes()), cut) {
                (Ok(_), None) => {}
                (Err((line, true)), Some(want)) => assert_eq!(line, *want, "{input:?}"),
                (got, _) => panic!("{input:?}: {got:?}, want {cut:?}"),
            }
        }
    }

    #[test]
    fn the_issue_s_cut_chatlog_is_refused_and_every_whole_fixture_reads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        let chatlog = std::fs::read(dir.join("chatlog.csv")).unwrap();
        // `head -c 554 chatlog.csv` ends in `"Hell`
        assert_eq!(rows_of(&chatlog[..554]), Err((6, true)));
        let mut whole = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                let bytes = std::fs::read(&path).unwrap();
                let bytes = bytes.strip_prefix(BOM).unwrap_or(&bytes);
                if let Err((line, true)) = rows_of(bytes) {
                    panic!("{}:{line}: a whole file read as cut", path.display());
                }
                whole += 1;
            }
        }
        assert!(whole >= 8, "{whole} CSV fixtures");
    }

    #[test]
    fn every_cut_of_a_fixture_is_refused_exactly_when_it_ends_inside_quotes() {
        // At every length, a prefix of a fixture is refused as cut exactly when the csv
        // crate itself is inside a quoted field there. The oracle asks the csv crate: only
        // inside a quoted field does one more `"` leave the last record as it is (it
        // closes the field) while two more add one character (an escaped quote).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        let shape = |bytes: &[u8], extra: &[u8]| {
            let mut all = bytes.to_vec();
            all.extend_from_slice(extra);
            let records: Vec<csv::ByteRecord> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(all.as_slice())
                .byte_records()
                .filter_map(Result::ok)
                .collect();
            (
                records.len(),
                records.last().map_or(0, |r| r.as_slice().len()),
            )
        };
        let mut cuts = 0;
        for name in ["chatlog.csv", "wechatmsg.csv", "memotrace.csv"] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let bytes = bytes.strip_prefix(BOM).unwrap_or(&bytes).to_vec();
            for n in 1..bytes.len() {
                let prefix = &bytes[..n];
                let (count, len) = shape(prefix, b"");
                let inside = shape(prefix, b"\"") == (count, len)
                    && shape(prefix, b"\"\"") == (count, len + 1);
                let refused = matches!(rows_of(prefix), Err((_, true)));
                assert_eq!(refused, inside, "{name} cut at {n} bytes");
                cuts += usize::from(refused);
            }
        }
        assert!(cuts > 100, "only {cuts} cuts inside quotes");
    }

    #[test]
    fn csv_lines_count_crlf_blank_lines_and_quoted_breaks() {
        let data = "\r\nh1,h2\r\n\r\na,b\r\n\"c\r\nd\ne\",f\r\n\n\ng,h\nlast,row";
        let mut src = CsvSource::new(data.as_bytes()).unwrap();
        assert_eq!(src.header_line(), 2);
        let mut lines = Vec::new();
        while let Some(row) = src.next_row() {
            let (line, rec) = row.unwrap();
            lines.push((line, rec.get(0).unwrap_or("").to_string()));
        }
        let want = [(4, "a"), (5, "c\r\nd\ne"), (10, "g"), (11, "last")];
        let want: Vec<(u64, String)> = want.iter().map(|(l, s)| (*l, s.to_string())).collect();
        assert_eq!(lines, want);
    }

    #[test]
    fn clip_counts_chars() {
        assert_eq!(clip("你好世界", 2), "你好…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
