//! The command line's own words in the user's language: clap writes "Usage:",
//! "Options:", "[default: …]", "Print help" and its parse errors in English
//! only, so under Japanese the command is rewritten after the derive built it
//! (headings, the help and version flags, defaults, possible values and
//! environment variables moved into each argument's help) and parse errors
//! are worded here from clap's error kind and context.

use clap::builder::{PossibleValue, Str};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use super::i18n::{lang, Lang};
use super::Cli;

/// The command line in the current language, ready to parse or to print.
pub fn command() -> Command {
    let cmd = Cli::command();
    match lang() {
        Lang::En => cmd,
        Lang::Ja => japanese(cmd),
    }
}

/// Parse `args` (the program name first) with [`command`].
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

const OPTIONS: &str = "オプション";
const ARGUMENTS: &str = "引数";
const COMMANDS: &str = "コマンド";

fn japanese(cmd: Command) -> Command {
    let mut cmd = japanese_words(cmd, true);
    // The usage lines and the `help` subcommand exist once the command is built.
    cmd.build();
    japanese_usage(cmd)
}

/// Headings, flags and argument helps, before clap builds the command (so
/// that global options are copied to the subcommands already translated).
fn japanese_words(cmd: Command, root: bool) -> Command {
    let template = template(&cmd);
    let mut cmd = cmd
        .help_template(template)
        .subcommand_help_heading(COMMANDS)
        .subcommand_value_name(COMMANDS)
        .mut_args(japanese_arg)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("ヘルプを表示する")
                .help_heading(OPTIONS),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("バージョンを表示する")
                .help_heading(OPTIONS),
        );
    }
    cmd.mut_subcommands(|sub| japanese_words(sub, false))
}

/// The help page's layout with Japanese headings, in clap's order: commands,
/// arguments, options (each section only where the command has some).
fn template(cmd: &Command) -> String {
    let mut sections = Vec::new();
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        sections.push(format!("{COMMANDS}:\n{{subcommands}}"));
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        sections.push(format!("{ARGUMENTS}:\n{{positionals}}"));
    }
    // clap's `help` subcommand has no options (nor a help flag).
    if cmd.get_name() != "help" {
        sections.push(format!("{OPTIONS}:\n{{options}}"));
    }
    format!("{{before-help}}{{about-with-newline}}\n使い方: {{usage}}\n\n{}{{after-help}}", sections.join("\n\n"))
}

/// One argument under a Japanese heading, with what clap would append in
/// English (`[default: …]`, `[possible values: …]`, `[env: …]`) written into its help.
fn japanese_arg(arg: Arg) -> Arg {
    if arg.is_hide_set() {
        return arg;
    }
    let mut help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let takes_values = arg.get_action().takes_values();
    let values: Vec<PossibleValue> = arg.get_possible_values().into_iter().filter(|v| !v.is_hide_set()).collect();
    if takes_values && !values.is_empty() && !arg.is_hide_possible_values_set() {
        if values.iter().any(|v| v.get_help().is_some()) {
            help.push_str("\n指定できる値:");
            for v in &values {
                let what = v.get_help().map(|h| format!(": {h}")).unwrap_or_default();
                help.push_str(&format!("\n  - {}{what}", v.get_name()));
            }
        } else {
            let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
            help.push_str(&format!(" [指定できる値: {}]", names.join(", ")));
        }
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if takes_values && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        help.push_str(&format!(" [既定値: {}]", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
        help.push_str(&format!(" [環境変数: {}]", env.to_string_lossy()));
    }
    let heading = if arg.is_positional() { ARGUMENTS } else { OPTIONS };
    let names: Vec<Str> = arg
        .get_value_names()
        .unwrap_or_default()
        .iter()
        .map(|n| value_name(n).map_or_else(|| n.clone(), Str::from))
        .collect();
    let arg = if names.is_empty() { arg } else { arg.value_names(names) };
    // clap writes visible aliases as "[alias: …]": keep them, hidden, and say so here.
    let visible: Vec<String> = arg.get_visible_aliases().unwrap_or_default().iter().map(|a| format!("--{a}")).collect();
    let arg = match visible.is_empty() {
        true => arg,
        false => {
            let all: Vec<Str> =
                arg.get_all_aliases().unwrap_or_default().into_iter().map(|a| Str::from(a.to_string())).collect();
            help.push_str(&format!(" [別名: {}]", visible.join(", ")));
            arg.visible_alias(None).aliases(all)
        }
    };
    let arg = arg.help(help).help_heading(heading).hide_env(true);
    // clap refuses these two on a flag that takes no value.
    match takes_values {
        true => arg.hide_default_value(true).hide_possible_values(true),
        false => arg,
    }
}

/// A value name that is an English word, in Japanese; others (`HEX`, `IN.pdf`) as they are.
fn value_name(name: &str) -> Option<&'static str> {
    let ja = match name {
        "FILE" => "ファイル",
        "DIR" => "フォルダー",
        "TEXT" => "文字列",
        "DATA" => "データ",
        "KIND" => "種類",
        "WHICH" | "CERT" => "証明書",
        "KEY" => "鍵",
        "PIN" => "暗証番号",
        "HASH" => "ハッシュ",
        "FORMAT" => "形式",
        "PROFILE" => "署名の種類",
        "SHELL" => "シェル",
        "EXTENDED_LENGTH" => "方式",
        "PATH" => "パス",
        "SECONDS" => "秒数",
        "LANG" => "言語",
        _ => return None,
    };
    Some(ja)
}

/// The usage lines without clap's English placeholder, and the `help`
/// subcommand clap adds while building, in Japanese.
fn japanese_usage(mut cmd: Command) -> Command {
    let usage = cmd.render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).replace("[OPTIONS]", "[オプション]");
    cmd = cmd.override_usage(usage);
    let has_help = cmd.find_subcommand("help").is_some();
    if has_help {
        cmd = cmd.mut_subcommand("help", |help| {
            let template = template(&help);
            help.about("このメッセージか、指定したコマンドのヘルプを表示する")
                .help_template(template)
                .subcommand_help_heading(COMMANDS)
                .subcommand_value_name(COMMANDS)
                .mut_args(|a| a.help("ヘルプを表示するコマンド").help_heading(ARGUMENTS))
        });
    }
    cmd.mut_subcommands(japanese_usage)
}

