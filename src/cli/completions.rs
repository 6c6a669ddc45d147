//! `jpki completions SHELL` and `jpki man DIR`: shell completion scripts and
//! man pages made from the command line's own definitions.
//!
//! They are commands of `jpki` itself rather than of a separate generator:
//! the clap definitions live in the binary (the library never parses a
//! command line), and a user who installed with `cargo install` gets no man
//! pages otherwise. scripts/gen-docs.sh writes the copies checked in under
//! docs/ with them, and CI fails when those drift from `--help`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::exit::Failure;
use super::output::Output;
use super::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Folder to write the pages into (created if missing), e.g. ~/.local/share/man/man1.
    pub dir: PathBuf,
}

/// The command line as clap sees it, with the plain package version: the
/// generated files must not change with the commit they were made from.
fn command() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION")).long_version(None::<&str>)
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
    let failed = |e: std::io::Error| Failure::usage(format!("cannot write man pages into {}: {e}", args.dir.display()));
    std::fs::create_dir_all(&args.dir).map_err(failed)?;
    clap_mangen::generate_to(command(), &args.dir).map_err(failed)?;
    Ok(Output { text: format!("man pages written to {}\n", args.dir.display()), ..Output::default() }
        .field("dir", args.dir.display().to_string()))
}
