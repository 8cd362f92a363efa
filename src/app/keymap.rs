//! The keymap: keys → action names, from `data/keymap.toml` plus the user's overrides.
//! The same table answers key presses, draws `?` help and the status-bar hints.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const SHIPPED_KEYMAP: &str = include_str!("../../data/keymap.toml");

/// A key as written in the keymap file, normalised so "G" and shift-g compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
}

/// `KeyCode` has no `Ord`; this is the subset the keymap can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

impl Key {
    pub fn parse(text: &str) -> Option<Key> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-") {
            Some(r) if !r.is_empty() => (true, r),
            _ => (false, text),
        };
        let code = match rest {
            "enter" => KeyCodeOrd::Enter,
            "esc" => KeyCodeOrd::Esc,
            "tab" => KeyCodeOrd::Tab,
            "backtab" => KeyCodeOrd::BackTab,
            "space" => KeyCodeOrd::Char(' '),
            "backspace" => KeyCodeOrd::Backspace,
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "pageup" => KeyCodeOrd::PageUp,
            "pagedown" => KeyCodeOrd::PageDown,
            s => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCodeOrd::Char(c),
                    _ => return None,
                }
            }
        };
        Some(Key { code, ctrl })
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        Some(Key {
            code,
            // Shift is already in the character ('G'), so only ctrl is kept.
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        })
    }

    /// How the key is shown in help and hints.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "Space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Enter => "Enter".into(),
            KeyCodeOrd::Esc => "Esc".into(),
            KeyCodeOrd::Tab => "Tab".into(),
            KeyCodeOrd::BackTab => "S-Tab".into(),
            KeyCodeOrd::Backspace => "Bksp".into(),
            KeyCodeOrd::Up => "↑".into(),
            KeyCodeOrd::Down => "↓".into(),
            KeyCodeOrd::Left => "←".into(),
            KeyCodeOrd::Right => "→".into(),
            KeyCodeOrd::Home => "Home".into(),
            KeyCodeOrd::End => "End".into(),
            KeyCodeOrd::PageUp => "PgUp".into(),
            KeyCodeOrd::PageDown => "PgDn".into(),
        };
        if self.ctrl { format!("C-{base}") } else { base }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// The keymap compiled into the binary is broken: a build defect, caught by tests.
    #[error("the shipped data/keymap.toml is broken: {0}")]
    Shipped(String),
    #[error("keymap: {0}")]
    Toml(String),
    #[error(
        "keymap [{section}]: {key:?} is not a key (use a character or enter, esc, tab, up, ctrl-d, ...)"
    )]
    BadKey { section: String, key: String },
    #[error("keymap [{section}]: {action:?} is not an action; known: {known}")]
    BadAction {
        section: String,
        action: String,
        known: String,
    },
}

/// Section name ("global" or a tab word) → key → action name, in file order.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    sections: BTreeMap<String, Vec<(Key, String)>>,
}

type RawKeymap = toml::map::Map<String, toml::Value>;

impl Keymap {
    /// The shipped keymap with `user` (a keymap file's text) layered on top: a user
    /// entry replaces the shipped binding of the same key in the same section.
    pub fn load(user: Option<&str>, known_actions: &[&str]) -> Result<Keymap, KeymapError> {
        let mut km = Keymap::default();
        km.merge(SHIPPED_KEYMAP, known_actions)
            .map_err(|e| KeymapError::Shipped(e.to_string()))?;
        if let Some(u) = user {
            km.merge(u, known_actions)?;
        }
        Ok(km)
    }

    fn merge(&mut self, text: &str, known: &[&str]) -> Result<(), KeymapError> {
        // toml's preserve_order keeps the file's order: the first key named for an
        // action is the one hints show.
        let raw: RawKeymap = toml::from_str(text).map_err(|e| KeymapError::Toml(e.to_string()))?;
        for (section, table) in raw {
            let Some(table) = table.as_table().cloned() else {
                return Err(KeymapError::Toml(format!(
                    "[{section}] must be a table of key = action"
                )));
            };
            let entries = self.sections.entry(section.clone()).or_default();
            for (k, v) in table {
                let key = Key::parse(&k).ok_or_else(|| KeymapError::BadKey {
                    section: section.clone(),
                    key: k.clone(),
                })?;
                let action = v.as_str().unwrap_or_default().to_string();
                if !known.contains(&action.as_str()) {
                    return Err(KeymapError::BadAction {
                        section: section.clone(),
                        action,
                        known: known.join(", "),
                    });
                }
                entries.retain(|(existing, _)| *existing != key);
                entries.push((key, action));
            }
        }
        Ok(())
    }

    /// The action for a key on a tab: the tab's own binding first, then the global one.
    pub fn action(&self, tab: &str, key: Key) -> Option<&str> {
        [tab, "global"].iter().find_map(|s| {
            self.sections
                .get(*s)?
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, a)| a.as_str())
        })
    }

    /// (action, key labels) for a section, in the order of `order` (the action list),
    /// for help and hints.
    pub fn bindings(&self, section: &str, order: &[&str]) -> Vec<(String, Vec<String>)> {
        let Some(entries) = self.sections.get(section) else {
            return Vec::new();
        };
        order
            .iter()
            .filter_map(|a| {
                let keys: Vec<&Key> = entries
                    .iter()
                    .filter(|(_, act)| act == a)
                    .map(|(k, _)| k)
                    .collect();
                (!keys.is_empty())
                    .then(|| ((*a).to_string(), keys.iter().map(|k| k.label()).collect()))
            })
            .collect()
    }

    /// The first key label bound to an action (tab first, then global).
    pub fn key_for(&self, tab: &str, action: &str) -> Option<String> {
        [tab, "global"].iter().find_map(|s| {
            self.sections
                .get(*s)?
                .iter()
                .find(|(_, a)| a == action)
                .map(|(k, _)| k.label())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = crate::app::ACTIONS;

    #[test]
    fn shipped_keymap_loads_and_answers() {
        let km = Keymap::load(None, KNOWN).unwrap();
        let g = Key::parse("G").unwrap();
        assert_eq!(km.action("members", g), Some("bottom"));
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some(g));
        let cc = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            km.action("today", Key::from_event(&cc).unwrap()),
            Some("quit")
        );
    }

    #[test]
    fn user_overrides_replace_only_their_key() {
        let km = Keymap::load(
            Some("[global]\n\"x\" = \"quit\"\n\"q\" = \"help\"\n"),
            KNOWN,
        )
        .unwrap();
        assert_eq!(km.action("today", Key::parse("x").unwrap()), Some("quit"));
        assert_eq!(km.action("today", Key::parse("q").unwrap()), Some("help"));
        assert_eq!(km.action("today", Key::parse("j").unwrap()), Some("down"));
    }

    #[test]
    fn bad_keymaps_are_refused_with_a_reason() {
        let e = Keymap::load(
            Some("[global]\n\"ctrl-\" = \"quit\"\n\"zz\" = \"quit\""),
            KNOWN,
        )
        .unwrap_err();
        assert!(matches!(e, KeymapError::BadKey { .. }), "{e}");
        let e = Keymap::load(Some("[global]\n\"x\" = \"explode\""), KNOWN).unwrap_err();
        assert!(e.to_string().contains("explode"));
    }
}
