//! Where things live and who is asking: the database path (`--db`, `SHEQUN_DB`, the XDG
//! default), the UI language, the team's zone, the operator's OS login, the log file,
//! and the personal rule and keyword files from before team settings (told about once).

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::i18n::Lang;

/// The OS login of the person running shequn: who the store checks roles for and the
/// name written to the audit log. It is the *real* uid's entry in the password
/// database — never `$USER` or a flag, which anyone can set, and not the effective uid,
/// which a setgid/setuid install changes — so roles hold and the audit log names the
/// account that really made the change. A uid without an entry (a container's
/// arbitrary uid) is `uid1234`: still that account, and never someone else's name.
pub fn operator_login() -> String {
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    crate::disk::login_of(uid).unwrap_or_else(|| format!("uid{uid}"))
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "shequn")
}

/// `$XDG_DATA_HOME/shequn/shequn.db`.
pub fn default_db_path() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from("shequn.db"),
        |d| d.data_dir().join("shequn.db"),
    )
}

/// `$XDG_CONFIG_HOME/shequn/`: personal preferences (`keymap.toml`).
pub fn config_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().to_path_buf())
}

/// `$XDG_STATE_HOME/shequn/` (falls back to the data dir where there is no state dir).
pub fn log_dir() -> PathBuf {
    project_dirs().map_or_else(std::env::temp_dir, |d| {
        d.state_dir()
            .map_or_else(|| d.data_dir().to_path_buf(), ToOwned::to_owned)
    })
}

/// `--db` wins, then `SHEQUN_DB` (clap reads it into the same flag), then XDG.
pub fn resolve_db(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(default_db_path)
}

/// `--lang` wins; otherwise zh when `LANG` (or `LC_ALL`) starts with `zh`, else en.
pub fn resolve_lang(flag: Option<Lang>) -> Lang {
    if let Some(l) = flag {
        return l;
    }
    let env = std::env::var("LC_ALL")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    if env.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// The team's zone: `SHEQUN_TZ` (an IANA name) or Asia/Shanghai.
pub fn team_tz() -> Result<Tz, String> {
    match std::env::var("SHEQUN_TZ") {
        Ok(name) if !name.is_empty() => name.parse::<Tz>().map_err(|_| {
            format!("SHEQUN_TZ={name:?} is not an IANA time zone such as Asia/Shanghai")
        }),
        _ => Ok(crate::clock::DEFAULT_TZ),
    }
}

/// Send `tracing` to `$XDG_STATE_HOME/shequn/shequn.log` (never to the terminal: the
/// console owns it). Level from `SHEQUN_LOG` (default `info`). If the file cannot be
/// opened shequn runs without a log rather than refusing to start.
pub fn init_logging() {
    let dir = log_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("shequn.log"))
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHEQUN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

/// Personal rule and keyword files from before team settings (issue 12): a
/// `config.toml` that holds keys of `data/rules.toml`, and `keywords/<list>.txt`. They
/// no longer apply — the team's settings live in its database — and are said so once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// `config.toml`, when it holds rule keys (or cannot be read as TOML at all).
    pub config: Option<PathBuf>,
    /// The keyword files found, with their list.
    pub keywords: Vec<(crate::domain::keywords::Category, PathBuf)>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.config.is_none() && self.keywords.is_empty()
    }

    /// Every file found.
    pub fn paths(&self) -> Vec<&Path> {
        self.config
            .iter()
            .map(PathBuf::as_path)
            .chain(self.keywords.iter().map(|(_, p)| p.as_path()))
            .collect()
    }
}

/// The personal files from before in `$XDG_CONFIG_HOME/shequn/`.
pub fn leftovers() -> Leftovers {
    config_dir().map(|d| leftovers_in(&d)).unwrap_or_default()
}

