//! The bad-input harness (issue 13): every import fixture in `tests/fixtures/import/`
//! mutated — truncations (inside quotes too), flipped bytes, invalid UTF-8, a 5 MB field,
//! empty, BOM only, binary, mixed line ends, JSON cut mid-object, 10,000-deep JSON, and
//! random edits drawn by proptest from a fixed seed — and run through the real binary
//! (`import chat`, `import members`, `import orders`, `import stats`, as fits the file).
//! Every run must exit 0 or 1 (never 2, a panic or a signal), say `file:line:` when it
//! exits 1, leave the database byte for byte as it was when it exits 1, and end before
//! its timeout.
//!
//! Shared by `tests/it/badinput.rs` (CI: the fixed mutations of every fixture and a
//! small proptest budget) and `benches/badinput.rs` (many more random cases; prints the
//! counts), each including this file by path.

// each includer uses its own part of this file
#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// The instant the runs pin (`SHEQUN_NOW`), as the integration tests do.
pub const NOW: &str = "2026-03-02T08:25:00";

/// The group every import goes to (the fixtures are one group's).
pub const GROUP: &str = "读书会";

/// The fixed seed of the random cases: the same files on every run and machine.
pub const SEED: [u8; 32] = *b"shequn issue 13 bad input harnes";

/// What a fixture is imported with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chat,
    /// `mapped.csv`: a CSV with `--from csv --map …`.
    MappedChat,
    Members,
    Orders,
    Stats,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "mapped.csv" => Kind::MappedChat,
            n if n.starts_with("roster") => Kind::Members,
            n if n.starts_with("orders") => Kind::Orders,
            n if n.starts_with("stats") => Kind::Stats,
            n if n.ends_with(".csv") || n.ends_with(".json") || n.ends_with(".jsonl") => Kind::Chat,
            _ => return None,
        })
    }

    /// The command line before the file, and after it.
    fn args(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Chat => (&["import", "chat"], &["--group", GROUP]),
            Kind::MappedChat => (
                &["import", "chat"],
                &[
                    "--group",
                    GROUP,
                    "--from",
                    "csv",
                    "--map",
                    "time=时间,sender=发送人,content=内容",
                ],
            ),
            // --force: the roster guard would refuse a mutated roster that drops
            // members (a refusal without a line); the parser is what is tested here
            Kind::Members => (&["import", "members"], &["--group", GROUP, "--force"]),
            Kind::Orders => (&["import", "orders"], &[]),
            Kind::Stats => (&["import", "stats"], &["--group", GROUP]),
        }
    }

    pub fn is_json(name: &str) -> bool {
        name.ends_with(".json") || name.ends_with(".jsonl")
    }
}

/// One fixture: its file name, bytes and how it is imported.
#[derive(Debug, Clone)]
pub struct Seed {
    pub name: String,
    pub bytes: Vec<u8>,
    pub kind: Kind,
}

