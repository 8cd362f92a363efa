//! `[errors]`, `[summaries]` and `[segments]` of the language files: the commands'
//! refusals and failures (each saying what to do; an OS error's own words follow the
//! sentence), what the commands print when they are done (the import summaries,
//! `init`, `backup`, the demo), and the RFM segments' names. A guard refusal
//! (`guard::GuardError`) is put into words here too.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::rfm::Segment;
use crate::guard::GuardError;

use super::{Texts, fill};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorTexts {
    // files and folders: a context above the OS's own error ({path})
    pub read_file: String,
    pub read_stdin: String,
    pub create: String,
    pub read_path: String,
    pub sync: String,
    pub rename: String,
    pub list: String,
    pub make_folder: String,
    pub move_demo: String,
    pub setgid: String,
    pub set_mode: String,
    pub reader_thread: String,
    pub watch_start: String,
    // backup and restore
    pub backup_names: String,
    pub not_a_dir: String,
    pub restore_self: String,
    pub restore_missing: String,
    pub restore_unreadable: String,
    pub restore_foreign: String,
    pub restore_damaged: String,
    pub restore_online: String,
    pub own_write: String,
    pub own_read: String,
    // content
    pub bad_slot: String,
    pub bad_check: String,
    pub bad_note: String,
    // demo and init
    pub demo_exists: String,
    pub demo_with_command: String,
    pub init_exists: String,
    pub leftover: String,
    pub guarded_needs_setgid: String,
    pub guarded_only: String,
    pub guarded_other_group: String,
    pub network_fs: String,
    pub no_file_name: String,
    pub team_needs_dir: String,
    pub team_dir_exists: String,
    pub team_parent_missing: String,
    pub chown: String,
    pub bad_unix_group: String,
    pub no_unix_group: String,
    // groups, export, reminders, SOP
    pub group_needs: String,
    pub nothing_to_change: String,
    pub empty_name: String,
    pub from_after_to: String,
    pub bad_when: String,
    pub no_such_time: String,
    pub snooze_minutes: String,
    pub bad_pair: String,
    // the environment
    pub bad_tz: String,
    pub bad_now: String,
    // the guarded install (`guard::GuardError`)
    pub setuid: String,
    pub not_team_dir: String,
    pub replaceable: String,
    pub nested: String,
    pub reachable: String,
    pub guard_io: String,
    pub guard_drop: String,
    // the store's refusals that have no words of their own elsewhere
    pub db_open: String,
    pub newer_schema: String,
    pub read_only_older: String,
    pub not_found: String,
    pub stale: String,
    pub handled: String,
    pub busy: String,
    /// The store's names of what was not found or changed (`SOP item`, `member` …) →
    /// the user's words.
    pub things: BTreeMap<String, String>,
}

/// What the commands print when they are done.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryTexts {
    /// `import chat`; {incidents}: `chat_incidents` when the import opened some.
    pub chat: String,
    pub chat_incidents: String,
    pub roster: String,
    pub roster_incidents: String,
    pub orders: String,
    pub stats: String,
    /// `init`: the database made and its owner.
    pub created: String,
    /// `backup`: a rotated-out backup.
    pub removed: String,
    /// `shequn --demo`: where the demo database is, before and after the console.
    pub demo_at: String,
    pub demo_kept: String,
}

/// The RFM segments (source: 重要价值客户 …).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentTexts {
    pub champion: String,
    pub develop: String,
    pub retain: String,
    pub win_back: String,
    pub loyal: String,
    pub promising: String,
    pub keep: String,
    pub lost: String,
}

impl SegmentTexts {
    pub fn name(&self, s: Segment) -> &str {
        match s {
            Segment::Champion => &self.champion,
            Segment::Develop => &self.develop,
            Segment::Retain => &self.retain,
            Segment::WinBack => &self.win_back,
            Segment::Loyal => &self.loyal,
            Segment::Promising => &self.promising,
            Segment::Keep => &self.keep,
            Segment::Lost => &self.lost,
        }
    }
}

