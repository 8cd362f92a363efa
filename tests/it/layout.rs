//! The source tree's layout rules, read from `src/` itself (README, "Development"):
//! * SQL lives in `src/store/` only (the demo generator aside): no `rusqlite` and no SQL
//!   statement in a string literal anywhere else, so change signals and roles are
//!   enforced in one place;
//! * no two modules import each other: compared where their paths diverge (`domain::kpi`
//!   vs `domain::rules`, `commands` vs `console`), references may go one way only. A
//!   parent and its own child files are one unit;
//! * the commands say what a person reads from the language files: no English text in
//!   a `UserError`, `anyhow!`, `bail!` or error context in `src/commands/`, `ctx.rs`
//!   and `main.rs` (issue 14: zh throughout).
//!
//! The checks work on the text with comments removed and string literals set apart by a
//! small lexer (no parser dependency); their own tests below prove they catch what they
//! are for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where SQL may live: the store, and the demo generator (which writes a whole database
/// in bulk, in its own transaction).
const SQL_HOMES: &[&str] = &["store/", "demo/"];

/// Words that start an SQL statement, as they would start a line of a string literal.
const SQL_WORDS: &[&str] = &[
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE INDEX",
    "ALTER TABLE",
    "PRAGMA ",
];

// --- the lexer ----------------------------------------------------------------------

/// One source file split into code and string literals.
#[derive(Debug, Default)]
struct Lexed {
    /// The code with comments removed and every literal's contents blanked (quotes kept,
    /// newlines kept so lines still count).
    code: String,
    /// (line, contents as written between the quotes) of every string literal.
    strings: Vec<(usize, String)>,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Lexed {
    let s: Vec<char> = src.chars().collect();
    let mut out = Lexed::default();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    while i < s.len() {
        let c = s[i];
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == '*' {
            // block comments nest in Rust
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                        out.code.push('\n');
                    }
                    i += 1;
                }
            }
            continue;
        }
        // raw strings: r"…", r#"…"#, br"…" (not a raw identifier such as r#type)
        let raw_at = if !prev_ident && c == 'r' {
            Some(i + 1)
        } else if !prev_ident && c == 'b' && at(i + 1) == 'r' {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_at {
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) == '"' {
                let start_line = line;
                let mut text = String::new();
                j += 1;
                loop {
                    if j >= s.len() {
                        break;
                    }
                    if s[j] == '"' && (1..=hashes).all(|h| at(j + h) == '#') {
                        j += 1 + hashes;
                        break;
                    }
                    if s[j] == '\n' {
                        line += 1;
                        out.code.push('\n');
                    }
                    text.push(s[j]);
                    j += 1;
                }
                out.code.push_str("\"\"");
                out.strings.push((start_line, text));
                i = j;
                continue;
            }
        }
        if c == '"' {
            let start_line = line;
            let mut text = String::new();
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                if s[j] == '\\' {
                    text.push(s[j]);
                    j += 1;
                }
                if let Some(&ch) = s.get(j) {
                    if ch == '\n' {
                        line += 1;
                        out.code.push('\n');
                    }
                    text.push(ch);
                }
                j += 1;
            }
            out.code.push_str("\"\"");
            out.strings.push((start_line, text));
            i = j + 1;
            continue;
        }
        if c == '\'' {
            // a char literal ('x', '\n', '\u{4e2d}', '"') or a lifetime ('a)
            if at(i + 1) == '\\' {
                // past the escaped character ('\'' too), to the closing quote
                let mut j = i + 3;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                out.code.push_str("' '");
                i = j + 1;
                continue;
            }
            if at(i + 2) == '\'' {
                out.code.push_str("' '");
                i += 3;
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        out.code.push(c);
        i += 1;
    }
    out
}

// --- SQL outside the store ----------------------------------------------------------

/// What a file must not hold outside the store: `rusqlite` in code, SQL in literals.
/// One line per finding, in line order.
fn sql_findings(file: &str, src: &str) -> Vec<String> {
    let lexed = lex(src);
    let mut found: Vec<(usize, String)> = Vec::new();
    for (n, l) in lexed.code.lines().enumerate() {
        if words(l).any(|w| w == "rusqlite") {
            found.push((n + 1, "uses rusqlite".to_string()));
        }
    }
    for (line, text) in &lexed.strings {
        // a statement starts the literal, or a line of it (also after an escaped \n)
        let starts = text
            .split('\n')
            .flat_map(|l| l.split("\\n"))
            .map(str::trim_start);
        if let Some(w) = starts
            .flat_map(|l| SQL_WORDS.iter().filter(move |w| l.starts_with(**w)))
            .next()
        {
            found.push((
                *line,
                format!("SQL in a string literal ({:?}…)", w.trim_end()),
            ));
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|(line, what)| format!("src/{file}:{line}: {what}"))
        .collect()
}

fn words(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !is_ident(c)).filter(|w| !w.is_empty())
}