/// Every import fixture, in name order.
pub fn seeds(dir: &Path) -> Vec<Seed> {
    let mut out: Vec<Seed> = std::fs::read_dir(dir)
        .expect("the fixtures directory")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            let kind = Kind::of(&name)?;
            Some(Seed {
                bytes: std::fs::read(&path).ok()?,
                name,
                kind,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

// ---------------------------------------------------------------- the fixed mutations

/// Offsets just after each `"` that opens a quoted CSV field (at the start of the
/// file, after a `,` or a line break).
fn quote_openings(b: &[u8]) -> Vec<usize> {
    (0..b.len())
        .filter(|&i| b[i] == b'"' && (i == 0 || matches!(b[i - 1], b',' | b'\n' | b'\r')))
        .map(|i| i + 1)
        .collect()
}

/// The nearest char boundary at or after `i` (bytes that are not UTF-8 continuation
/// bytes).
fn boundary(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] & 0xC0) == 0x80 {
        i += 1;
    }
    i
}

/// A fixed mutation: its name, the bytes, and whether it must be refused (exit 1): a
/// file cut inside a quoted field or mid-object, an unclosed quote at the end, a roster
/// with no rows — never a record, never an import that marks everyone as left.
pub struct Mutant {
    pub what: String,
    pub bytes: Vec<u8>,
    pub must_refuse: bool,
}

/// The fixed mutations of a fixture: what CI runs for every fixture.
pub fn fixed(seed: &Seed) -> Vec<Mutant> {
    let must_refuse = |what: &str| {
        what.starts_with("cut-in-")
            || what == "json-cut-mid-object"
            || what == "csv-unclosed-quote-at-end"
            || (what == "header-only" && seed.kind == Kind::Members)
    };
    mutations(seed)
        .into_iter()
        .map(|(what, bytes)| Mutant {
            must_refuse: must_refuse(&what),
            what,
            bytes,
        })
        .collect()
}

fn mutations(seed: &Seed) -> Vec<(String, Vec<u8>)> {
    let b = &seed.bytes;
    let n = b.len();
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("bom-only".into(), b"\xEF\xBB\xBF".to_vec()),
        ("whitespace".into(), b" \n\r\n\t\n".to_vec()),
    ];
    for (label, at) in [
        ("cut-1", 1),
        ("cut-quarter", n / 4),
        ("cut-half", n / 2),
        ("cut-3/4", 3 * n / 4),
        ("cut-last-byte", n.saturating_sub(1)),
    ] {
        out.push((label.into(), b[..at.min(n)].to_vec()));
    }
    // the header alone (a CSV's first line)
    if !Kind::is_json(&seed.name) {
        let end = b.iter().position(|&c| c == b'\n').map_or(n, |i| i + 1);
        out.push(("header-only".into(), b[..end].to_vec()));
    }
    // inside quotes: a few bytes after the first, middle and last opening quote
    let opens = quote_openings(b);
    for (label, i) in [
        ("cut-in-first-quote", opens.first()),
        ("cut-in-middle-quote", opens.get(opens.len() / 2)),
        ("cut-in-last-quote", opens.last()),
    ] {
        if let Some(&i) = i {
            out.push((label.into(), b[..(i + 3).min(n)].to_vec()));
        }
    }
    // flipped bytes: a bit that turns letters into other letters, the high bit, all
    for (label, mask, at) in [
        ("flip-0x20-middle", 0x20u8, n / 2),
        ("flip-0x80-third", 0x80, n / 3),
        ("flip-0xff-2/3", 0xFF, 2 * n / 3),
        ("flip-first-byte", 0x01, 0),
    ] {
        if at < n {
            let mut m = b.clone();
            m[at] ^= mask;
            out.push((label.into(), m));
        }
    }
    // invalid UTF-8 in the middle of a line, and a lone continuation byte
    let mid = boundary(b, n / 2);
    let mut m = b.clone();
    m.splice(mid..mid, [0xFF, 0xFE, 0xC0]);
    out.push(("invalid-utf8".into(), m));
    let mut m = b.clone();
    m.splice(mid..mid, [0x80]);
    out.push(("lone-continuation".into(), m));
    // a 5 MB field: inside the second line's text (a CSV field, a JSON string)
    let second = b.iter().position(|&c| c == b'\n').map_or(n / 2, |i| i + 1);
    let inside = if Kind::is_json(&seed.name) {
        // just after the first `": "` or `":"` past the start: inside a string value
        find(b, b"\": \"", second)
            .map(|i| i + 4)
            .or_else(|| find(b, b"\":\"", second).map(|i| i + 3))
            .unwrap_or(second)
    } else {
        // after the first comma of the second line: inside its second field
        b[second..]
            .iter()
            .position(|&c| c == b',')
            .map_or(second, |i| second + i + 2)
            .min(n)
    };
    let inside = boundary(b, inside);
    let mut m = b.clone();
    m.splice(inside..inside, std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    out.push(("5MB-field".into(), m));
    // binary: seeded noise, alone and after the real header
    let noise = Noise(0x5EED).bytes(4096);
    out.push(("binary".into(), noise.clone()));
    let mut m = b[..second.min(n)].to_vec();
    m.extend_from_slice(&noise);
    out.push(("header-then-binary".into(), m));
    let mut m = noise[..64].to_vec();
    m.push(0);
    m.extend_from_slice(b);
    out.push(("nul-prefix".into(), m));
    // mixed line ends: LF, CRLF and lone CR in turn
    let mut m = Vec::with_capacity(n + n / 20);
    let mut k = 0;
    for &c in b {
        if c == b'\n' {
            match k % 3 {
                0 => m.push(b'\n'),
                1 => m.extend_from_slice(b"\r\n"),
                _ => m.push(b'\r'),
            }
            k += 1;
        } else if c != b'\r' {
            m.push(c);
        }
    }
    out.push(("mixed-line-ends".into(), m));
    if Kind::is_json(&seed.name) {
        // cut mid-object: a few bytes into the middle `{`
        let braces: Vec<usize> = (0..n).filter(|&i| b[i] == b'{').collect();
        if let Some(&i) = braces.get(braces.len() / 2) {
            out.push(("json-cut-mid-object".into(), b[..(i + 6).min(n)].to_vec()));
        }
        // 10,000 deep, as arrays and as objects, and deep inside a real line
        let depth = 10_000;
        let mut deep = "[".repeat(depth);
        deep.push_str(&"]".repeat(depth));
        out.push(("json-10000-deep-arrays".into(), deep.clone().into_bytes()));
        let mut objects = "{\"a\":".repeat(depth);
        objects.push('1');
        objects.push_str(&"}".repeat(depth));
        out.push(("json-10000-deep-objects".into(), objects.into_bytes()));
        let mut m = b.clone();
        let at = boundary(b, inside);
        m.splice(at..at, deep.into_bytes());
        out.push(("json-deep-inside".into(), m));
    } else {
        // an opened quote that runs to the end of the file
        let mut m = b.clone();
        m.extend_from_slice(b"\"never closed,");
        out.push(("csv-unclosed-quote-at-end".into(), m));
    }
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A tiny fixed generator for the binary noise (splitmix64).
struct Noise(u64);

impl Noise {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as u8
            })
            .collect()
    }
}