impl ErrorTexts {
    /// The user's word for a thing the store names (`member`), or the store's word.
    pub fn thing<'a>(&'a self, what: &'a str) -> &'a str {
        self.things.get(what).map_or(what, String::as_str)
    }
}

impl Texts {
    /// Why a setgid shequn refuses, in the user's language (the English is the
    /// error's `Display`, for the log).
    pub fn guard_error(&self, e: &GuardError) -> String {
        let t = &self.errors;
        match e {
            GuardError::Setuid { ruid, euid } => fill(&t.setuid, &[("ruid", ruid), ("euid", euid)]),
            GuardError::NotTeamDir { path, group, why } => fill(
                &t.not_team_dir,
                &[("path", &path.display()), ("group", group), ("why", why)],
            ),
            GuardError::Replaceable { component, group } => fill(
                &t.replaceable,
                &[("component", &component.display()), ("group", group)],
            ),
            GuardError::Nested { parent, group } => fill(
                &t.nested,
                &[("parent", &parent.display()), ("group", group)],
            ),
            GuardError::Reachable { parent, group } => fill(
                &t.reachable,
                &[("parent", &parent.display()), ("group", group)],
            ),
            GuardError::Io { path, source } => {
                fill(&t.guard_io, &[("path", &path.display()), ("e", source)])
            }
            GuardError::Drop(e) => fill(&t.guard_drop, &[("e", e)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// `{name}`s in a template.
    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            match rest.find('}') {
                Some(close) => {
                    let name = &rest[..close];
                    if !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        out.insert(name.to_string());
                    }
                    rest = &rest[close + 1..];
                }
                None => break,
            }
        }
        out
    }

    /// Both languages have the same keys in these blocks and each text takes the same
    /// placeholders in both: a `{path}` missing in one language would say less there,
    /// a misspelt one would show as `{paht}`.
    #[test]
    fn both_languages_say_the_same_things_with_the_same_placeholders() {
        let parse =
            |src: &str| -> toml::Table { toml::from_str(src).unwrap_or_else(|e| panic!("{e}")) };
        let (zh, en) = (parse(super::super::ZH_SRC), parse(super::super::EN_SRC));
        for block in ["errors", "summaries", "segments"] {
            let flat = |t: &toml::Table| -> Vec<(String, String)> {
                let mut out = Vec::new();
                let Some(toml::Value::Table(b)) = t.get(block) else {
                    panic!("no [{block}]");
                };
                for (k, v) in b {
                    match v {
                        toml::Value::String(s) => out.push((k.clone(), s.clone())),
                        toml::Value::Table(inner) => {
                            for (k2, v2) in inner {
                                out.push((
                                    format!("{k}.{k2}"),
                                    v2.as_str().unwrap_or("").to_string(),
                                ));
                            }
                        }
                        _ => panic!("[{block}] {k} is not text"),
                    }
                }
                out
            };
            let (z, e) = (flat(&zh), flat(&en));
            assert_eq!(
                z.iter().map(|p| &p.0).collect::<Vec<_>>(),
                e.iter().map(|p| &p.0).collect::<Vec<_>>(),
                "[{block}]"
            );
            for ((k, zs), (_, es)) in z.iter().zip(&e) {
                assert!(!zs.is_empty() && !es.is_empty(), "[{block}] {k} is empty");
                assert_eq!(placeholders(zs), placeholders(es), "[{block}] {k}");
                // the Chinese text is Chinese (no English sentence left untranslated)
                if block == "errors" && !k.starts_with("things.") {
                    assert!(
                        zs.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                        "[errors] {k} in zh has no Chinese: {zs}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_guard_refusal_is_said_in_each_language_with_its_path() {
        use crate::guard::GuardError;
        use crate::i18n::Lang;
        let e = GuardError::Nested {
            parent: "/srv/shequn-ops/a".into(),
            group: "ops".into(),
        };
        for lang in [Lang::Zh, Lang::En] {
            let s = lang.texts().guard_error(&e);
            assert!(s.contains("/srv/shequn-ops/a") && s.contains("ops"), "{s}");
            assert!(!s.contains('{'), "{s}");
        }
        assert!(Lang::Zh.texts().guard_error(&e).contains("团队目录"));
    }
}
