//! Seeded draws for the demo: one ChaCha8 stream per section, derived from [`SEED`], so
//! tuning one section does not reshuffle the others; the distributions the sections draw
//! from; the hour-of-day weights of WeChat use.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{HOUR, SEED};

pub(super) fn stream(section: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(SEED ^ section.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

pub(super) fn uniform(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..hi)
    }
}

pub(super) fn weighted(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i;
        }
        x -= wi;
    }
    w.len().saturating_sub(1)
}

pub(super) fn expo(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

pub(super) fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.random::<f64>();
        if p <= limit || k >= 60 {
            return k;
        }
        k += 1;
    }
}

#[rustfmt::skip]
const WEEKDAY_HOURS: [f64; 24] = [
    0.6, 0.3, 0.1, 0.05, 0.05, 0.1, 0.4, 1.5, 3.0, 2.6, 3.2, 2.8, 3.6, 2.6, 2.2, 2.8, 2.4, 2.3,
    2.8, 3.6, 5.6, 6.2, 4.4, 1.8,
];
#[rustfmt::skip]
const WEEKEND_HOURS: [f64; 24] = [
    1.0, 0.5, 0.2, 0.1, 0.05, 0.1, 0.3, 0.8, 1.8, 2.8, 3.4, 3.4, 3.2, 2.8, 3.0, 3.2, 3.0, 2.8,
    2.6, 3.2, 4.6, 5.2, 4.2, 2.2,
];

/// Seconds into a local day, weighted to when people are on WeChat (evening peak).
pub(super) fn time_of_day(rng: &mut ChaCha8Rng, weekend: bool) -> i64 {
    let w = if weekend {
        &WEEKEND_HOURS
    } else {
        &WEEKDAY_HOURS
    };
    weighted(rng, w) as i64 * HOUR + uniform(rng, 0, HOUR)
}

pub(super) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
