//! `jpki completions SHELL` and `jpki man DIR`: shell completion scripts and
//! man pages made from the command line's own definitions.
//!
//! They are commands of `jpki` itself rather than of a separate generator:
//! the clap definitions live in the binary (the library never parses a
//! command line), and a user who installed with `cargo install` gets no man
//! pages otherwise. scripts/gen-docs.sh writes the copies checked in under
//! docs/ with them, and CI fails when those drift from `--help`.

use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

use super::exit::Failure;
use super::i18n::{lang, tr, Lang};
use super::output::Output;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(help = super::i18n::pick("The shell to print a completion script for", "補完スクリプトを出力するシェル"))]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    #[arg(value_name = super::i18n::pick("DIR", "フォルダー"), help = super::i18n::pick(
        "Folder to write the pages into (created if missing), e.g. ~/.local/share/man/man1",
        "ページを書き出すフォルダー (なければ作る)。例: ~/.local/share/man/man1"
    ))]
    pub dir: PathBuf,
}

/// The command line as clap sees it, with the plain package version: the
/// generated files must not change with the commit they were made from.
/// The help texts follow the current language (scripts/gen-docs.sh asks for each).
fn command() -> clap::Command {
    super::help::command().version(env!("CARGO_PKG_VERSION")).long_version(None::<&str>)
}

fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "jpki", &mut out);
    out
}

pub fn run(args: &CompletionsArgs) -> Result<Output, Failure> {
    let script = script(args.shell);
    let text = String::from_utf8_lossy(&script).into_owned();
    Ok(Output { bytes: Some(script), ..Output::default() }.field("shell", args.shell.to_string()).field("script", text))
}

pub fn man(args: &ManArgs) -> Result<Output, Failure> {
    let dir = args.dir.display();
    let failed = |e: std::io::Error| {
        Failure::usage(tr!("cannot write man pages into {dir}: {e}", "man ページを {dir} に書き込めません: {e}"))
    };
    std::fs::create_dir_all(&args.dir).map_err(failed)?;
    match lang() {
        Lang::En => clap_mangen::generate_to(command(), &args.dir),
        Lang::Ja => japanese_pages(command(), &args.dir),
    }
    .map_err(failed)?;
    let text = tr!("man pages written to {dir}\n", "man ページを {dir} に書き出しました\n");
    Ok(Output { text, ..Output::default() }.field("dir", args.dir.display().to_string()))
}

/// clap_mangen's section titles, in Japanese.
const SECTIONS_JA: [(&str, &str); 6] = [
    (".SH NAME", ".SH 名前"),
    (".SH SYNOPSIS", ".SH 書式"),
    (".SH DESCRIPTION", ".SH 説明"),
    (".SH OPTIONS", ".SH オプション"),
    (".SH EXTRA", ".SH 補足"),
    (".SH VERSION", ".SH バージョン"),
];

/// The Japanese pages: clap_mangen's, with Japanese section titles and
/// without the `help` subcommand (clap added it when the command was built).
fn japanese_pages(cmd: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        japanese_pages(sub.clone(), dir)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let page = SECTIONS_JA.iter().fold(page.into_owned(), |page, (en, ja)| page.replace(en, ja));
    std::fs::write(dir.join(man.get_filename()), page)
}