fn sql_allowed(file: &str) -> bool {
    SQL_HOMES.iter().any(|home| {
        if home.ends_with('/') {
            file.starts_with(home)
        } else {
            file == *home
        }
    })
}

// --- English in the commands' errors -----------------------------------------------

/// Where the commands' errors are made: every text there comes from `crate::i18n`.
fn speaks_to_users(file: &str) -> bool {
    file.starts_with("commands/") || file == "ctx.rs" || file == "main.rs"
}

/// Calls whose first argument is what the user reads (code with whitespace removed,
/// literals blanked to `""`).
const USER_TEXT_CALLS: &[&str] = &[
    "UserError(format!(\"\"",
    "UserError(\"\"",
    "anyhow!(\"\"",
    "bail!(\"\"",
    "Error::msg(\"\"",
    ".context(\"\"",
    "with_context(||format!(\"\"",
    "with_context(||\"\"",
];

/// A literal with words in it: a letter outside the `{placeholders}` and escapes
/// (`"{}: {e}"` is no text; `"no file at {}"` is).
fn has_words(literal: &str) -> bool {
    let mut depth = 0;
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => depth = (depth - 1).max(0),
            c if depth == 0 && c.is_alphabetic() => return true,
            _ => {}
        }
    }
    false
}

/// A user-facing error made from a literal with words in it: `file:line: the text`.
fn english_findings(file: &str, src: &str) -> Vec<String> {
    let lexed = lex(src);
    let code: String = lexed.code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = Vec::new();
    for call in USER_TEXT_CALLS {
        for (at, _) in code.match_indices(call) {
            // the literal is the one whose blank ends the match: count the blanks before
            let literal_at = at + call.len() - 2;
            let index = code[..literal_at].matches("\"\"").count();
            if let Some((line, text)) = lexed.strings.get(index)
                && has_words(text)
            {
                found.push((*line, text.clone()));
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|(line, text)| format!("src/{file}:{line}: {text:?}"))
        .collect()
}

#[test]
fn the_commands_errors_come_from_the_language_files() {
    let tree = source_tree();
    let mut found = Vec::new();
    let mut seen = 0;
    for (file, src) in &tree {
        if speaks_to_users(file) {
            seen += 1;
            found.extend(english_findings(file, src));
        }
    }
    assert!(seen > 15, "only {seen} command files read");
    assert!(
        found.is_empty(),
        "a person reads these: put the text in data/i18n/{{zh,en}}.toml (`[errors]`) and \
         say it with `fill(&ctx.lang.texts().errors.…, …)`:\n{}",
        found.join("\n")
    );
}

#[test]
fn english_in_an_error_is_seen_and_texts_are_not() {
    let src = r##"
fn a(ctx: &Ctx, f: &Path) -> anyhow::Result<()> {
    let t = ctx.lang.texts();
    let ok = UserError(fill(&t.errors.read_file, &[("file", &f.display())]));
    let fine = UserError(format!("{}: {e}", f.display()));
    let bad = UserError(format!(
        "{} is not a directory",
        f.display()
    ));
    let also = UserError("a group needs a name".into());
    std::fs::read(f).with_context(|| format!("creating {}", f.display()))?;
    // UserError("in a comment")
    anyhow::bail!("no such {thing}");
    Ok(())
}
"##;
    let found = english_findings("commands/x.rs", src);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found[0].starts_with("src/commands/x.rs:7: \"{} is not"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("src/commands/x.rs:10: \"a group"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("src/commands/x.rs:11: \"creating"),
        "{found:#?}"
    );
    assert!(
        found[3].starts_with("src/commands/x.rs:13: \"no such"),
        "{found:#?}"
    );
    assert!(speaks_to_users("commands/sop.rs") && speaks_to_users("ctx.rs"));
    assert!(!speaks_to_users("store/sop.rs") && !speaks_to_users("console/worker.rs"));
}

// --- modules that import each other -------------------------------------------------

type ModPath = Vec<String>;

/// `a/b.rs` → a::b, `a/mod.rs` → a, `lib.rs` → the crate root; None for `main.rs`
/// (the binary is a crate of its own, its `crate::` is not the library's).
fn module_of(file: &str) -> Option<ModPath> {
    let stem = file.strip_suffix(".rs")?;
    if stem == "main" {
        return None;
    }
    let mut parts: ModPath = stem.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    Some(parts)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Open,
    Close,
    Comma,
    Other(char),
}

fn tokens(code: &str) -> Vec<Tok> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_ident(c) {
            let start = i;
            while i < s.len() && is_ident(s[i]) {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].iter().collect()));
            continue;
        }
        match c {
            ':' if s.get(i + 1) == Some(&':') => {
                out.push(Tok::Path);
                i += 2;
                continue;
            }
            '{' => out.push(Tok::Open),
            '}' => out.push(Tok::Close),
            ',' => out.push(Tok::Comma),
            c if c.is_whitespace() => {}
            c => out.push(Tok::Other(c)),
        }
        i += 1;
    }
    out
}

