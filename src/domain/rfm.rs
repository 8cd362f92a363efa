//! RFM (DOMAIN.md §3): recency, frequency and monetary value from orders, each scored
//! 1–5 (by quintile among buyers, or by fixed breakpoints from `data/rules.toml`), and
//! the eight classic segments named from high/low R, F and M.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct RfmRules {
    pub window_days: i64,
    pub high: u8,
    pub recency_days: Option<[i64; 4]>,
    pub frequency: Option<[i64; 4]>,
    pub monetary_yuan: Option<[f64; 4]>,
}

/// One buyer's orders in the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmInput {
    pub member_id: i64,
    /// Days since the last order.
    pub recency_days: i64,
    pub orders: i64,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RfmScore {
    pub member_id: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: Segment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// 重要价值客户: high R, F, M
    Champion,
    /// 重要发展客户: high R and M, low F
    Develop,
    /// 重要保持客户: high F and M, low R (they went quiet)
    Retain,
    /// 重要挽留客户: high M only
    WinBack,
    /// 一般价值客户: high R and F, low M
    Loyal,
    /// 一般发展客户: high R only
    Promising,
    /// 一般保持客户: high F only
    Keep,
    /// 一般挽留客户: all low
    Lost,
}

impl Segment {
    pub fn zh(self) -> &'static str {
        match self {
            Segment::Champion => "重要价值客户",
            Segment::Develop => "重要发展客户",
            Segment::Retain => "重要保持客户",
            Segment::WinBack => "重要挽留客户",
            Segment::Loyal => "一般价值客户",
            Segment::Promising => "一般发展客户",
            Segment::Keep => "一般保持客户",
            Segment::Lost => "一般挽留客户",
        }
    }

    fn of(r: bool, f: bool, m: bool) -> Segment {
        match (r, f, m) {
            (true, true, true) => Segment::Champion,
            (true, false, true) => Segment::Develop,
            (false, true, true) => Segment::Retain,
            (false, false, true) => Segment::WinBack,
            (true, true, false) => Segment::Loyal,
            (true, false, false) => Segment::Promising,
            (false, true, false) => Segment::Keep,
            (false, false, false) => Segment::Lost,
        }
    }
}

/// Score of `v` against ascending breakpoints: 1 below the first, 5 at or above the last.
fn by_breaks(v: f64, breaks: &[f64; 4]) -> u8 {
    1 + breaks.iter().filter(|&&b| v >= b).count() as u8
}

/// Quintile score of each value (1 = lowest fifth, 5 = highest); ties share a score.
fn quintiles(values: &[f64]) -> Vec<u8> {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    values
        .iter()
        .map(|v| {
            // rank = how many are strictly below: ties get the same, lowest rank
            let below = sorted.partition_point(|x| x < v);
            (1 + (below * 5) / n.max(1)).min(5) as u8
        })
        .collect()
}

pub fn score(rows: &[RfmInput], rules: &RfmRules) -> Vec<RfmScore> {
    // Recency: fewer days is better, so it is scored on the negated value.
    let rec: Vec<f64> = rows.iter().map(|r| -(r.recency_days as f64)).collect();
    let freq: Vec<f64> = rows.iter().map(|r| r.orders as f64).collect();
    let mon: Vec<f64> = rows.iter().map(|r| r.amount_cents as f64 / 100.0).collect();
    let r_scores = match rules.recency_days {
        Some(b) => rows
            .iter()
            .map(|r| 6 - by_breaks(r.recency_days as f64, &b.map(|x| x as f64)).clamp(1, 5))
            .collect(),
        None => quintiles(&rec),
    };
    let f_scores = match rules.frequency {
        Some(b) => freq
            .iter()
            .map(|v| by_breaks(*v, &b.map(|x| x as f64)))
            .collect(),
        None => quintiles(&freq),
    };
    let m_scores = match rules.monetary_yuan {
        Some(b) => mon.iter().map(|v| by_breaks(*v, &b)).collect(),
        None => quintiles(&mon),
    };
    rows.iter()
        .zip(r_scores.iter().zip(f_scores.iter().zip(m_scores.iter())))
        .map(|(row, (&r, (&f, &m)))| RfmScore {
            member_id: row.member_id,
            r,
            f,
            m,
            segment: Segment::of(r >= rules.high, f >= rules.high, m >= rules.high),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RfmRules {
        crate::domain::shipped_section(&["rfm"])
    }

    fn input(id: i64, days: i64, orders: i64, yuan: i64) -> RfmInput {
        RfmInput {
            member_id: id,
            recency_days: days,
            orders,
            amount_cents: yuan * 100,
        }
    }

    #[test]
    fn quintiles_spread_ten_buyers_over_1_to_5() {
        let rows: Vec<RfmInput> = (0..10)
            .map(|i| input(i, 100 - i * 10, i + 1, (i + 1) * 100))
            .collect();
        let s = score(&rows, &rules());
        assert_eq!(
            s.iter().map(|x| x.f).collect::<Vec<_>>(),
            vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        // the most recent buyer (10 days ago) gets R = 5
        assert_eq!(s[9].r, 5);
        assert_eq!(s[0].r, 1);
        assert_eq!(s[9].segment, Segment::Champion);
        assert_eq!(s[0].segment, Segment::Lost);
        assert_eq!(Segment::Champion.zh(), "重要价值客户");
    }

    #[test]
    fn fixed_breakpoints_override_quintiles() {
        let mut r = rules();
        r.recency_days = Some([7, 30, 90, 180]);
        r.frequency = Some([1, 2, 4, 8]);
        r.monetary_yuan = Some([100.0, 300.0, 1000.0, 3000.0]);
        // (days, orders, yuan) → (R, F, M)
        for (days, orders, yuan, want) in [
            (3, 1, 99, (5, 2, 1)),
            (7, 8, 3000, (4, 5, 5)),
            (200, 0, 500, (1, 1, 3)),
            (60, 3, 1000, (3, 3, 4)),
        ] {
            let s = score(&[input(1, days, orders, yuan)], &r)[0];
            assert_eq!((s.r, s.f, s.m), want, "{days} {orders} {yuan}");
        }
    }

    #[test]
    fn segments_follow_high_and_low() {
        assert_eq!(Segment::of(true, false, true), Segment::Develop);
        assert_eq!(Segment::of(false, true, true), Segment::Retain);
        assert_eq!(Segment::of(false, false, true), Segment::WinBack);
        assert_eq!(Segment::of(false, true, false), Segment::Keep);
    }
}