// ---------------------------------------------------------------- random edits

/// One random edit of a file; positions are fractions of its length.
#[derive(Debug, Clone)]
pub enum Edit {
    Truncate(f64),
    Flip(f64, u8),
    Insert(f64, Vec<u8>),
    Delete(f64, usize),
    Duplicate(f64, usize),
}

impl Edit {
    fn apply(&self, b: &mut Vec<u8>) {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match self {
            Edit::Truncate(f) => {
                let i = at(*f, b.len());
                b.truncate(i);
            }
            Edit::Flip(f, mask) => {
                if !b.is_empty() {
                    let i = at(*f, b.len() - 1);
                    b[i] ^= mask;
                }
            }
            Edit::Insert(f, bytes) => {
                let i = at(*f, b.len());
                b.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete(f, n) => {
                let i = at(*f, b.len());
                let j = (i + n).min(b.len());
                b.drain(i..j);
            }
            Edit::Duplicate(f, n) => {
                let i = at(*f, b.len());
                let j = (i + n).min(b.len());
                let copy = b[i..j].to_vec();
                b.splice(j..j, copy);
            }
        }
    }
}

/// Bytes that mean something to a CSV or JSON reader, and some that are not UTF-8.
fn special_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        Just(b'"'),
        Just(b','),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b':'),
        Just(b'\\'),
        Just(0u8),
        Just(0xFFu8),
        Just(0xE4u8),
        Just(0x80u8),
        any::<u8>(),
    ];
    proptest::collection::vec(byte, 1..24)
}

fn edit() -> impl Strategy<Value = Edit> {
    let frac = 0.0..1.0f64;
    prop_oneof![
        frac.clone().prop_map(Edit::Truncate),
        (frac.clone(), 1..=255u8).prop_map(|(f, m)| Edit::Flip(f, m)),
        (frac.clone(), special_bytes()).prop_map(|(f, b)| Edit::Insert(f, b)),
        (frac.clone(), 1..200usize).prop_map(|(f, n)| Edit::Delete(f, n)),
        (frac, 1..400usize).prop_map(|(f, n)| Edit::Duplicate(f, n)),
    ]
}

