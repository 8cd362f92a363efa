//! Where things live and who is asking: the database path (`--db`, `SHEQUN_DB`, the XDG
//! default), the UI language, the team's zone, the operator's OS login, the log file.

use std::path::PathBuf;

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
    login_of(uid).unwrap_or_else(|| format!("uid{uid}"))
}

/// The login name of `uid` from the password database (thread-safe getpwuid_r).
fn login_of(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill in.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the right type, and the buffer's
        // length is passed with it; getpwuid_r writes only within them.
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pwd,
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            // a long entry (many groups in NSS): try again with more room
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points to a NUL-terminated string inside `buf`,
        // which is still alive here.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        let name = name.to_string_lossy().into_owned();
        return (!name.is_empty()).then_some(name);
    }
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

/// `$XDG_CONFIG_HOME/shequn/`: user overrides of the shipped `data/` defaults.
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

/// `data/rules.toml` with the user's `$XDG_CONFIG_HOME/shequn/config.toml` layered on
/// top: a key set there replaces the shipped one, everything else keeps its default.
pub fn rules() -> Result<crate::domain::rules::Rules, String> {
    let path = config_dir().map(|d| d.join("config.toml"));
    let user = match &path {
        Some(p) if p.exists() => {
            Some(std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        _ => None,
    };
    let at = path.map(|p| p.display().to_string()).unwrap_or_default();
    rules_with(user.as_deref()).map_err(|e| format!("{at}: {e}"))
}

/// The shipped rules with `user` (a config file's text) merged over them.
pub fn rules_with(user: Option<&str>) -> Result<crate::domain::rules::Rules, String> {
    let mut base: toml::Value =
        toml::from_str(crate::domain::SHIPPED_RULES).map_err(|e| e.to_string())?;
    if let Some(u) = user {
        let over: toml::Value = toml::from_str(u).map_err(|e| e.to_string())?;
        merge(&mut base, over);
    }
    base.try_into().map_err(|e: toml::de::Error| e.to_string())
}

/// The shipped keyword lists (`data/keywords/`) with the user's words added from
/// `$XDG_CONFIG_HOME/shequn/keywords/<category>.txt` (ad, fraud, sensitive; same format).
pub fn keywords() -> Result<crate::domain::keywords::Keywords, String> {
    keywords_from(config_dir().map(|d| d.join("keywords")).as_deref())
}

/// The shipped lists plus those found in `dir`.
pub fn keywords_from(
    dir: Option<&std::path::Path>,
) -> Result<crate::domain::keywords::Keywords, String> {
    use crate::domain::keywords::{Category, Keywords};
    let mut lists: Vec<(Category, String)> = Category::ALL
        .into_iter()
        .map(|c| (c, c.shipped_list().to_string()))
        .collect();
    if let Some(dir) = dir {
        for c in Category::ALL {
            let p = dir.join(format!("{}.txt", c.word()));
            if p.exists() {
                let text =
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                lists.push((c, text));
            }
        }
    }
    let refs: Vec<(Category, &str)> = lists.iter().map(|(c, t)| (*c, t.as_str())).collect();
    Ok(Keywords::from_lists(&refs))
}

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_login_is_the_real_uids_and_not_the_environments() {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let login = super::operator_login();
        assert!(!login.is_empty());
        assert_eq!(super::login_of(uid).unwrap_or(format!("uid{uid}")), login);
        // an id nobody has: no name (the caller then says uid…)
        assert_eq!(super::login_of(4_000_000_123), None);
    }

    #[test]
    fn user_config_overrides_only_what_it_names() {
        let r = super::rules_with(Some("[kpi.dau_rate]\nalarm = 0.1\n")).unwrap();
        assert!((r.kpi.dau_rate.alarm - 0.1).abs() < 1e-9);
        assert!((r.kpi.dau_rate.target - 0.25).abs() < 1e-9);
        assert!(super::rules_with(Some("[kpi.dau_rate]\nalarm = \"low\"\n")).is_err());
    }

    #[test]
    fn content_rules_take_overrides_and_a_file_without_them_still_loads() {
        let r =
            super::rules_with(Some("[content]\nmix = \"721\"\nmax_pushes_per_day = 2\n")).unwrap();
        assert_eq!(r.content.mix, "721");
        assert_eq!(r.content.max_pushes_per_day, 2);
        assert!((r.content.target().unwrap().engage - 0.9).abs() < 1e-9);
        assert!(r.content.review_by_other, "the rest keeps its default");
        // a rules file from before the content queue (no [content] at all)
        let old = crate::domain::SHIPPED_RULES
            .split("\n[content]")
            .next()
            .unwrap();
        let r = crate::domain::rules::Rules::parse(old).unwrap();
        assert_eq!(r.content.max_pushes_per_day, 3);
    }

    #[test]
    fn user_keywords_are_added_to_the_shipped_lists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ad.txt"), "# ours\n团购接龙外链\n").unwrap();
        let k = super::keywords_from(Some(dir.path())).unwrap();
        let shipped = super::keywords_from(None).unwrap();
        assert_eq!(k.len(), shipped.len() + 1);
        let hits = k.find("这里有团购接龙外链,加我微信");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].word, "团购接龙外链");
    }
}
