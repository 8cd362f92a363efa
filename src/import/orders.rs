//! Orders from a shop export (CSV): member, time, amount, optional product and order
//! id. Streamed row by row.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono_tz::Tz;

use super::util::{self, CsvSource, field, non_empty};
use super::{ImportError, Reason};

/// One order (a negative amount is a refund).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub line: u64,
    /// wxid or name, as the shop knows the member.
    pub member: String,
    /// Unix seconds.
    pub at: i64,
    pub amount_cents: i64,
    pub product: Option<String>,
    /// `ord:{order_id}`, else `h:` + FNV-1a of (time, member, amount and product).
    pub key: String,
}

const MEMBER: [&str; 5] = ["member", "wxid", "会员", "客户", "昵称"];
const TIME: [&str; 4] = ["time", "下单时间", "时间", "date"];
const AMOUNT: [&str; 3] = ["amount", "实付金额", "金额"];
const PRODUCT: [&str; 2] = ["product", "商品"];
const ORDER_ID: [&str; 2] = ["order_id", "订单号"];

/// Opens an orders CSV: the header is checked now, the rows come from the iterator.
pub fn read_orders(
    path: &Path,
    tz: Tz,
) -> Result<impl Iterator<Item = Result<OrderRow, ImportError>> + Send + use<>, ImportError> {
    let file = File::open(path).map_err(|e| ImportError {
        line: 0,
        reason: Reason::io(&e),
    })?;
    orders_from_reader(file, tz)
}

/// [`read_orders`] on any reader.
pub fn orders_from_reader<R: Read + Send + 'static>(
    input: R,
    tz: Tz,
) -> Result<Orders<BufReader<R>>, ImportError> {
    let mut input = BufReader::new(input);
    let bom = input
        .fill_buf()
        .map_err(|e| ImportError {
            line: 0,
            reason: Reason::io(&e),
        })?
        .starts_with(util::BOM);
    if bom {
        input.consume(util::BOM.len());
    }
    let src = CsvSource::new(input)?;
    let missing: Vec<String> = [
        ("member", &MEMBER[..]),
        ("time", &TIME[..]),
        ("amount", &AMOUNT[..]),
    ]
    .iter()
    .filter(|(_, names)| src.col_any(names).is_none())
    .map(|(what, names)| format!("{what} ({})", names.join("|")))
    .collect();
    if !missing.is_empty() {
        return Err(ImportError {
            line: src.header_line(),
            reason: Reason::OrdersHeader {
                missing: missing.join(", "),
                header: util::clip(&src.header.join(","), 200),
            },
        });
    }
    let cols = Cols {
        member: src.col_any(&MEMBER).unwrap_or(0),
        time: src.col_any(&TIME).unwrap_or(0),
        amount: src.col_any(&AMOUNT).unwrap_or(0),
        product: src.col_any(&PRODUCT),
        order_id: src.col_any(&ORDER_ID),
    };
    let member_name = src.header[cols.member].clone();
    let time_name = src.header[cols.time].clone();
    let amount_name = src.header[cols.amount].clone();
    Ok(Orders {
        src,
        cols,
        tz,
        member_name,
        time_name,
        amount_name,
    })
}

struct Cols {
    member: usize,
    time: usize,
    amount: usize,
    product: Option<usize>,
    order_id: Option<usize>,
}

/// The rows of an orders CSV.
pub struct Orders<R: Read> {
    src: CsvSource<R>,
    cols: Cols,
    tz: Tz,
    member_name: String,
    time_name: String,
    amount_name: String,
}

impl<R: Read> Iterator for Orders<R> {
    type Item = Result<OrderRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, rec) = match self.src.next_row()? {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Some(
                self.row(line, &rec)
                    .map_err(|reason| ImportError { line, reason }),
            );
        }
    }
}

impl<R: Read> Orders<R> {
    fn row(&self, line: u64, rec: &csv::StringRecord) -> Result<OrderRow, Reason> {
        let c = &self.cols;
        let member = non_empty(field(rec, c.member)).ok_or_else(|| Reason::EmptyField {
            column: self.member_name.clone(),
        })?;
        let raw = field(rec, c.time);
        let at =
            util::parse_time(raw, self.tz).ok_or_else(|| util::bad_time(&self.time_name, raw))?;
        let raw = field(rec, c.amount);
        let amount_cents = parse_yuan(raw).ok_or_else(|| Reason::BadAmount {
            column: self.amount_name.clone(),
            value: util::clip(raw, 30),
        })?;
        let product = c.product.and_then(|i| non_empty(field(rec, i)));
        let key = match c.order_id.and_then(|i| non_empty(field(rec, i))) {
            Some(id) => format!("ord:{id}"),
            None => {
                let what = format!("{amount_cents} {}", product.as_deref().unwrap_or(""));
                util::hash_key(at, &member, &what)
            }
        };
        Ok(OrderRow {
            line,
            member,
            at,
            amount_cents,
            product,
            key,
        })
    }
}

/// `199.00`, `¥1,299.5`, `-20`, `￥ 88 元` → cents. At most two decimals.
pub fn parse_yuan(raw: &str) -> Option<i64> {
    let mut s: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | ' ' | '\u{a0}' | '元'))
        .collect();
    if let Some(rest) = s.strip_prefix("RMB").or_else(|| s.strip_prefix("CNY")) {
        s = rest.to_string();
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let cents = int.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -cents } else { cents })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan() {
        assert_eq!(parse_yuan("199.00"), Some(19_900));
        assert_eq!(parse_yuan("¥1,299.5"), Some(129_950));
        assert_eq!(parse_yuan("￥ 88 元"), Some(8_800));
        assert_eq!(parse_yuan("-20"), Some(-2_000));
        assert_eq!(parse_yuan("¥-0.5"), Some(-50));
        assert_eq!(parse_yuan(".5"), Some(50));
        assert_eq!(parse_yuan("RMB12.34"), Some(1_234));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
        assert_eq!(parse_yuan("-"), None);
        assert_eq!(parse_yuan("1.2.3"), None);
    }
}
