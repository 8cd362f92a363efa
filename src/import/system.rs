//! Group system texts ("A"邀请"B"加入了群聊 …) → events. Pure; table-tested below.
//!
//! A text is matched against a small table of patterns made of literals and name
//! slots. A slot is either the exporting account ("你" / "You") or a quoted name
//! (`"…"` or `“…”`, names may contain spaces, emoji and even quotes: the matcher
//! tries each closing quote until the rest of the pattern fits).

use super::{EventKind, SELF_TARGET};

/// Parses a group system text into (kind, actor, targets, detail).
///
/// - `actor`: who did it; `None` when it was the exporting account ("你"/"You").
/// - `targets`: who it happened to; the exporting account is [`SELF_TARGET`] ("你").
/// - `detail`: the new name for a rename, else the text (without a `<revokemsg>`
///   wrapper).
///
/// Anything not understood (including a voluntary leave, which personal WeChat does
/// not announce) gives `None`: the caller counts it as skipped.
pub fn parse_system_text(text: &str) -> Option<(EventKind, Option<String>, Vec<String>, String)> {
    let text = unwrap_revoke(text.trim()).trim();
    if text.is_empty() {
        return None;
    }
    for p in PATTERNS {
        let mut slots = Vec::new();
        if matches(text, p.parts, &mut slots) {
            return Some(build(p.form, &slots, text));
        }
    }
    None
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Slot,
    Lit(&'static str),
}
use Part::{Lit, Slot};

#[derive(Debug, Clone, Copy)]
enum Form {
    /// actor = slot 0, targets = slot 1 (a list)
    Invite,
    /// actor = slot 0, targets = you + slot 1 (a list)
    InviteYouAnd,
    /// target = slot 0, actor = slot 1
    Qr,
    /// actor = slot 0, target = slot 1
    Kick,
    /// target = slot 0, actor = slot 1
    KickedBy,
    /// actor = slot 0, detail = slot 1
    Rename,
    /// actor = slot 0
    Revoke,
}

struct Pattern {
    parts: &'static [Part],
    form: Form,
}

const PATTERNS: &[Pattern] = &[
    // Chinese client
    Pattern {
        parts: &[Slot, Lit("邀请你和"), Slot, Lit("加入了群聊")],
        form: Form::InviteYouAnd,
    },
    Pattern {
        parts: &[Slot, Lit("邀请"), Slot, Lit("加入了群聊")],
        form: Form::Invite,
    },
    Pattern {
        parts: &[Slot, Lit("邀请"), Slot, Lit("加入群聊")],
        form: Form::Invite,
    },
    Pattern {
        parts: &[Slot, Lit("通过扫描"), Slot, Lit("分享的二维码加入群聊")],
        form: Form::Qr,
    },
    Pattern {
        parts: &[Slot, Lit("将"), Slot, Lit("移出了群聊")],
        form: Form::Kick,
    },
    Pattern {
        parts: &[Slot, Lit("将"), Slot, Lit("移出群聊")],
        form: Form::Kick,
    },
    Pattern {
        parts: &[Slot, Lit("被"), Slot, Lit("移出群聊")],
        form: Form::KickedBy,
    },
    Pattern {
        parts: &[Slot, Lit("被"), Slot, Lit("移出了群聊")],
        form: Form::KickedBy,
    },
    Pattern {
        parts: &[Slot, Lit("修改群名为"), Slot],
        form: Form::Rename,
    },
    Pattern {
        parts: &[Slot, Lit("撤回了一条消息")],
        form: Form::Revoke,
    },
    // English client
    Pattern {
        parts: &[
            Slot,
            Lit("invited you and"),
            Slot,
            Lit("to join the group chat"),
        ],
        form: Form::InviteYouAnd,
    },
    Pattern {
        parts: &[Slot, Lit("invited you and"), Slot, Lit("to the group chat")],
        form: Form::InviteYouAnd,
    },
    Pattern {
        parts: &[Slot, Lit("invited"), Slot, Lit("to join the group chat")],
        form: Form::Invite,
    },
    Pattern {
        parts: &[Slot, Lit("invited"), Slot, Lit("to the group chat")],
        form: Form::Invite,
    },
    Pattern {
        parts: &[
            Slot,
            Lit("joined the group chat via the QR code shared by"),
            Slot,
        ],
        form: Form::Qr,
    },
    Pattern {
        parts: &[Slot, Lit("removed"), Slot, Lit("from the group chat")],
        form: Form::Kick,
    },
    Pattern {
        parts: &[Slot, Lit("changed the group name to"), Slot],
        form: Form::Rename,
    },
    Pattern {
        parts: &[Slot, Lit("recalled a message")],
        form: Form::Revoke,
    },
    Pattern {
        parts: &[Slot, Lit("has recalled a message")],
        form: Form::Revoke,
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    /// The exporting account: 你 / You.
    Me,
    Quoted(String),
}

fn build(
    form: Form,
    slots: &[Name],
    text: &str,
) -> (EventKind, Option<String>, Vec<String>, String) {
    let actor = |i: usize| match slots.get(i) {
        Some(Name::Quoted(n)) => Some(n.clone()),
        _ => None,
    };
    let list = |i: usize| match slots.get(i) {
        Some(Name::Quoted(n)) => split_names(n),
        Some(Name::Me) => vec![SELF_TARGET.to_string()],
        None => Vec::new(),
    };
    let detail = text.to_string();
    match form {
        Form::Invite => (EventKind::JoinInvite, actor(0), list(1), detail),
        Form::InviteYouAnd => {
            let mut targets = vec![SELF_TARGET.to_string()];
            targets.extend(list(1));
            (EventKind::JoinInvite, actor(0), targets, detail)
        }
        Form::Qr => (EventKind::JoinQr, actor(1), list(0), detail),
        Form::Kick => (EventKind::Kick, actor(0), list(1), detail),
        Form::KickedBy => (EventKind::Kick, actor(1), list(0), detail),
        Form::Rename => {
            let name = match slots.get(1) {
                Some(Name::Quoted(n)) => n.clone(),
                _ => String::new(),
            };
            (EventKind::Rename, actor(0), Vec::new(), name)
        }
        Form::Revoke => (EventKind::Revoke, actor(0), Vec::new(), detail),
    }
}

/// `B、C` → [B, C]; `B, C` → [B, C]; `B"、"C` → [B, C].
fn split_names(list: &str) -> Vec<String> {
    list.split(['、', ',', '，'])
        .map(|n| {
            n.trim()
                .trim_matches(|c| is_open(c) || is_close(c))
                .trim()
                .to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

fn is_open(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '「')
}

fn is_close(c: char) -> bool {
    matches!(c, '"' | '”' | '“' | '」')
}

/// `<revokemsg>…</revokemsg>` → the inside; `<![CDATA[…]]>` in a `<replacemsg>` too.
fn unwrap_revoke(text: &str) -> &str {
    let mut t = text;
    if let Some(inner) = between(t, "<replacemsg>", "</replacemsg>") {
        t = inner.trim();
    } else if let Some(inner) = between(t, "<revokemsg>", "</revokemsg>") {
        t = inner.trim();
    }
    if let Some(inner) = between(t, "<![CDATA[", "]]>") {
        t = inner;
    }
    t
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

/// Does `text` match `parts` fully (allowing whitespace between parts and a tail
/// after the last literal that starts with punctuation)? Fills `slots`.
fn matches(text: &str, parts: &[Part], slots: &mut Vec<Name>) -> bool {
    let s = text.trim_start();
    let Some((first, rest)) = parts.split_first() else {
        return tail_ok(s);
    };
    match first {
        Lit(lit) => match strip_prefix_ci(s, lit) {
            Some(r) => matches(r, rest, slots),
            None => false,
        },
        Slot => {
            for me in ["你", "You", "you"] {
                if let Some(r) = s.strip_prefix(me) {
                    slots.push(Name::Me);
                    if matches(r, rest, slots) {
                        return true;
                    }
                    slots.pop();
                }
            }
            let Some(open) = s.chars().next().filter(|&c| is_open(c)) else {
                return false;
            };
            let body = &s[open.len_utf8()..];
            for (i, c) in body.char_indices() {
                if !is_close(c) || i == 0 {
                    continue;
                }
                slots.push(Name::Quoted(body[..i].trim().to_string()));
                if matches(&body[i + c.len_utf8()..], rest, slots) {
                    return true;
                }
                slots.pop();
            }
            false
        }
    }
}

/// After the last part: nothing, or a tail such as "，群聊参与人还有：…" or ".".
fn tail_ok(s: &str) -> bool {
    match s.chars().next() {
        None => true,
        Some(c) => matches!(
            c,
            '，' | ',' | '。' | '.' | '！' | '!' | '；' | ';' | '(' | '（'
        ),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, lit: &str) -> Option<&'a str> {
    let n = lit.len();
    if s.len() >= n && s.is_char_boundary(n) && s[..n].eq_ignore_ascii_case(lit) {
        Some(&s[n..])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// (text, kind, actor, targets, detail — None = the text itself)
    #[allow(clippy::type_complexity)]
    const TABLE: &[(&str, EventKind, Option<&str>, &[&str], Option<&str>)] = &[
        // invites
        (
            "\"张三\"邀请\"李四、王五\"加入了群聊",
            JoinInvite,
            Some("张三"),
            &["李四", "王五"],
            None,
        ),
        (
            "“张三”邀请“李四”加入了群聊",
            JoinInvite,
            Some("张三"),
            &["李四"],
            None,
        ),
        (
            "你邀请\"小美🌸\"加入了群聊",
            JoinInvite,
            None,
            &["小美🌸"],
            None,
        ),
        (
            "\"张三\"邀请你和\"李四\"加入了群聊",
            JoinInvite,
            Some("张三"),
            &["你", "李四"],
            None,
        ),
        (
            "\"张三\"邀请你加入了群聊",
            JoinInvite,
            Some("张三"),
            &["你"],
            None,
        ),
        (
            "\"张三\"邀请\"李四\"加入了群聊，群聊参与人还有：王五、赵六",
            JoinInvite,
            Some("张三"),
            &["李四"],
            None,
        ),
        (
            "\"Amy Lee\"邀请\"Tom 🐱、王五\"加入了群聊",
            JoinInvite,
            Some("Amy Lee"),
            &["Tom 🐱", "王五"],
            None,
        ),
        (
            "\"张三\"邀请\"李四\"、\"王五\"加入了群聊",
            JoinInvite,
            Some("张三"),
            &["李四", "王五"],
            None,
        ),
        // QR joins
        (
            "\"李四\"通过扫描\"张三\"分享的二维码加入群聊",
            JoinQr,
            Some("张三"),
            &["李四"],
            None,
        ),
        (
            "\"李四\"通过扫描你分享的二维码加入群聊",
            JoinQr,
            None,
            &["李四"],
            None,
        ),
        // kicks
        ("你将\"李四\"移出了群聊", Kick, None, &["李四"], None),
        ("你被\"张三\"移出群聊", Kick, Some("张三"), &["你"], None),
        (
            "\"张三\"将\"李四\"移出了群聊",
            Kick,
            Some("张三"),
            &["李四"],
            None,
        ),
        // renames
        (
            "\"张三\"修改群名为“读书会 2024 🌟”",
            Rename,
            Some("张三"),
            &[],
            Some("读书会 2024 🌟"),
        ),
        ("你修改群名为“新名字”", Rename, None, &[], Some("新名字")),
        // revokes
        ("\"张三\" 撤回了一条消息", Revoke, Some("张三"), &[], None),
        ("你撤回了一条消息", Revoke, None, &[], None),
        (
            "<revokemsg>\"王 五\" 撤回了一条消息</revokemsg>",
            Revoke,
            Some("王 五"),
            &[],
            Some("\"王 五\" 撤回了一条消息"),
        ),
        // English client
        (
            "\"Amy\" invited \"Bob, Carol\" to the group chat",
            JoinInvite,
            Some("Amy"),
            &["Bob", "Carol"],
            None,
        ),
        (
            "\"Amy\" invited \"Bob\" to join the group chat",
            JoinInvite,
            Some("Amy"),
            &["Bob"],
            None,
        ),
        (
            "You invited \"Bob\" to the group chat",
            JoinInvite,
            None,
            &["Bob"],
            None,
        ),
        (
            "\"Amy\" invited you and \"Bob\" to the group chat",
            JoinInvite,
            Some("Amy"),
            &["你", "Bob"],
            None,
        ),
        (
            "\"Bob\" joined the group chat via the QR code shared by \"Amy\"",
            JoinQr,
            Some("Amy"),
            &["Bob"],
            None,
        ),
        (
            "\"Bob\" joined the group chat via the QR Code shared by you",
            JoinQr,
            None,
            &["Bob"],
            None,
        ),
        (
            "You removed \"Bob\" from the group chat",
            Kick,
            None,
            &["Bob"],
            None,
        ),
        (
            "\"Amy\" removed you from the group chat",
            Kick,
            Some("Amy"),
            &["你"],
            None,
        ),
        (
            "\"Amy\" removed \"Bob\" from the group chat",
            Kick,
            Some("Amy"),
            &["Bob"],
            None,
        ),
        (
            "\"Amy\" changed the group name to \"Book Club\"",
            Rename,
            Some("Amy"),
            &[],
            Some("Book Club"),
        ),
        (
            "You changed the group name to \"读书会\"",
            Rename,
            None,
            &[],
            Some("读书会"),
        ),
        ("\"Amy\" recalled a message", Revoke, Some("Amy"), &[], None),
        ("You recalled a message", Revoke, None, &[], None),
    ];

    #[test]
    fn system_text_table() {
        for &(text, kind, actor, targets, detail) in TABLE {
            let got = parse_system_text(text);
            let want_detail = detail.map_or_else(|| text.to_string(), str::to_string);
            assert_eq!(
                got,
                Some((kind, actor.map(str::to_string), v(targets), want_detail)),
                "{text}"
            );
        }
    }

    #[test]
    fn not_understood() {
        for text in [
            "",
            "   ",
            "\"张三\"与群里其他人都不是朋友关系，请注意隐私安全",
            "\"李四\"拍了拍\"张三\"",
            "群公告：本周六 20:00 直播",
            "以上是打招呼的内容",
            "张三邀请李四加入了群聊",
            "\"张三\"邀请\"李四\"加入了群聊吗",
            "\"Amy\" left the group chat",
        ] {
            assert_eq!(parse_system_text(text), None, "{text}");
        }
    }

    #[test]
    fn xml_revoke_with_cdata() {
        let xml = "<sysmsg type=\"revokemsg\"><revokemsg><session>x@chatroom</session>\
                   <replacemsg><![CDATA[\"张三\" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>";
        let (kind, actor, _, detail) = parse_system_text(xml).unwrap();
        assert_eq!(
            (kind, actor.as_deref(), detail.as_str()),
            (Revoke, Some("张三"), "\"张三\" 撤回了一条消息")
        );
    }
}