/// The personal files from before in `dir`. Preferences (`keymap.toml`, a `config.toml`
/// without rule keys) are not leftovers: they stay personal.
pub fn leftovers_in(dir: &Path) -> Leftovers {
    use crate::domain::keywords::Category;
    let config = dir.join("config.toml");
    let holds_rules = std::fs::read_to_string(&config).is_ok_and(|text| {
        match toml::from_str::<toml::Table>(&text) {
            Ok(t) => {
                let sections: Vec<String> = crate::domain::settings::known_keys()
                    .into_iter()
                    .filter_map(|k| k.split('.').next().map(ToString::to_string))
                    .collect();
                t.keys().any(|k| sections.contains(k))
            }
            // not TOML: it cannot apply either, and its import will say where it breaks
            Err(_) => true,
        }
    });
    Leftovers {
        config: holds_rules.then_some(config),
        keywords: Category::ALL
            .into_iter()
            .map(|c| (c, dir.join("keywords").join(format!("{}.txt", c.word()))))
            .filter(|(_, p)| p.is_file())
            .collect(),
    }
}

/// The file in the state dir that remembers which leftovers were told about.
const TOLD: &str = "personal-settings-told";

/// Whether `found` is news — a file not told about before — and if so, remember that it
/// was told now (in `state_dir`, the personal state). Once said, a file is not said
/// again; a new one is.
pub fn tell_once(state_dir: &Path, found: &Leftovers) -> bool {
    if found.is_empty() {
        return false;
    }
    let marker = state_dir.join(TOLD);
    let told = std::fs::read_to_string(&marker).unwrap_or_default();
    let paths: Vec<String> = found
        .paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if paths.iter().all(|p| told.lines().any(|l| l == p)) {
        return false;
    }
    let mut all: Vec<&str> = told.lines().filter(|l| !l.is_empty()).collect();
    for p in &paths {
        if !all.contains(&p.as_str()) {
            all.push(p);
        }
    }
    let written = std::fs::create_dir_all(state_dir)
        .and_then(|()| std::fs::write(&marker, format!("{}\n", all.join("\n"))));
    if let Err(e) = written {
        // said now all the same; it will be said again next time
        tracing::warn!("{}: {e}", marker.display());
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_login_is_the_real_uids_and_not_the_environments() {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let login = super::operator_login();
        assert!(!login.is_empty());
        assert_eq!(
            crate::disk::login_of(uid).unwrap_or(format!("uid{uid}")),
            login
        );
        // an id nobody has: no name (the caller then says uid…)
        assert_eq!(crate::disk::login_of(4_000_000_123), None);
    }

    #[test]
    fn personal_rule_and_keyword_files_are_found_and_told_about_once() {
        use crate::domain::keywords::Category;
        let dir = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        // nothing there, or preferences only: nothing to say
        assert!(super::leftovers_in(dir.path()).is_empty());
        std::fs::write(dir.path().join("keymap.toml"), "[global]\n").unwrap();
        std::fs::write(dir.path().join("config.toml"), "theme = \"dark\"\n").unwrap();
        let none = super::leftovers_in(dir.path());
        assert!(none.is_empty(), "{none:?}");
        assert!(!super::tell_once(state.path(), &none));
        // rule keys and a keyword file
        std::fs::write(
            dir.path().join("config.toml"),
            "[kpi.dau_rate]\nalarm = 0.1\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("keywords")).unwrap();
        std::fs::write(dir.path().join("keywords/ad.txt"), "代写\n").unwrap();
        let found = super::leftovers_in(dir.path());
        assert_eq!(found.config, Some(dir.path().join("config.toml")));
        assert_eq!(
            found.keywords,
            [(Category::Ad, dir.path().join("keywords/ad.txt"))]
        );
        assert!(super::tell_once(state.path(), &found));
        assert!(!super::tell_once(state.path(), &found), "said once");
        // a new file is news again
        std::fs::write(dir.path().join("keywords/fraud.txt"), "刷单\n").unwrap();
        let more = super::leftovers_in(dir.path());
        assert!(super::tell_once(state.path(), &more));
        assert!(!super::tell_once(state.path(), &more));
        // a file that is not TOML cannot apply either
        std::fs::write(dir.path().join("config.toml"), "[kpi\n").unwrap();
        assert!(super::leftovers_in(dir.path()).config.is_some());
    }
}
