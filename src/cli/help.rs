//! The command line in the user's language: the clap derive types' `Command`, with
//! every command's about and every argument's help replaced from `[help]` of the
//! language file and clap's own words (Usage, Options, Commands, Print help, …) from
//! `[clap]`; and clap's refusals of bad arguments said from `[clap]` too
//! ([`error_text`]). The language is chosen before parsing as after it: `--lang`, else
//! the environment (`config::resolve_lang`).
//!
//! What clap does not let us say: the `help` command's copy of the tree (`shequn help
//! help`), value names (`<FILE>`), and the rarer refusals, which keep clap's English
//! (see [`error_text`]).

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command, CommandFactory, FromArgMatches};

use super::{ArgError, Cli};
use crate::i18n::{Lang, Texts, fill};

/// The key of a command in `[help]`: its path (`members.list`), `shequn` for the program.
fn child_key(parent: &str, name: &str) -> String {
    if parent == ROOT {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

const ROOT: &str = "shequn";

/// A text's first paragraph is the short help; the whole is the long help when there
/// is more (clap shows it for `--help`, the short one for `-h`).
fn split(text: &'static str) -> (&'static str, Option<&'static str>) {
    match text.split_once("\n\n") {
        Some((short, _)) => (short, Some(text)),
        None => (text, None),
    }
}

/// Before parsing: the language `--lang` names (`--lang zh`, `--lang=en`), else the
/// environment's. A `--lang` clap would refuse is left to clap (and said in the
/// environment's language).
pub fn lang_of(args: &[OsString]) -> Lang {
    use clap::ValueEnum;
    let mut flag = None;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(v) = value {
            flag = Lang::from_str(&v, true).ok().or(flag);
        }
    }
    crate::config::resolve_lang(flag)
}

/// The whole command tree in `lang`, built (so the help flags and the `help` command
/// exist and are said in `lang` too).
pub fn command(lang: Lang) -> Command {
    let t = lang.texts();
    let mut cmd = localise(Cli::command(), ROOT, t);
    cmd.build();
    finish(&mut cmd, t);
    cmd
}

/// Parse the command line `args` (program name first) in `lang`.
pub fn parse(lang: Lang, args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let mut cmd = command(lang);
    let matches = cmd.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.with_cmd(&cmd))
}

/// Before the tree is built: abouts, helps, headings and templates from the language.
fn localise(cmd: Command, key: &str, t: &'static Texts) -> Command {
    let c = &t.clap;
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        c.usage
    );
    let mut cmd = cmd
        .help_template(template)
        .subcommand_help_heading(c.commands.as_str())
        .subcommand_value_name(c.command_placeholder.as_str());
    if let Some(text) = t.help.get(key) {
        let (short, long) = split(text);
        cmd = cmd.about(short).long_about(long);
    }
    let key_args = key.to_string();
    cmd = cmd.mut_args(|a| localise_arg(a, &key_args, t));
    cmd.mut_subcommands(|sc| {
        let k = child_key(key, sc.get_name());
        localise(sc, &k, t)
    })
}

