//! Homophone and shape variants (`data/keywords/variants.toml`): 薇信, V信, 绿泡泡 for 微信;
//! 扣扣 for QQ; 私撩 for 私聊. Kept as data, so a new spelling is a line in a file, not a
//! change to the matcher. Each variant is substituted for its canonical spelling inside
//! every listed word that contains it (加微信 → 加薇信, 加vx, 加绿泡泡 …), and reports the
//! listed word; the `alone` ones are also a hit by themselves (nobody writes 薇信 but to
//! get past a filter), reported as the canonical spelling. `inside` ones are real words
//! too (威信 is standing, 卫星 a satellite): only a hit inside a listed word.

use serde::Deserialize;

use super::normalise::normalise;
use super::{Category, Level};

/// The shipped variants.
pub const SHIPPED: &str = include_str!("../../../data/keywords/variants.toml");

/// One canonical spelling and its variants.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub canonical: String,
    /// The list an `alone` variant's hit belongs to.
    pub category: Option<String>,
    /// Its level (the list's default when absent).
    pub level: Option<u8>,
    #[serde(default)]
    pub alone: Vec<String>,
    #[serde(default)]
    pub inside: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    variant: Vec<Group>,
}

/// The groups of a variants file; a file that does not parse is an error the shipped
/// file's test catches.
pub fn parse(text: &str) -> Result<Vec<Group>, toml::de::Error> {
    Ok(toml::from_str::<File>(text)?.variant)
}

/// The shipped groups (none if the file is broken, which its test rules out).
pub fn shipped() -> Vec<Group> {
    parse(SHIPPED).unwrap_or_default()
}

impl Group {
    /// The list and level an `alone` variant's hit reports.
    pub fn alone_as(&self) -> Option<(Category, Level)> {
        let c = Category::parse(self.category.as_deref()?)?;
        let level = self
            .level
            .and_then(|n| Level::from_number(i64::from(n)))
            .unwrap_or(c.default_level());
        Some((c, level))
    }
}

/// At most this many spellings of one word: a word with three canonical parts does not
/// blow up into thousands of patterns.
const MAX_FORMS: usize = 160;

/// Every spelling of the folded word `folded` with variants substituted (the word itself
/// not included), each canonical occurrence replaced by each of its variants in turn.
pub fn expand(folded: &str, groups: &[(String, Vec<String>)]) -> Vec<String> {
    let mut forms: Vec<String> = vec![folded.to_string()];
    for (canonical, variants) in groups {
        if canonical.is_empty() || !forms.iter().any(|f| f.contains(canonical.as_str())) {
            continue;
        }
        let mut more = Vec::new();
        for f in &forms {
            for (at, _) in f.match_indices(canonical.as_str()) {
                for v in variants {
                    let mut s = String::with_capacity(f.len() + v.len());
                    s.push_str(&f[..at]);
                    s.push_str(v);
                    s.push_str(&f[at + canonical.len()..]);
                    more.push(s);
                }
            }
        }
        for m in more {
            if forms.len() >= MAX_FORMS {
                break;
            }
            // a one-char spelling (qq → q) would match everywhere
            if m.chars().count() >= 2 && !forms.contains(&m) {
                forms.push(m);
            }
        }
    }
    forms.remove(0);
    forms
}

/// The groups folded: (canonical, every variant) for [`expand`].
pub fn folded(groups: &[Group]) -> Vec<(String, Vec<String>)> {
    groups
        .iter()
        .map(|g| {
            let mut vs: Vec<String> = g
                .alone
                .iter()
                .chain(&g.inside)
                .map(|v| normalise(v))
                .filter(|v| !v.is_empty())
                .collect();
            vs.dedup();
            (normalise(&g.canonical), vs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_and_names_real_lists() {
        let groups = parse(SHIPPED).unwrap();
        assert!(groups.len() >= 8, "{}", groups.len());
        for g in &groups {
            if !g.alone.is_empty() {
                assert!(
                    g.alone_as().is_some(),
                    "{}: alone needs a category",
                    g.canonical
                );
            }
            assert!(!normalise(&g.canonical).is_empty());
        }
        let wx = groups.iter().find(|g| g.canonical == "微信").unwrap();
        for v in ["薇信", "徽信", "V信", "vx", "绿泡泡"] {
            assert!(wx.alone.iter().any(|a| a.eq_ignore_ascii_case(v)), "{v}");
        }
    }

    #[test]
    fn expansion_substitutes_each_occurrence() {
        let groups = vec![
            (
                "微信".to_string(),
                vec!["薇信".to_string(), "vx".to_string()],
            ),
            ("qq".to_string(), vec!["扣扣".to_string()]),
        ];
        assert_eq!(expand("加微信", &groups), ["加薇信", "加vx"]);
        assert_eq!(expand("qq号", &groups), ["扣扣号"]);
        assert!(expand("刷单", &groups).is_empty());
        let both = expand("微信qq", &groups);
        assert!(both.contains(&"vx扣扣".to_string()), "{both:?}");
    }
}
