//! The roster guard (issue 13): a roster marks every member missing from it as left, so
//! a cut or wrong file would empty a group and open exit alerts. How many may leave in
//! one import before it is refused — the team's share (`[import] max_leave_share`), or
//! what the command line allows (`--allow-leaves N`, like rsync's `--max-delete`, or
//! `--force`) — is decided here, pure and table-tested.

/// What the command line allowed beyond the team's share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowance {
    /// `--allow-leaves N`: at most N may leave, whatever the share.
    pub allow_leaves: Option<u64>,
    /// `--force`: any number may leave.
    pub force: bool,
}

/// The limit a refused roster went over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// The team's share, and the number of members it comes to.
    Share { share: f64, max: u64 },
    /// `--allow-leaves N`.
    Allowed(u64),
}

/// A roster that would mark too many members as left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooMany {
    pub leaving: u64,
    /// Members of the group before the import (not marked as left).
    pub present: u64,
    pub limit: Limit,
}

impl TooMany {
    /// The share of the present members that would leave, in percent (rounded).
    pub fn percent(&self) -> u64 {
        percent(self.leaving, self.present)
    }
}

/// `part` of `whole` in whole percent, rounded to the nearest.
pub fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    (part.saturating_mul(100) + whole / 2) / whole
}

/// How many of `present` members may leave under `share`: the share of them, rounded
/// down (a hair of tolerance so 0.29 × 100 is 29, not 28.999… → 28). Never more than
/// `present`.
pub fn max_leaves(present: u64, share: f64) -> u64 {
    if share.is_nan() || share <= 0.0 {
        return 0;
    }
    let max = (present as f64 * share + 1e-9).floor();
    // a share above 1 is refused by the settings; clamp all the same
    (max as u64).min(present)
}

/// Whether `leaving` of `present` members may be marked as left.
pub fn check(present: u64, leaving: u64, share: f64, allow: Allowance) -> Result<(), TooMany> {
    if allow.force || leaving == 0 {
        return Ok(());
    }
    let limit = match allow.allow_leaves {
        Some(n) => Limit::Allowed(n),
        None => Limit::Share {
            share,
            max: max_leaves(present, share),
        },
    };
    let max = match limit {
        Limit::Allowed(n) | Limit::Share { max: n, .. } => n,
    };
    if leaving <= max {
        Ok(())
    } else {
        Err(TooMany {
            leaving,
            present,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Allowance = Allowance {
        allow_leaves: None,
        force: false,
    };

    #[test]
    fn the_share_rounds_down_with_tolerance() {
        for (present, share, max) in [
            (456, 0.2, 91),
            (10, 0.2, 2),
            (100, 0.29, 29),
            (30, 0.1, 3),
            (3, 0.2, 0),
            (5, 0.2, 1),
            (0, 0.2, 0),
            (7, 1.0, 7),
            (7, 0.0, 0),
            (7, -0.5, 0),
            (7, f64::NAN, 0),
            (7, 3.0, 7),
        ] {
            assert_eq!(max_leaves(present, share), max, "{present} × {share}");
        }
    }

    #[test]
    fn verdicts() {
        let allow = |n| Allowance {
            allow_leaves: Some(n),
            force: false,
        };
        let force = Allowance {
            allow_leaves: None,
            force: true,
        };
        // (present, leaving, share, allowance, refused?)
        let cases: &[(u64, u64, f64, Allowance, bool)] = &[
            // the cases: an empty roster (all 456 leave), half of them
            (456, 456, 0.2, NONE, true),
            (456, 228, 0.2, NONE, true),
            (456, 91, 0.2, NONE, false),
            (456, 92, 0.2, NONE, true),
            (456, 0, 0.2, NONE, false),
            // a new group, or nobody missing
            (0, 0, 0.2, NONE, false),
            // a small group: one of three is a third
            (3, 1, 0.2, NONE, true),
            (3, 1, 0.2, allow(1), false),
            // --allow-leaves replaces the share, both ways
            (456, 228, 0.2, allow(228), false),
            (456, 229, 0.2, allow(228), true),
            (456, 50, 0.2, allow(10), true),
            (456, 0, 0.2, allow(0), false),
            (456, 1, 0.2, allow(0), true),
            // --force lets anything through
            (456, 456, 0.2, force, false),
            // the team's share
            (456, 136, 0.3, NONE, false),
            (456, 137, 0.3, NONE, true),
            (456, 456, 1.0, NONE, false),
            (456, 1, 0.0, NONE, true),
        ];
        for &(present, leaving, share, a, refused) in cases {
            let got = check(present, leaving, share, a);
            assert_eq!(
                got.is_err(),
                refused,
                "{leaving} of {present} at {share} with {a:?}: {got:?}"
            );
            if let Err(t) = got {
                assert_eq!((t.leaving, t.present), (leaving, present));
            }
        }
    }

    #[test]
    fn a_refusal_says_its_limit_and_share() {
        let t = check(456, 228, 0.2, NONE).unwrap_err();
        assert_eq!(
            t.limit,
            Limit::Share {
                share: 0.2,
                max: 91
            }
        );
        assert_eq!(t.percent(), 50);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(0, 0), 0);
    }
}