fn localise_arg(a: Arg, key: &str, t: &'static Texts) -> Arg {
    let c = &t.clap;
    let heading = if a.is_positional() {
        c.arguments.as_str()
    } else {
        c.options.as_str()
    };
    let mut a = a.help_heading(heading);
    // clap's `[default: …]`, `[possible values: …]` and `[env: …]`, in the language
    let mut spec = Vec::new();
    let takes_values = a.get_action().takes_values();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_values && !defaults.is_empty() && !a.is_hide_default_value_set() {
        spec.push(fill(&c.spec_default, &[("value", &defaults.join(", "))]));
        a = a.hide_default_value(true);
    }
    let values: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if takes_values && !values.is_empty() && !a.is_hide_possible_values_set() {
        spec.push(fill(&c.spec_values, &[("values", &values.join(", "))]));
        a = a.hide_possible_values(true);
    }
    if let Some(env) = a.get_env().map(|e| e.to_string_lossy().into_owned())
        && !a.is_hide_env_set()
    {
        spec.push(fill(&c.spec_env, &[("name", &env)]));
        a = a.hide_env(true);
    }
    let Some(text) = t.help.get(&format!("{key}.{}", a.get_id())) else {
        return a;
    };
    let with_spec = |s: &str| {
        if spec.is_empty() {
            s.to_string()
        } else {
            format!("{s} {}", spec.join(" "))
        }
    };
    let (short, long) = split(text);
    let a = a.help(with_spec(short));
    match long {
        Some(long) => a.long_help(with_spec(long)),
        // the derive's English long help, if any, is not shown
        None => a.long_help(None::<&'static str>),
    }
}

/// After the build: the help and version flags clap added, the `help` command, and
/// the usage line's `[OPTIONS]`.
fn finish(cmd: &mut Command, t: &'static Texts) {
    let c = &t.clap;
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim_start()
        .strip_prefix("Usage:")
        .unwrap_or(&usage)
        .trim()
        .replace("[OPTIONS]", &c.options_placeholder);
    let has_help_command = cmd.find_subcommand("help").is_some();
    let mut done =
        std::mem::take(cmd)
            .override_usage(usage)
            .mut_args(|a| match a.get_id().as_str() {
                "help" if a.get_long_help().is_some() => a
                    .help(c.print_help_more.as_str())
                    .long_help(c.print_help_summary.as_str())
                    .help_heading(c.options.as_str()),
                "help" => a
                    .help(c.print_help.as_str())
                    .help_heading(c.options.as_str()),
                "version" => a
                    .help(c.print_version.as_str())
                    .help_heading(c.options.as_str()),
                _ => a,
            });
    if has_help_command {
        done = done.mut_subcommand("help", |h| h.about(c.help_command.as_str()));
    }
    *cmd = done;
    for sc in cmd.get_subcommands_mut() {
        if sc.get_name() != "help" {
            finish(sc, t);
        }
    }
}

/// A context value as text (a list joined with ", ").
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    Some(match e.get(kind)? {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(v) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => return None,
    })
}