/// A parse error in Japanese, from clap's error kind and context (the
/// offending argument and value, what was expected), on one line.
pub fn japanese_error(e: &clap::Error) -> String {
    let text = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(v)) => Some(v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let quoted = |kind: ContextKind| text(kind).map(|t| format!("'{t}'")).unwrap_or_default();
    let arg = quoted(ContextKind::InvalidArg);
    let value = quoted(ContextKind::InvalidValue);
    let suggestion = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand, ContextKind::SuggestedValue]
        .into_iter()
        .find_map(|kind| match e.get(kind) {
            Some(ContextValue::Strings(v)) => Some(v.join("' か '")),
            _ => text(kind),
        })
        .map(|s| format!(" ('{s}' のことですか)"))
        .unwrap_or_default();
    let valid = text(ContextKind::ValidValue).map(|v| format!(" (指定できる値: {v})")).unwrap_or_default();
    let line = match e.kind() {
        ErrorKind::InvalidValue if value == "''" => format!("{arg} に値を指定してください{valid}"),
        ErrorKind::InvalidValue => format!("{arg} に {value} は指定できません{valid}{suggestion}"),
        ErrorKind::ValueValidation => format!("{arg} に {value} は指定できません{}", validation_detail(e)),
        ErrorKind::UnknownArgument => format!("{arg} という引数はありません{suggestion}"),
        ErrorKind::InvalidSubcommand => {
            format!("{} というコマンドはありません{suggestion}", quoted(ContextKind::InvalidSubcommand))
        }
        ErrorKind::NoEquals => format!("{arg} の値は = でつないでください"),
        ErrorKind::TooManyValues => format!("{arg} に {value} は余分です"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!("{arg} の値の数が正しくありません"),
        ErrorKind::ArgumentConflict => match text(ContextKind::PriorArg).map(|p| format!("'{p}'")) {
            Some(prior) if prior != arg => format!("{arg} は {prior} と一緒には使えません"),
            _ => format!("{arg} は一度しか指定できません"),
        },
        ErrorKind::MissingRequiredArgument => format!("必要な引数がありません: {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "コマンドを指定してください".to_string()
        }
        ErrorKind::InvalidUtf8 => "引数が UTF-8 の文字列ではありません".to_string(),
        _ => "コマンドラインが正しくありません".to_string(),
    };
    line.replace(" ''", "").replace("'' ", "")
}

/// Why a value was refused, where clap's reason is one we know how to say:
/// a number out of range or not a number.
fn validation_detail(e: &clap::Error) -> String {
    let Some(source) = std::error::Error::source(e).map(ToString::to_string) else {
        return String::new();
    };
    if let Some((_, range)) = source.split_once(" is not in ") {
        let (low, high) = range.split_once("..=").unwrap_or((range, ""));
        let low = if low.is_empty() { "0" } else { low };
        return format!(" ({low}〜{high} の範囲で指定してください)");
    }
    if source.contains("invalid digit") || source.contains("empty string") || source.contains("too large") {
        return " (数値で指定してください)".to_string();
    }
    String::new()
}
