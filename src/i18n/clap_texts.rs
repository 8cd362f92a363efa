//! `[clap]` of the language files: the words of `--help` and of the refusals of bad
//! arguments that clap would otherwise say in English (`cli::help` puts them in). The
//! help text of each command and argument is in `[help]`, keyed by the command's path.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClapTexts {
    /// Before the usage line ("Usage:").
    pub usage: String,
    /// Headings of the help's sections.
    pub commands: String,
    pub arguments: String,
    pub options: String,
    /// In usage lines: `[OPTIONS]`, and the name of `<COMMAND>`.
    pub options_placeholder: String,
    pub command_placeholder: String,
    /// After an argument's help: its default ({value}), its values ({values}), the
    /// environment variable that sets it ({name}).
    pub spec_default: String,
    pub spec_values: String,
    pub spec_env: String,
    /// The help and version flags, and the `help` command.
    pub print_help: String,
    pub print_help_more: String,
    pub print_help_summary: String,
    pub print_version: String,
    pub help_command: String,
    /// A refused command line: the first line ({message}), a hint line ({text}), the last.
    pub error: String,
    pub tip: String,
    pub more_info: String,
    pub unknown_argument: String,
    pub did_you_mean: String,
    pub unknown_command: String,
    pub invalid_value: String,
    pub possible_values: String,
    pub missing_required: String,
    pub missing_command: String,
    pub conflict: String,
    pub conflict_other: String,
    pub multiple_usage: String,
    pub value_validation: String,
    pub too_many_values: String,
    pub wrong_number_of_values: String,
    pub no_equals: String,
    /// Values our own parsers refuse (`cli::ArgError`).
    pub bad_date: String,
    pub bad_role: String,
}
