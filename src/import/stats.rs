//! Daily numbers only WeChat sees (DOMAIN.md §7), for `shequn import stats FILE`:
//! - a CSV with a date column (`date`, `day`, `日期`, `stat_time`), an optional group
//!   column (`group`, `群`, `群名`) and one column per metric, named by its word
//!   (`opens`, `clicks`, `orders`, `gmv`, `invites`, `qr_scans`, `members`, …), a
//!   企业微信 field (`new_member_cnt`, `member_total`, `member_has_msg`, `msg_total`,
//!   `chat_has_msg`) or a Chinese header (`打开数`, `订单数`, `成交额`, …); empty
//!   cells are no value;
//! - the JSON answer of 企业微信 `groupchat/statistic_group_by_day` (按自然日聚合:
//!   `items[].stat_time` and `items[].data`). That API sums a group owner's groups, so
//!   the numbers are booked on the one group named with `--group`.
//!
//! The file is read whole (a stats file is days × groups, small) and checked before
//! anything is written: a bad cell is an error with its line.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::jsonstream::LineCounter;
use super::util::{self, CsvSource, field, non_empty};
use super::{ImportError, Reason};
use crate::domain::kpi::Metric;

/// One value of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    pub line: u64,
    /// None: the file does not say (the command's `--group` decides).
    pub group: Option<String>,
    pub day: NaiveDate,
    pub metric: Metric,
    pub value: f64,
}

const GROUP: [&str; 5] = ["group", "群", "群名", "群名称", "group_name"];
const DATE: [&str; 5] = ["date", "day", "日期", "stat_time", "时间"];
/// Fields of the 企业微信 answer that are about chats, not members: known, not stored.
const WECOM_IGNORED: [&str; 3] = ["new_chat_cnt", "chat_total", "migrate_trainee_chat_cnt"];

/// Read a stats file: (format word, values).
pub fn read_stats(path: &Path, tz: Tz) -> Result<(String, Vec<StatRow>), ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError {
        line: 0,
        reason: Reason::io(&e),
    })?;
    stats_from_bytes(&bytes, tz)
}

/// [`read_stats`] on the file's bytes.
pub fn stats_from_bytes(bytes: &[u8], tz: Tz) -> Result<(String, Vec<StatRow>), ImportError> {
    let bytes = bytes.strip_prefix(util::BOM).unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Ok(("wecom".into(), wecom(bytes, tz)?)),
        Some(_) => Ok(("csv".into(), csv_rows(bytes, tz)?)),
        None => Err(ImportError {
            line: 1,
            reason: Reason::EmptyFile,
        }),
    }
}

fn csv_rows(bytes: &[u8], tz: Tz) -> Result<Vec<StatRow>, ImportError> {
    let mut src = CsvSource::new(bytes)?;
    let header_line = src.header_line();
    let date = src.col_any(&DATE).ok_or_else(|| ImportError {
        line: header_line,
        reason: Reason::NoDateColumn {
            names: DATE.join("|"),
            header: util::clip(&src.header.join(","), 200),
        },
    })?;
    let group = src.col_any(&GROUP);
    let mut cols: Vec<(usize, Metric)> = Vec::new();
    for (i, name) in src.header.iter().enumerate() {
        if i == date || Some(i) == group || name.is_empty() {
            continue;
        }
        let m = Metric::from_field(name).ok_or_else(|| ImportError {
            line: header_line,
            reason: Reason::UnknownMetric {
                column: util::clip(name, 40),
            },
        })?;
        cols.push((i, m));
    }
    if cols.is_empty() {
        return Err(ImportError {
            line: header_line,
            reason: Reason::NoMetricColumns,
        });
    }
    let date_name = src.header[date].clone();
    let names = src.header.clone();
    let mut out = Vec::new();
    while let Some(row) = src.next_row() {
        let (line, rec) = row?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let bad = |reason: Reason| ImportError { line, reason };
        let raw = field(&rec, date);
        let day = parse_day(raw, tz).ok_or_else(|| {
            bad(Reason::BadDay {
                column: date_name.clone(),
                value: util::clip(raw, 30),
            })
        })?;
        let group = group.and_then(|g| non_empty(field(&rec, g)));
        for &(i, metric) in &cols {
            let raw = field(&rec, i).trim();
            if raw.is_empty() {
                continue;
            }
            let value = parse_number(raw).ok_or_else(|| {
                bad(Reason::BadNumber {
                    column: names[i].clone(),
                    value: util::clip(raw, 30),
                })
            })?;
            out.push(StatRow {
                line,
                group: group.clone(),
                day,
                metric,
                value,
            });
        }
    }
    Ok(out)
}

