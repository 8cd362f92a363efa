//! The dry-run of a keyword list over history (`shequn keywords test`, issue 15): what
//! the lists would have flagged — hits per word (messages, groups, members) and per
//! group, up to three sample messages per word, and the words most likely to be false
//! positives.
//!
//! A hit is *clean-looking* when nothing else about it looks like spam: its message hits
//! no other word, its sender has no other message with a hit in the history scanned,
//! and no sanction on record. A word that flags many clean-looking messages is most
//! likely catching ordinary talk (a short word inside longer innocent ones): the words
//! to look at, and give exceptions, before saving a list.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::{Category, Hit, Level};

/// At most this many sample messages per word.
pub const SAMPLES: usize = 3;

/// One message given to the dry-run.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub group: &'a str,
    pub member_id: Option<i64>,
    pub member: Option<&'a str>,
    pub sent_at: i64,
    pub content: &'a str,
}

/// A sample message with its hit marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub group: String,
    pub member: Option<String>,
    pub sent_at: i64,
    /// The text around the hit, the hit in 【】.
    pub text: String,
}

/// What one word would have flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordHits {
    pub word: String,
    pub category: Category,
    pub level: Level,
    /// From the proposed file, not on the team's lists yet.
    pub proposed: bool,
    /// Messages it flags.
    pub messages: usize,
    pub groups: usize,
    pub members: usize,
    /// Of `messages`, the clean-looking ones (see the module doc).
    pub clean_looking: usize,
    pub samples: Vec<Sample>,
}

/// What the lists would have flagged in one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupHits {
    pub group: String,
    pub scanned: usize,
    pub flagged: usize,
}

/// The dry-run's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Report {
    pub scanned: usize,
    pub flagged: usize,
    /// By messages flagged, most first.
    pub words: Vec<WordHits>,
    /// By messages flagged, most first (groups with none left out).
    pub groups: Vec<GroupHits>,
}

#[derive(Default)]
struct Acc {
    category: Option<(Category, Level)>,
    messages: usize,
    groups: HashSet<String>,
    members: HashSet<i64>,
    samples: Vec<Sample>,
    /// (member, message had only this word): for the clean-looking count at the end.
    flagged_by: Vec<(Option<i64>, bool)>,
}

/// Collects messages and their hits, then says what they add up to.
#[derive(Default)]
pub struct DryRun {
    scanned: usize,
    flagged: usize,
    words: BTreeMap<String, Acc>,
    groups: HashMap<String, (usize, usize)>,
    /// Members → messages of theirs with any hit.
    member_flagged: HashMap<i64, usize>,
}

impl DryRun {
    /// Count `msg`, whose hits (from `Keywords::find`) are `hits`; `only` keeps the hits
    /// of one list.
    pub fn add(&mut self, msg: &Message<'_>, hits: &[Hit], only: Option<Category>) {
        self.scanned += 1;
        let g = self.groups.entry(msg.group.to_string()).or_default();
        g.0 += 1;
        let hits: Vec<&Hit> = hits
            .iter()
            .filter(|h| only.is_none_or(|c| c == h.category))
            .collect();
        if hits.is_empty() {
            return;
        }
        g.1 += 1;
        self.flagged += 1;
        if let Some(m) = msg.member_id {
            *self.member_flagged.entry(m).or_default() += 1;
        }
        let mut distinct: Vec<&Hit> = Vec::new();
        for h in &hits {
            if !distinct.iter().any(|d| d.word == h.word) {
                distinct.push(h);
            }
        }
        let alone = distinct.len() == 1;
        for h in distinct {
            let acc = self.words.entry(h.word.clone()).or_default();
            acc.category = Some((h.category, h.level));
            acc.messages += 1;
            acc.groups.insert(msg.group.to_string());
            if let Some(m) = msg.member_id {
                acc.members.insert(m);
            }
            acc.flagged_by.push((msg.member_id, alone));
            if acc.samples.len() < SAMPLES {
                acc.samples.push(Sample {
                    group: msg.group.to_string(),
                    member: msg.member.map(ToString::to_string),
                    sent_at: msg.sent_at,
                    text: marked(msg.content, h.start, h.end),
                });
            }
        }
    }