/// A random case: which fixture (an index into [`seeds`]) and one to four edits.
pub fn case(n_seeds: usize) -> impl Strategy<Value = (usize, Vec<Edit>)> {
    (0..n_seeds, proptest::collection::vec(edit(), 1..5))
}

/// A fixture with its edits applied.
pub fn edited(seed: &Seed, edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.bytes.clone();
    for e in edits {
        e.apply(&mut b);
    }
    b
}

/// A proptest runner on the fixed seed, for `cases` cases, without a file of past
/// failures (the seed makes them repeat anyway).
pub fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        // every shrink step runs the binary: a few dozen are enough to make it small
        max_shrink_iters: 64,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED))
}

/// `n` random cases from the fixed seed, without running them (the bench tallies them
/// itself rather than stopping at the first failure).
pub fn draw(n: usize, n_seeds: usize) -> Vec<(usize, Vec<Edit>)> {
    let mut r = runner(1);
    let strategy = case(n_seeds);
    (0..n)
        .filter_map(|_| strategy.new_tree(&mut r).ok().map(|t| t.current()))
        .collect()
}

// ---------------------------------------------------------------- running

/// A database with the fixtures' group, and the binary to run against copies of it.
pub struct Harness {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pristine: PathBuf,
    pristine_bytes: Vec<u8>,
    pub timeout: Duration,
    runs: std::cell::Cell<u64>,
}

/// What one run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stderr: String,
    /// The database file after the run is the one before, byte for byte (and no `-wal`
    /// with content is left).
    pub db_unchanged: bool,
    pub elapsed: Duration,
    /// The file as named on the command line (what a `file:line:` starts with).
    pub label: String,
}

impl Outcome {
    pub fn panicked(&self) -> bool {
        self.stderr.contains("panicked at") || self.code == Some(101)
    }

    /// Why this run breaks the harness's rules, if it does; `must_refuse`: only exit 1
    /// is right (a cut file).
    pub fn fault_when(&self, must_refuse: bool) -> Option<String> {
        if must_refuse && self.code == Some(0) {
            return Some("a cut file was imported (exit 0): it must be refused".into());
        }
        self.fault()
    }

    /// Why this run breaks the harness's rules, if it does.
    pub fn fault(&self) -> Option<String> {
        if self.timed_out {
            return Some("hung: no exit before the timeout".into());
        }
        if let Some(sig) = self.signal {
            return Some(format!("killed by signal {sig}"));
        }
        if self.panicked() {
            return Some(format!("panicked: {}", self.stderr.trim()));
        }
        match self.code {
            Some(0) => None,
            Some(1) => {
                if !has_file_line(&self.stderr, &self.label) {
                    return Some(format!("exit 1 without file:line: {}", self.stderr.trim()));
                }
                if !self.db_unchanged {
                    return Some(format!(
                        "exit 1 changed the database: {}",
                        self.stderr.trim()
                    ));
                }
                None
            }
            other => Some(format!("exit {other:?}: {}", self.stderr.trim())),
        }
    }
}