fn ident(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Ident(w)) => Some(w),
        _ => None,
    }
}

/// The paths a use tree or an expression path names, from `toks[i]` on (just after a
/// `::`), each appended to `prefix`. `{a, b::c}` groups expand; `self` names the prefix.
fn tree(toks: &[Tok], i: &mut usize, prefix: &ModPath, out: &mut Vec<ModPath>) {
    let mut path = prefix.clone();
    loop {
        match toks.get(*i) {
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        Some(_) => {
                            let before = *i;
                            tree(toks, i, &path, out);
                            // skip what a subtree leaves (`as x`), up to its end
                            while !matches!(toks.get(*i), Some(Tok::Comma | Tok::Close) | None) {
                                *i += 1;
                            }
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
            }
            Some(Tok::Ident(w)) if w == "self" => {
                *i += 1;
                out.push(path);
                return;
            }
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
                if toks.get(*i) == Some(&Tok::Path) {
                    *i += 1;
                    continue;
                }
                out.push(path);
                return;
            }
            // `*`, `<` of a turbofish, or the end
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every `crate::…` and `super::…` path in one file's code, made absolute. `super` is
/// resolved from where it is written: in an inline `mod tests { … }` it is the file's
/// own module.
fn references(module: &ModPath, code: &str) -> Vec<(ModPath, String)> {
    let toks = tokens(code);
    let mut out = Vec::new();
    // inline modules open at a brace depth: (name, depth inside it)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(name), Some(Tok::Open)) = (ident(toks.get(i + 1)), toks.get(i + 2)) {
                    inline.push((name.to_string(), depth + 1));
                }
            }
            Tok::Ident(w)
                if (w == "crate" || w == "super")
                    && toks.get(i + 1) == Some(&Tok::Path)
                    && (i == 0 || toks[i - 1] != Tok::Path) =>
            {
                let mut base: ModPath = if w == "crate" {
                    Vec::new()
                } else {
                    let mut here = module.clone();
                    here.extend(inline.iter().map(|(n, _)| n.clone()));
                    here.pop();
                    here
                };
                let mut j = i + 2;
                while ident(toks.get(j)) == Some("super") && toks.get(j + 1) == Some(&Tok::Path) {
                    base.pop();
                    j += 2;
                }
                let mut paths = Vec::new();
                tree(&toks, &mut j, &base, &mut paths);
                let written: String = paths
                    .iter()
                    .map(|p| format!("crate::{}", p.join("::")))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.extend(paths.into_iter().map(|p| (p, written.clone())));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The longest prefix of `path` that is a module of the tree (items are not modules:
/// `crate::store::Store` is a reference to `store`).
fn resolve(path: &ModPath, modules: &BTreeSet<ModPath>) -> ModPath {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
        .unwrap_or_default()
}

/// Every pair of units that reference each other, with where: one line per cycle.
fn cycles(files: &[(String, String)]) -> (Vec<String>, usize) {
    let mods: Vec<(String, ModPath, String)> = files
        .iter()
        .filter_map(|(f, src)| Some((f.clone(), module_of(f)?, lex(src).code)))
        .collect();
    let modules: BTreeSet<ModPath> = mods.iter().map(|(_, m, _)| m.clone()).collect();
    // (from unit, to unit) → "file: path" examples
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut n = 0;
    for (file, m, code) in &mods {
        for (path, written) in references(m, code) {
            let to = resolve(&path, &modules);
            // a parent and its own children are one unit
            if to.starts_with(m) || m.starts_with(&to) {
                continue;
            }
            let k = m.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let (a, b) = (m[..=k].join("::"), to[..=k].join("::"));
            n += 1;
            edges
                .entry((a, b))
                .or_default()
                .insert(format!("src/{file} uses {written}"));
        }
    }
    let mut found = Vec::new();
    for ((a, b), there) in &edges {
        if a < b
            && let Some(back) = edges.get(&(b.clone(), a.clone()))
        {
            let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join("; ");
            found.push(format!(
                "{a} ↔ {b}\n    {a} → {b}: {}\n    {b} → {a}: {}",
                list(there),
                list(back)
            ));
        }
    }
    (found, n)
}

// --- reading the tree ---------------------------------------------------------------

/// Every `.rs` file under `src/`, as (path relative to `src/` with `/`, contents).
fn source_tree() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p
                    .strip_prefix(root)
                    .expect("under src")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
                out.push((rel, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn sql_and_rusqlite_live_in_the_store_only() {
    let tree = source_tree();
    let mut outside = Vec::new();
    let mut in_store = 0;
    for (file, src) in &tree {
        let found = sql_findings(file, src);
        if file.starts_with("store/") {
            in_store += found.len();
        } else if !sql_allowed(file) {
            outside.extend(found);
        }
    }
    // the detector sees the store's own statements (it is not blind)
    assert!(
        in_store > 100,
        "only {in_store} SQL uses found in src/store/"
    );
    assert!(
        outside.is_empty(),
        "SQL belongs in src/store/ (a function there, called by the command or the \
         console); found outside it:\n{}",
        outside.join("\n")
    );
}

#[test]
fn no_two_modules_import_each_other() {
    let (found, edges) = cycles(&source_tree());
    // the reader sees the tree's references (commands → store at least)
    assert!(edges > 100, "only {edges} cross-module references found");
    assert!(
        found.is_empty(),
        "modules that import each other (break one direction: move what both need \
         below both):\n{}",
        found.join("\n")
    );
}

// --- the checks' own tests ----------------------------------------------------------

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, s)| (f.to_string(), s.to_string()))
        .collect()
}

#[test]
fn sql_is_seen_in_literals_and_not_in_comments() {
    let src = r##"
//! SELECT in a doc comment is prose
// INSERT INTO nothing
/* UPDATE t SET /* nested */ x = 1 */
fn a() { let c = '"'; let e = '\''; let q = "SELECT id FROM t"; }
fn b<'a>(x: &'a str) { let q = r#"
    WITH x AS (SELECT 1)
    DELETE FROM t"#; }
fn c() { let m = "updated"; let n = "not SQL: SELECT-ish"; let e = "a\nUPDATE t"; }
"##;
    let found = sql_findings("commands/x.rs", src);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("src/commands/x.rs:5: SQL"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("src/commands/x.rs:6: SQL"),
        "{found:#?}"
    );
    assert!(found[2].contains("\"UPDATE\""), "{found:#?}");
    let found = sql_findings("a.rs", "use rusqlite::Connection; // rusqlite\nfn x() {}");
    assert_eq!(found, ["src/a.rs:1: uses rusqlite"]);
    assert!(sql_allowed("store/sop.rs") && sql_allowed("demo/members.rs"));
    assert!(
        sql_allowed("store/sop.rs")
            && !sql_allowed("console/worker.rs")
            && !sql_allowed("commands/sop.rs")
    );
    assert!(!sql_allowed("store.rs") && !sql_allowed("demo_helpers.rs"));
}

#[test]
fn cycles_are_found_where_paths_diverge_and_parents_are_one_unit_with_children() {
    let tree = files(&[
        (
            "lib.rs",
            "pub mod app; pub mod commands; pub mod console; pub mod domain;",
        ),
        ("domain/mod.rs", "pub mod kpi; pub mod rules;"),
        ("domain/kpi.rs", "use crate::domain::rules::Rules;"),
        (
            "domain/rules.rs",
            "// use crate::app::App;\nmod tests { use super::*; }\nfn f() { super::kpi::Band::A; }",
        ),
        ("commands/mod.rs", "pub mod sop;"),
        (
            "commands/sop.rs",
            "use crate::{domain::kpi, console::{self, Ctx}};",
        ),
        (
            "console.rs",
            "pub(crate) fn f() -> crate::commands::Out { todo!() }",
        ),
        (
            "app/mod.rs",
            "mod members; use members::M; use crate::domain::rules;",
        ),
        (
            "app/members.rs",
            "use super::App; fn f() { super::super::domain::kpi::x(); }",
        ),
    ]);
    let (found, _) = cycles(&tree);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("commands ↔ console"), "{found:#?}");
    assert!(
        found[0].contains(
            "src/commands/sop.rs uses crate::domain::kpi, crate::console, crate::console::Ctx"
        ),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("domain::kpi ↔ domain::rules"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("src/domain/rules.rs uses crate::domain::kpi::Band::A"),
        "{found:#?}"
    );
}