    /// The report; `sanctioned` are the members with a sanction on record, `proposed`
    /// tells a word from the proposed file.
    pub fn report(self, sanctioned: &HashSet<i64>, proposed: impl Fn(&str) -> bool) -> Report {
        let member_flagged = &self.member_flagged;
        let clean = |(m, alone): &(Option<i64>, bool)| {
            *alone
                && m.is_some_and(|m| {
                    !sanctioned.contains(&m) && member_flagged.get(&m).copied() == Some(1)
                })
        };
        let mut words: Vec<WordHits> = self
            .words
            .into_iter()
            .filter_map(|(word, acc)| {
                let (category, level) = acc.category?;
                Some(WordHits {
                    proposed: proposed(&word),
                    clean_looking: acc.flagged_by.iter().filter(|f| clean(f)).count(),
                    word,
                    category,
                    level,
                    messages: acc.messages,
                    groups: acc.groups.len(),
                    members: acc.members.len(),
                    samples: acc.samples,
                })
            })
            .collect();
        words.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.word.cmp(&b.word)));
        let mut groups: Vec<GroupHits> = self
            .groups
            .into_iter()
            .filter(|(_, (_, f))| *f > 0)
            .map(|(group, (scanned, flagged))| GroupHits {
                group,
                scanned,
                flagged,
            })
            .collect();
        groups.sort_by(|a, b| b.flagged.cmp(&a.flagged).then(a.group.cmp(&b.group)));
        Report {
            scanned: self.scanned,
            flagged: self.flagged,
            words,
            groups,
        }
    }
}

impl Report {
    /// The words that flag clean-looking messages, most first: the likely false
    /// positives.
    pub fn likely_false(&self) -> Vec<&WordHits> {
        let mut v: Vec<&WordHits> = self.words.iter().filter(|w| w.clean_looking > 0).collect();
        v.sort_by(|a, b| {
            b.clean_looking
                .cmp(&a.clean_looking)
                .then(a.word.cmp(&b.word))
        });
        v
    }
}

/// At most this many characters of context on each side of a sample's hit.
const CONTEXT_CHARS: usize = 16;

/// `text` around `start..end` with the hit in 【】, cut to some context on each side.
fn marked(text: &str, start: usize, end: usize) -> String {
    let (Some(before), Some(hit), Some(after)) =
        (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return text.to_string();
    };
    let one_line = |s: &str| s.replace(['\n', '\r'], " ");
    let b: Vec<char> = before.chars().collect();
    let cut_b = b.len().saturating_sub(CONTEXT_CHARS);
    let mut out = String::new();
    if cut_b > 0 {
        out.push('…');
    }
    out.push_str(&one_line(&b[cut_b..].iter().collect::<String>()));
    out.push('【');
    out.push_str(&one_line(hit));
    out.push('】');
    let a: String = after.chars().take(CONTEXT_CHARS).collect();
    out.push_str(&one_line(&a));
    if after.chars().count() > CONTEXT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Keywords;
    use super::*;

    #[test]
    fn counts_words_groups_members_samples_and_clean_looking_hits() {
        let k = Keywords::from_lists(&[
            (Category::Ad, "加微信\n代购\n"),
            (Category::Fraud, "刷单 !刷单词\n"),
        ]);
        let msgs = [
            ("A", 1, "加 微 信 领红包"),
            ("A", 1, "代购大牌,加微信"),
            ("B", 2, "我在做代购"),
            ("B", 3, "今天刷单词了"),
            ("B", 4, "刷单日结"),
            ("A", 5, "你好"),
        ];
        let mut run = DryRun::default();
        for (g, m, text) in msgs {
            let msg = Message {
                group: g,
                member_id: Some(m),
                member: Some("x"),
                sent_at: 0,
                content: text,
            };
            run.add(&msg, &k.find(text), None);
        }
        let sanctioned: HashSet<i64> = [4].into();
        let r = run.report(&sanctioned, |w| w == "代购");
        assert_eq!((r.scanned, r.flagged), (6, 4));
        let w = |name: &str| r.words.iter().find(|w| w.word == name).unwrap();
        assert_eq!(w("加微信").messages, 2);
        assert_eq!(w("加微信").members, 1);
        assert_eq!(w("加微信").samples[0].text, "【加 微 信】 领红包");
        // member 1 has two flagged messages: not clean-looking; member 2 only this one
        assert_eq!(w("加微信").clean_looking, 0);
        assert_eq!(w("代购").clean_looking, 1);
        assert!(w("代购").proposed);
        assert_eq!(w("代购").groups, 2);
        // member 4 is sanctioned
        assert_eq!(w("刷单").clean_looking, 0);
        assert_eq!(r.likely_false()[0].word, "代购");
        assert_eq!(r.groups[0].group, "A");
        assert_eq!((r.groups[0].scanned, r.groups[0].flagged), (3, 2));
    }

    #[test]
    fn samples_are_cut_around_the_hit() {
        let long = format!("{}加微信{}", "前".repeat(30), "后".repeat(30));
        let at = "前".repeat(30).len();
        let s = marked(&long, at, at + "加微信".len());
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("【加微信】"));
        assert_eq!(s.chars().count(), 16 + 16 + 5 + 2);
    }
}
