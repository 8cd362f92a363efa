//! How commands print rows: an aligned table for people (Chinese counts two columns),
//! JSON for scripts, CSV for spreadsheets. One definition of the columns per command.

use std::io::Write;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::cli::Format;

/// A table column: header and how to show a row's value.
pub struct Column<T> {
    pub header: &'static str,
    pub value: fn(&T) -> String,
}

/// Print `rows` in `format` to stdout. JSON and CSV use the rows' serde fields, so their
/// names are the stable snake_case of PRODUCT.md; the table uses `columns`.
pub fn print<T: Serialize>(
    format: Format,
    rows: &[T],
    columns: &[Column<T>],
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for r in rows {
                w.serialize(r)?;
            }
            w.flush()?;
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| columns.iter().map(|c| (c.value)(r)).collect())
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells
                        .iter()
                        .map(|row| row[i].width())
                        .chain([c.header.width()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |vals: Vec<&str>| -> String {
                let mut s = String::new();
                for (i, v) in vals.iter().enumerate() {
                    s.push_str(v);
                    if i + 1 < vals.len() {
                        s.push_str(&" ".repeat(widths[i] - v.width() + 2));
                    }
                }
                s
            };
            writeln!(out, "{}", line(columns.iter().map(|c| c.header).collect()))?;
            for row in &cells {
                writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
            }
        }
    }
    Ok(())
}