fn wecom(bytes: &[u8], tz: Tz) -> Result<Vec<StatRow>, ImportError> {
    let answer = read_answer(bytes)?;
    if let Some(code) = answer.errcode
        && code != 0
    {
        return Err(ImportError {
            line: 1,
            reason: Reason::WecomError {
                code,
                message: util::clip(&util::value_str(answer.errmsg.as_ref()), 200),
            },
        });
    }
    let items = answer.items.ok_or(ImportError {
        line: 1,
        reason: Reason::NoItems,
    })?;
    let mut out = Vec::new();
    for (k, (line, item)) in items.iter().enumerate() {
        let line = *line;
        let bad = |reason: Reason| ImportError { line, reason };
        let at = util::value_i64(item.get("stat_time"))
            .ok_or_else(|| bad(Reason::NoStatTime { item: k }))?;
        let day = tz
            .timestamp_opt(at, 0)
            .single()
            .map(|t| t.date_naive())
            .ok_or_else(|| {
                bad(Reason::BadStatTime {
                    item: k,
                    value: at.to_string(),
                })
            })?;
        let data = item
            .get("data")
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| bad(Reason::NoData { item: k }))?;
        for (name, value) in data {
            if WECOM_IGNORED.contains(&name.as_str()) {
                continue;
            }
            let Some(metric) = Metric::from_field(name) else {
                return Err(bad(Reason::UnknownStatField {
                    item: k,
                    field: util::clip(name, 40),
                }));
            };
            let value = value
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    bad(Reason::BadStatValue {
                        item: k,
                        field: name.clone(),
                    })
                })?;
            out.push(StatRow {
                line,
                group: None,
                day,
                metric,
                value,
            });
        }
    }
    Ok(out)
}

/// What shequn reads of a 企业微信 statistics answer: each of `items` with the line
/// it starts on, so that a bad item is said at its line like a bad CSV row.
#[derive(Default)]
struct Answer {
    errcode: Option<i64>,
    errmsg: Option<serde_json::Value>,
    items: Option<Vec<(u64, serde_json::Value)>>,
}

/// Parse the answer (an object with `items`, or the bare array) through a
/// [`LineCounter`], which tells the line each item starts on.
fn read_answer(bytes: &[u8]) -> Result<Answer, ImportError> {
    let (reader, newlines) = LineCounter::new(bytes);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let answer = AnswerSeed(&newlines)
        .deserialize(&mut de)
        .and_then(|a| de.end().map(|()| a))
        .map_err(|e| util::json_error(&e))?;
    Ok(answer)
}

struct AnswerSeed<'a>(&'a Rc<Cell<u64>>);

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_> {
    type Value = Answer;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Answer, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnswerSeed<'_> {
    type Value = Answer;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("企业微信 groupchat/statistic JSON")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Answer, A::Error> {
        Ok(Answer {
            items: ItemsSeed(self.0).visit_seq(seq)?,
            ..Answer::default()
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        let mut answer = Answer::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "errcode" => answer.errcode = map.next_value::<serde_json::Value>()?.as_i64(),
                "errmsg" => answer.errmsg = Some(map.next_value()?),
                "items" => answer.items = map.next_value_seed(ItemsSeed(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
}

/// `items`: an array of values, each with its first line; anything else is no items.
struct ItemsSeed<'a>(&'a Rc<Cell<u64>>);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Option<Vec<(u64, serde_json::Value)>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Option<Vec<(u64, serde_json::Value)>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(LinedValue(self.0))? {
            items.push(item);
        }
        Ok(Some(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// One value and the line it starts on: `serde_json` has taken the value's first byte
/// when the seed is called (see [`LineCounter`]).
struct LinedValue<'a>(&'a Rc<Cell<u64>>);

impl<'de> DeserializeSeed<'de> for LinedValue<'_> {
    type Value = (u64, serde_json::Value);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let line = self.0.get() + 1;
        Ok((line, serde_json::Value::deserialize(d)?))
    }
}

/// `2026-03-02`, `2026/3/2`, `20260302`, or unix seconds (企业微信's `stat_time`).
fn parse_day(raw: &str, tz: Tz) -> Option<NaiveDate> {
    let s = raw.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d);
        }
    }
    let secs: i64 = s.parse().ok().filter(|n| *n > 100_000_000)?;
    tz.timestamp_opt(secs, 0).single().map(|t| t.date_naive())
}