/// What clap says about a bad command line, in `texts`' language: the problem, a hint
/// (a similar argument or command, the values allowed), the usage line and where to
/// read more. Help and version output (and, for now, the rarer kinds of refusal:
/// `--x=` with an empty value, too few values, subcommand conflicts) keep clap's own
/// text.
pub fn error_text(texts: &Texts, e: &clap::Error) -> String {
    let c = &texts.clap;
    let get = |k| context(e, k).unwrap_or_default();
    let arg = get(ContextKind::InvalidArg);
    let value = get(ContextKind::InvalidValue);
    let mut tips = Vec::new();
    let suggestion = context(e, ContextKind::SuggestedArg)
        .or_else(|| context(e, ContextKind::SuggestedSubcommand))
        .or_else(|| context(e, ContextKind::SuggestedValue));
    if let Some(s) = suggestion {
        tips.push(fill(&c.did_you_mean, &[("suggestion", &s)]));
    }
    let message = match e.kind() {
        ErrorKind::UnknownArgument => fill(&c.unknown_argument, &[("arg", &arg)]),
        ErrorKind::InvalidSubcommand => fill(
            &c.unknown_command,
            &[("command", &get(ContextKind::InvalidSubcommand))],
        ),
        ErrorKind::InvalidValue => {
            if let Some(values) = context(e, ContextKind::ValidValue) {
                tips.push(fill(&c.possible_values, &[("values", &values)]));
            }
            fill(&c.invalid_value, &[("arg", &arg), ("value", &value)])
        }
        ErrorKind::MissingRequiredArgument => fill(&c.missing_required, &[("args", &arg)]),
        ErrorKind::MissingSubcommand => {
            if let Some(values) = context(e, ContextKind::ValidSubcommand) {
                tips.push(fill(&c.possible_values, &[("values", &values)]));
            }
            fill(
                &c.missing_command,
                &[("command", &get(ContextKind::InvalidSubcommand))],
            )
        }
        ErrorKind::ArgumentConflict => match context(e, ContextKind::PriorArg) {
            // clap's "cannot be used multiple times" is a conflict with itself
            Some(prior) if prior == arg => fill(&c.multiple_usage, &[("arg", &arg)]),
            Some(prior) => fill(&c.conflict, &[("arg", &arg), ("prior", &prior)]),
            None => fill(&c.conflict_other, &[("arg", &arg)]),
        },
        ErrorKind::ValueValidation => {
            use std::error::Error as _;
            let reason = match e.source().and_then(|s| s.downcast_ref::<ArgError>()) {
                Some(ArgError::Date(v)) => fill(&c.bad_date, &[("value", v)]),
                Some(ArgError::Role(v)) => fill(&c.bad_role, &[("value", v)]),
                // clap's or a library's own words (`0 is not in 1..=3650`)
                None => e.source().map(ToString::to_string).unwrap_or_default(),
            };
            fill(
                &c.value_validation,
                &[("arg", &arg), ("value", &value), ("reason", &reason)],
            )
        }
        ErrorKind::TooManyValues => fill(&c.too_many_values, &[("arg", &arg), ("value", &value)]),
        ErrorKind::WrongNumberOfValues => fill(&c.wrong_number_of_values, &[("arg", &arg)]),
        ErrorKind::NoEquals => fill(&c.no_equals, &[("arg", &arg)]),
        _ => return e.render().to_string(),
    };
    let mut out = fill(&c.error, &[("message", &message)]);
    out.push('\n');
    if !tips.is_empty() {
        out.push('\n');
        for tip in &tips {
            out.push_str(&fill(&c.tip, &[("text", tip)]));
            out.push('\n');
        }
    }
    if let Some(usage) = context(e, ContextKind::Usage) {
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
        out.push('\n');
        out.push_str(&format!("{} {usage}\n", c.usage));
    }
    out.push('\n');
    out.push_str(&c.more_info);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument of the derive types as (key, its English doc text),
    /// in tree order.
    fn entries() -> Vec<(String, String)> {
        fn walk(cmd: &Command, key: &str, out: &mut Vec<(String, String)>) {
            let about = cmd
                .get_long_about()
                .or(cmd.get_about())
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push((key.to_string(), about));
            for a in cmd.get_arguments() {
                let help = a
                    .get_long_help()
                    .or(a.get_help())
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out.push((format!("{key}.{}", a.get_id()), help));
            }
            for sc in cmd.get_subcommands() {
                walk(sc, &child_key(key, sc.get_name()), out);
            }
        }
        let mut out = Vec::new();
        walk(&Cli::command(), ROOT, &mut out);
        out
    }

    #[test]
    fn every_command_and_argument_has_help_in_both_languages_and_no_entry_is_stale() {
        let entries = entries();
        let keys: std::collections::BTreeSet<&str> =
            entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys.len(),
            entries.len(),
            "a command and an argument share a key"
        );
        for lang in [Lang::Zh, Lang::En] {
            let help = &lang.texts().help;
            let missing: Vec<String> = entries
                .iter()
                .filter(|(k, _)| !help.contains_key(k))
                .map(|(k, text)| format!("{k:?} = {text:?}"))
                .collect();
            assert!(
                missing.is_empty(),
                "[help] of {lang:?} lacks (with the doc text to start from):\n{}",
                missing.join("\n")
            );
            let stale: Vec<&String> = help.keys().filter(|k| !keys.contains(k.as_str())).collect();
            assert!(
                stale.is_empty(),
                "[help] of {lang:?}: no such command or argument {stale:?}"
            );
            for (k, text) in help {
                assert!(!text.trim().is_empty(), "[help] of {lang:?}: {k} is empty");
            }
        }
    }

    fn refusal(lang: Lang, args: &[&str]) -> String {
        let args: Vec<OsString> = std::iter::once("shequn")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        match parse(lang, args.clone()) {
            Ok(cli) => panic!("{args:?} parsed: {cli:?}"),
            Err(e) => {
                assert!(e.use_stderr(), "{args:?}: {e}");
                error_text(lang.texts(), &e)
            }
        }
    }

    #[test]
    fn clap_refusals_are_said_in_the_language_with_the_usage_line() {
        // (arguments, what the Chinese says)
        let cases: &[(&[&str], &str)] = &[
            (
                &["members", "list", "--tierr", "x"],
                "不认识的参数“--tierr”",
            ),
            (&["members", "list", "--tierr", "x"], "是不是想用“--tier”"),
            (&["sop", "today", "extra"], "不认识的参数“extra”"),
            (&["membrs"], "没有“membrs”这个命令"),
            (&["--format", "xml", "members", "list"], "不接受“xml”"),
            (
                &["--format", "xml", "members", "list"],
                "可用的值:table, json, csv",
            ),
            (&["members", "--readonly"], "后面要跟一个命令"),
            (&["remind", "--due", "--watch"], "不能和“--watch”一起用"),
            (&["sop", "skip", "3"], "缺少必填的参数:--reason"),
            (&["sop", "today", "--date", "昨天"], "“昨天”不是日期"),
            (
                &["operator", "add", "bob", "--role", "boss"],
                "“boss”不是角色",
            ),
            (
                &["sop", "done", "1", "--note", "a", "--note", "b"],
                "只能给一次",
            ),
            (
                &["remind", "dismiss", "--day", "3月2日", "--kind", "sop"],
                "不是日期",
            ),
        ];
        for (args, says) in cases {
            let zh = refusal(Lang::Zh, args);
            assert!(zh.contains(says), "{args:?}: {zh}");
            assert!(zh.starts_with("错误:"), "{args:?}: {zh}");
            for english in ["error", "Usage", "For more", "found", "invalid", "provided"] {
                assert!(!zh.contains(english), "{args:?}: \"{english}\" in {zh}");
            }
            let en = refusal(Lang::En, args);
            assert!(en.starts_with("error: "), "{args:?}: {en}");
            assert!(en.contains("For more information"), "{args:?}: {en}");
        }
        // the usage line, with the placeholders in the language
        let zh = refusal(Lang::Zh, &["members", "list", "--tierr", "x"]);
        assert!(zh.contains("用法: shequn members list [选项]"), "{zh}");
        let en = refusal(Lang::En, &["members", "list", "--tierr", "x"]);
        assert!(en.contains("Usage: shequn members list [OPTIONS]"), "{en}");
    }

    #[test]
    fn the_localised_tree_parses_as_the_derive_types_and_lang_is_found_before_parsing() {
        let args = |a: &[&str]| -> Vec<OsString> { a.iter().map(OsString::from).collect() };
        let cli = parse(
            Lang::Zh,
            args(&[
                "shequn", "--lang", "zh", "members", "list", "--tier", "沉默",
            ]),
        )
        .expect("parses");
        assert_eq!(cli.lang, Some(Lang::Zh));
        assert!(matches!(
            cli.command,
            Some(super::super::Command::Members { .. })
        ));
        assert_eq!(lang_of(&args(&["shequn", "--lang", "en", "kpi"])), Lang::En);
        assert_eq!(lang_of(&args(&["shequn", "kpi", "--lang=zh"])), Lang::Zh);
        // a value after `--` is not the flag
        let env = crate::config::resolve_lang(None);
        assert_eq!(lang_of(&args(&["shequn", "--", "--lang", "zh"])), env);
    }

    #[test]
    fn help_is_in_the_language_down_to_clap_s_own_words() {
        let mut cmd = command(Lang::Zh);
        let list = cmd
            .find_subcommand_mut("members")
            .and_then(|m| m.find_subcommand_mut("list"))
            .expect("members list");
        let help = list.render_help().to_string();
        for want in [
            "用法: shequn members list [选项]",
            "选项:",
            "显示帮助",
            "只看这个群的成员",
            "[默认:table]",
        ] {
            assert!(help.contains(want), "{want}: {help}");
        }
        for english in [
            "Usage",
            "Options",
            "Print help",
            "default:",
            "possible values",
        ] {
            assert!(!help.contains(english), "{english}: {help}");
        }
        let root = command(Lang::Zh).render_help().to_string();
        assert!(
            root.contains("命令:") && root.contains("显示本帮助"),
            "{root}"
        );
    }
}