/// Whether `stderr` names `label:LINE:`.
fn has_file_line(stderr: &str, label: &str) -> bool {
    let pat = format!("{label}:");
    stderr.match_indices(&pat).any(|(i, m)| {
        let rest = &stderr[i + m.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    })
}

impl Harness {
    /// `shequn init` plus the fixtures' group, the pristine database every run copies.
    pub fn new(bin: &Path, timeout: Duration) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let pristine = dir.path().join("pristine.db");
        let h = Harness {
            bin: bin.to_path_buf(),
            pristine: pristine.clone(),
            pristine_bytes: Vec::new(),
            dir,
            timeout,
            runs: std::cell::Cell::new(0),
        };
        for args in [
            vec!["init"],
            vec!["group", "add", GROUP, "--kind", "知识型"],
            // judge the KPIs once, so no run's first command does it
            vec!["kpi"],
        ] {
            let out = h
                .command()
                .args(&args)
                .arg("--db")
                .arg(&pristine)
                .output()
                .expect("the binary runs");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let bytes = std::fs::read(&pristine).expect("the pristine database");
        Harness {
            pristine_bytes: bytes,
            ..h
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("SHEQUN_NOW", NOW)
            .env_remove("SHEQUN_DB")
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config-none"))
            .stdin(Stdio::null());
        c
    }

    /// Import `bytes` as the fixture `seed` would be, into a fresh copy of the
    /// pristine database.
    pub fn run(&self, seed: &Seed, bytes: &[u8]) -> Outcome {
        let n = self.runs.get();
        self.runs.set(n + 1);
        let case = self.dir.path().join(format!("case{n}"));
        std::fs::create_dir(&case).expect("case dir");
        let file = case.join(&seed.name);
        std::fs::write(&file, bytes).expect("write the case");
        let db = case.join("t.db");
        std::fs::copy(&self.pristine, &db).expect("copy the database");
        let (before, after) = seed.kind.args();
        let started = Instant::now();
        let mut child = self
            .command()
            .args(before)
            .arg(&file)
            .args(after)
            .args(["--lang", "en", "--db"])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        // stderr is read on a thread, so a chatty child never blocks on a full pipe
        let mut pipe = child.stderr.take().expect("piped stderr");
        let reader = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = pipe.read_to_end(&mut s);
            s
        });
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > self.timeout => {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait().ok();
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(3)),
                Err(_) => break None,
            }
        };
        let elapsed = started.elapsed();
        let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
        let wal = PathBuf::from(format!("{}-wal", db.display()));
        let wal_empty = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
        let db_unchanged =
            wal_empty && std::fs::read(&db).is_ok_and(|now| now == self.pristine_bytes);
        let _ = std::fs::remove_dir_all(&case);
        Outcome {
            code: status.and_then(|s| s.code()),
            signal: status.and_then(|s| s.signal()),
            timed_out,
            stderr,
            db_unchanged,
            elapsed,
            label: file.display().to_string(),
        }
    }
}

/// Counts over many runs, as the bench prints them.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub runs: u64,
    pub exit0: u64,
    pub exit1: u64,
    pub other_exit: u64,
    pub panics: u64,
    pub signals: u64,
    pub hangs: u64,
    /// Refusals (exit 1) that left the database byte-identical.
    pub identical_on_refusal: u64,
    pub with_file_line: u64,
    /// Cases that must be refused (a cut file), and how many were.
    pub must_refuse: u64,
    pub refused_as_required: u64,
    pub faults: Vec<String>,
    pub slowest: Duration,
}

impl Tally {
    pub fn add(&mut self, what: &str, o: &Outcome) {
        self.add_case(what, o, false);
    }

    /// [`Tally::add`] for a case that must be refused.
    pub fn add_case(&mut self, what: &str, o: &Outcome, must_refuse: bool) {
        self.runs += 1;
        self.slowest = self.slowest.max(o.elapsed);
        if o.timed_out {
            self.hangs += 1;
        } else if o.signal.is_some() {
            self.signals += 1;
        } else if o.panicked() {
            self.panics += 1;
        } else {
            match o.code {
                Some(0) => self.exit0 += 1,
                Some(1) => {
                    self.exit1 += 1;
                    if o.db_unchanged {
                        self.identical_on_refusal += 1;
                    }
                    if has_file_line(&o.stderr, &o.label) {
                        self.with_file_line += 1;
                    }
                }
                _ => self.other_exit += 1,
            }
        }
        if must_refuse {
            self.must_refuse += 1;
            if o.code == Some(1) {
                self.refused_as_required += 1;
            }
        }
        if let Some(f) = o.fault_when(must_refuse) {
            self.faults.push(format!("{what}: {f}"));
        }
    }
}
