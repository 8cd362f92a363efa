//! Entry-questionnaire answers (`shequn import answers FILE --group G`, issue 16): a
//! CSV with who answered, when, and the three match fields of source 000's 筛选期 —
//! region, age, need. Column names are those of `[questionnaire]` in
//! `data/launch.toml` (`who`/`昵称`, `when`/`时间`, `region`/`地区`, `age`/`年龄`,
//! `need`/`需求`, case-blind). An empty match field is an answer that is not valid,
//! not an error; a row without who or with a time that cannot be read is an error at
//! its line, and the whole file is refused.

use std::path::Path;

use chrono_tz::Tz;

use super::ImportError;
use super::reason::Reason;
use super::util::{self, CsvSource, field};
use crate::domain::launch::{NewAnswer, Playbook};

/// Every answer of the file, or the first bad line.
pub fn read_answers(path: &Path, tz: Tz) -> Result<Vec<NewAnswer>, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError {
        line: 0,
        reason: Reason::io(&e),
    })?;
    answers_from_bytes(&bytes, tz)
}

/// [`read_answers`] on the file's bytes.
pub fn answers_from_bytes(bytes: &[u8], tz: Tz) -> Result<Vec<NewAnswer>, ImportError> {
    let bytes = bytes.strip_prefix(util::BOM).unwrap_or(bytes);
    let mut src = CsvSource::new(bytes)?;
    let q = &Playbook::shipped().questionnaire;
    let col = |names: &[String]| -> Result<usize, ImportError> {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        src.col_any(&names).ok_or_else(|| ImportError {
            line: src.header_line(),
            reason: Reason::MissingColumns {
                format: "questionnaire".into(),
                missing: names.join("|"),
                header: util::clip(&src.header.join(","), 200),
            },
        })
    };
    let (who, when) = (col(&q.who)?, col(&q.when)?);
    let (region, age, need) = (col(&q.region)?, col(&q.age)?, col(&q.need)?);
    let when_name = src.header[when].clone();
    let mut out = Vec::new();
    while let Some(row) = src.next_row() {
        let (line, rec) = row?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let bad = |reason: Reason| ImportError { line, reason };
        let name = field(&rec, who).trim();
        if name.is_empty() {
            return Err(bad(Reason::EmptyField {
                column: src.header[who].clone(),
            }));
        }
        let raw = field(&rec, when);
        let answered_at =
            util::parse_time(raw, tz).ok_or_else(|| bad(util::bad_time(&when_name, raw)))?;
        out.push(NewAnswer {
            who: name.to_string(),
            answered_at,
            region: field(&rec, region).trim().to_string(),
            age: field(&rec, age).trim().to_string(),
            need: field(&rec, need).trim().to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn answers_are_read_with_english_or_chinese_headers() {
        let en =
            "who,when,region,age,need\n小美,2026-03-02 10:00,上海,28,穿搭\n阿强,2026-03-02,,40,\n";
        let rows = answers_from_bytes(en.as_bytes(), TZ).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].region, "上海");
        assert_eq!(rows[1].need, "");
        let zh = "昵称,提交时间,城市,年龄,需求\n小美,2026-03-02 10:00,上海,28,穿搭\n";
        assert_eq!(
            answers_from_bytes(zh.as_bytes(), TZ).unwrap()[0].who,
            "小美"
        );
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let text = "who,when,region,age,need\n小美,2026-03-02 10:00,上海,28,穿搭\n阿强,昨天,上海,28,穿搭\n";
        let e = answers_from_bytes(text.as_bytes(), TZ).unwrap_err();
        assert_eq!(e.line, 3);
        let text = "who,when,region,age,need\n,2026-03-02,上海,28,穿搭\n";
        assert_eq!(answers_from_bytes(text.as_bytes(), TZ).unwrap_err().line, 2);
        let text = "who,when,age,need\n小美,2026-03-02,28,穿搭\n";
        let e = answers_from_bytes(text.as_bytes(), TZ).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.to_string().contains("region"), "{}", e.reason);
    }
}