/// `1,299.50`, `¥88`, `42` → a number ≥ 0.
fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | ' ' | '元'))
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DEFAULT_TZ;

    #[test]
    fn a_bad_wecom_item_is_said_at_the_line_it_starts_on() {
        let fixture = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/import/stats_wecom.json"
        ))
        .unwrap();
        let (_, rows) = stats_from_bytes(fixture.as_bytes(), DEFAULT_TZ).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).min(), Some(5));
        assert_eq!(rows.iter().map(|r| r.line).max(), Some(15));
        let cases = [
            // a misspelt field in the second item (the bad-input harness found it
            // reported without a line)
            (
                fixture.replacen("\"msg_total\": 268", "\"msg_tota\": 268", 1),
                15,
                "msg_tota",
            ),
            (fixture.replacen("1709222400", "\"x\"", 1), 5, "stat_time"),
            (
                fixture.replacen("\"member_total\": 481", "\"member_total\": -1", 1),
                15,
                "member_total",
            ),
        ];
        for (text, line, word) in cases {
            let e = stats_from_bytes(text.as_bytes(), DEFAULT_TZ).unwrap_err();
            assert_eq!(e.line, line, "{}", e.reason);
            assert!(e.reason.to_string().contains(word), "{}", e.reason);
        }
        // the bare array, and an answer without items
        let bare = "[\n {\"stat_time\": 1709222400, \"data\": {\"bogus\": 1}}\n]";
        assert_eq!(
            stats_from_bytes(bare.as_bytes(), DEFAULT_TZ)
                .unwrap_err()
                .line,
            2
        );
        let none = stats_from_bytes(b"{\"errcode\": 0}", DEFAULT_TZ).unwrap_err();
        assert!(none.reason.to_string().contains("items"), "{}", none.reason);
        let error = stats_from_bytes(b"{\"errcode\": 40001, \"errmsg\": \"invalid\"}", DEFAULT_TZ)
            .unwrap_err();
        assert!(
            error.reason.to_string().contains("40001"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn csv_with_groups_words_and_chinese_headers() {
        let text = "\u{feff}date,group,opens,订单数,GMV,member_total\n\
                    2026-03-01,宝妈育儿交流群3群,120,4,\"1,299.50\",480\n\
                    2026/3/2,宝妈育儿交流群3群,,2,88,\n";
        let (format, rows) = stats_from_bytes(text.as_bytes(), DEFAULT_TZ).unwrap();
        assert_eq!(format, "csv");
        let got: Vec<(u64, String, Metric, f64)> = rows
            .iter()
            .map(|r| (r.line, r.day.to_string(), r.metric, r.value))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "2026-03-01".into(), Metric::Opens, 120.0),
                (2, "2026-03-01".into(), Metric::Orders, 4.0),
                (2, "2026-03-01".into(), Metric::Gmv, 1299.5),
                (2, "2026-03-01".into(), Metric::Members, 480.0),
                (3, "2026-03-02".into(), Metric::Orders, 2.0),
                (3, "2026-03-02".into(), Metric::Gmv, 88.0),
            ]
        );
        assert_eq!(rows[0].group.as_deref(), Some("宝妈育儿交流群3群"));
    }

    #[test]
    fn bad_cells_and_columns_name_their_line() {
        let e = stats_from_bytes(b"date,opens\n2026-03-01,12\n2026-03-02,lots\n", DEFAULT_TZ)
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.to_string().contains("opens"), "{}", e.reason);
        let e = stats_from_bytes(b"date,dau_rate\n2026-03-01,0.2\n", DEFAULT_TZ).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.to_string().contains("dau_rate"), "{}", e.reason);
        let e = stats_from_bytes(b"when,opens\n", DEFAULT_TZ).unwrap_err();
        assert!(e.reason.to_string().contains("date"), "{}", e.reason);
        let e = stats_from_bytes(b"date,opens\nyesterday,3\n", DEFAULT_TZ).unwrap_err();
        assert_eq!(e.line, 2);
        let e = stats_from_bytes(b"date,opens\n2026-03-01,-3\n", DEFAULT_TZ).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn wecom_statistic_by_day() {
        // 2026-03-01 00:00 in Shanghai
        let json = r#"{"errcode":0,"errmsg":"ok","items":[
            {"stat_time":1772294400,"data":{"new_chat_cnt":0,"chat_total":1,"chat_has_msg":1,
             "new_member_cnt":3,"member_total":480,"member_has_msg":52,"msg_total":310,
             "migrate_trainee_chat_cnt":0}}]}"#;
        let (format, rows) = stats_from_bytes(json.as_bytes(), DEFAULT_TZ).unwrap();
        assert_eq!(format, "wecom");
        let mut got: Vec<(String, Metric, f64)> = rows
            .iter()
            .map(|r| (r.day.to_string(), r.metric, r.value))
            .collect();
        got.sort_by_key(|x| x.1);
        assert_eq!(
            got,
            vec![
                ("2026-03-01".into(), Metric::Members, 480.0),
                ("2026-03-01".into(), Metric::Joins, 3.0),
                ("2026-03-01".into(), Metric::Messages, 310.0),
                ("2026-03-01".into(), Metric::Speakers, 52.0),
                ("2026-03-01".into(), Metric::ChatHasMsg, 1.0),
            ]
        );
        assert!(rows.iter().all(|r| r.group.is_none()));
        let e = stats_from_bytes(
            br#"{"errcode":40014,"errmsg":"invalid access_token"}"#,
            DEFAULT_TZ,
        )
        .unwrap_err();
        assert!(e.reason.to_string().contains("40014"), "{}", e.reason);
        let e = stats_from_bytes(br#"{"items":[{"owner":"zhangsan","data":{}}]}"#, DEFAULT_TZ)
            .unwrap_err();
        assert!(
            e.reason.to_string().contains("statistic_group_by_day"),
            "{}",
            e.reason
        );
    }
}
