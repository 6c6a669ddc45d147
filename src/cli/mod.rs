//! The command line: parse, gather and check inputs, call the library, render.

pub mod argv;
pub mod batch;
pub mod cardinfo;
pub mod cert;
pub mod check;
pub mod completions;
pub mod doctor;
pub mod exit;
pub mod i18n;
pub mod output;
pub mod pdf;
pub mod pin;
pub mod pin_input;
pub mod readers;
pub mod session;
pub mod sign;
pub mod status;
pub mod verify;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use exit::Failure;
use output::Output;
pub use session::{Connect, PcscConnect};

/// The forms --pin-file takes besides a path: `/dev/fd/N` names an open
/// descriptor on Unix-like systems only.
pub const PIN_FILE_FORMS: &str = if cfg!(unix) { "`-` for stdin, /dev/fd/N works" } else { "`-` for stdin" };

fn after_help() -> String {
    AFTER_HELP.replace("PIN_FILE_FORMS", PIN_FILE_FORMS)
}

const AFTER_HELP: &str = "\
PINs are never taken from the command line. Give them with --pin-file PATH
(PIN_FILE_FORMS), the environment variables JPKI_AUTH_PIN /
JPKI_SIGN_PIN / JPKI_CARDINFO_PIN (and JPKI_NEW_PIN or --new-pin-file for
`pin change`), or type them at the no-echo prompt.

Exit codes:
  0  success
  1  internal error (a bug; please report it)
  2  usage error or invalid input; nothing was sent to the card (except for a
     `sign --batch --keep-going` with bad lines: the good ones were signed)
  3  no PC/SC service, no reader, no card, reader not found or ambiguous, not a
     My Number Card, a card without the applet the command needs, or card in use
  4  wrong PIN (one try was spent)
  5  PIN blocked, or last try refused without --force
  6  card or communication error, or the outcome of a VERIFY or PIN change
     unknown (the link failed during it)
  7  the card has no signing certificate (if a wrong signing password was
     given too, its try was spent: the message gives the tries left)
  8  check, pdf verify: the signature or digest does not match (pdf verify:
     also no signature, or bytes added after the last one)
  9  check, pdf verify: the certificate is expired or not yet valid
 10  check, pdf verify: the certificate's key usage does not allow signing
 11  check, pdf verify: the certificate was not issued by the given CA
 12  the result could not be written after the card was used (disk full,
     unwritable file, or a closed pipe when stdout carries a signature)
130  interrupted (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT); nothing more was sent and
     the card was disconnected (powered down if a PIN may have been verified)";

/// Safe command-line tool for the JPKI applet of the My Number Card (マイナンバーカード).
#[derive(Debug, Parser)]
// The version line also names the commit and the target (see build.rs).
#[command(
    name = "jpki",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("JPKI_BUILD_INFO"), ")"),
    after_help = after_help(),
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Longest `--wait`, in seconds.
pub const MAX_WAIT: u64 = 86_400;

#[derive(Debug, Args)]
pub struct Global {
    /// Reader to use: an index from `jpki readers` or part of its name.
    #[arg(long, global = true, value_name = "NAME|INDEX", env = "JPKI_READER")]
    pub reader: Option<String>,
    /// Print one JSON document on stdout (see the README for the schema).
    #[arg(long, global = true)]
    pub json: bool,
    /// Wait up to SECONDS (at most 86400, a day) for the card to appear or become free.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(..=MAX_WAIT))]
    pub wait: u64,
    /// Give up on a card that has not answered one command within SECONDS
    /// (exit 6; the card is released).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub apdu_timeout: u64,
    /// Extended-length READ BINARY: auto (from the card's ATR), on, or off.
    #[arg(long, global = true, value_enum, default_value_t = ExtendedChoice::Auto)]
    pub extended_length: ExtendedChoice,
    /// Trace APDUs on stderr (PINs redacted). Repeat for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    // Read before the command line is parsed, so that --help is in it too (see i18n::Lang::detect).
    #[arg(long, global = true, value_enum, value_name = "LANG", help = i18n::pick(
        "Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)",
        "表示する言語: en(英語) か ja(日本語)。省略時は JPKI_LANG、次にロケール (LC_ALL, LC_MESSAGES, LANG) に従う"
    ))]
    pub lang: Option<i18n::Lang>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtendedChoice {
    Auto,
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List readers, their cards, and whether each card has the JPKI applet.
    Readers,
    /// Show the tries left of every PIN and 照合番号 counter and whether a signing certificate exists (spends no try).
    Status(status::StatusArgs),
    /// Check one PIN; a correct PIN resets its counter to the maximum.
    Verify(verify::VerifyArgs),
    /// Read a certificate (PEM, DER, or details).
    Cert(cert::CertArgs),
    /// Sign a digest, a file or stdin (PKCS#1 v1.5); the signature is checked before output.
    Sign(sign::SignArgs),
    /// Check a raw or CMS signature offline (does not check revocation).
    Check(check::CheckArgs),
    /// Change a PIN (a blocked PIN cannot be reset here: only at a municipal office).
    #[command(subcommand)]
    Pin(pin::PinCommand),
    /// Read My Number (masked) and the basic four attributes from the card-info applet.
    CardInfo(cardinfo::CardInfoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    Completions(completions::CompletionsArgs),
    /// Write the man pages of jpki and each command into a folder.
    Man(completions::ManArgs),
    /// Sign a PDF with the card, or check the signatures of one.
    #[command(subcommand)]
    Pdf(pdf::PdfCommand),
    #[command(about = i18n::pick(
        "Will the card work for e-Tax, マイナポータル, 法務局? Checks the service, reader, card, counters and certificates (spends no try unless --verify)",
        "e-Tax・マイナポータル・法務局で使えるかを診断します。サービス、リーダー、カード、残り回数、証明書を確認します（--verify なしでは回数を減らしません）"
    ))]
    Doctor(doctor::DoctorArgs),
}

/// The JSON `command` name of a subcommand as typed, for errors found before
/// the command line parsed.
pub fn command_name(typed: &str) -> Option<&'static str> {
    Some(match typed {
        "readers" => "readers",
        "status" => "status",
        "verify" => "verify",
        "cert" => "cert",
        "sign" => "sign",
        "check" => "check",
        "pin" => "pin-change",
        "card-info" => "card-info",
        "completions" => "completions",
        "man" => "man",
        "pdf" => "pdf",
        "doctor" => "doctor",
        _ => return None,
    })
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Readers => "readers",
            Command::Status(_) => "status",
            Command::Verify(_) => "verify",
            Command::Cert(_) => "cert",
            // Every document of a batch, its failures included, names the batch.
            Command::Sign(args) if args.batch.is_some() => "sign-batch",
            Command::Sign(_) => "sign",
            Command::Check(_) => "check",
            Command::Pin(_) => "pin-change",
            Command::CardInfo(_) => "card-info",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
            Command::Pdf(pdf::PdfCommand::Sign(_)) => "pdf-sign",
            Command::Pdf(pdf::PdfCommand::Verify(_)) => "pdf-verify",
            Command::Doctor(_) => "doctor",
        }
    }
}

/// Options for commands that need a PIN.
#[derive(Debug, Args)]
pub struct PinArgs {
    // Read the PIN from PATH; the forms depend on the platform.
    #[arg(long, value_name = "PATH", help = format!("Read the PIN from PATH ({PIN_FILE_FORMS}). One trailing newline is ignored"))]
    pub pin_file: Option<PathBuf>,
    /// Allow spending the last remaining try without asking.
    #[arg(long)]
    pub force: bool,
}

impl PinArgs {
    /// The PIN of `kind` from --pin-file, its environment variable, or a prompt; validated.
    pub fn obtain(&self, kind: jpki::pin::PinKind, prompt: &str) -> Result<jpki::pin::Pin, Failure> {
        self.obtain_as(kind, pin_input::PinRole::Only, prompt)
    }

    /// The same, for a command that takes two PINs of one kind (`pin change`).
    pub fn obtain_as(
        &self,
        kind: jpki::pin::PinKind,
        role: pin_input::PinRole,
        prompt: &str,
    ) -> Result<jpki::pin::Pin, Failure> {
        pin_input::obtain(kind, role, self.pin_file.as_deref(), pin_input::env_var(kind), prompt)
    }

    /// Refuse --pin-file and --force where no PIN is asked for: silently
    /// ignoring them would hide a mistake in the command line.
    pub fn refuse_unused(&self, what: &str) -> Result<(), Failure> {
        let given: Vec<&str> = [(self.pin_file.is_some(), "--pin-file"), (self.force, "--force")]
            .iter()
            .filter(|g| g.0)
            .map(|g| g.1)
            .collect();
        if given.is_empty() {
            return Ok(());
        }
        Err(Failure::usage(format!("{what} needs no PIN, so {} would be ignored", given.join(" and ")))
            .with_hint("Drop it, or choose what needs the PIN"))
    }

    /// The usual prompt for `kind`.
    pub fn obtain_default(&self, kind: jpki::pin::PinKind) -> Result<jpki::pin::Pin, Failure> {
        self.obtain(kind, &format!("Enter the {kind}: "))
    }
}

/// Which key or PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyChoice {
    /// 利用者証明用 (4-digit PIN)
    Auth,
    /// 署名用 (6-16 character password)
    Sign,
}

/// Which PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PinChoice {
    /// 利用者証明用暗証番号 (4 digits, 3 tries)
    Auth,
    /// 署名用パスワード (6-16 of A-Z 0-9, 5 tries)
    Sign,
    /// 券面事項入力補助用暗証番号 (4 digits, 3 tries)
    Cardinfo,
}

impl PinChoice {
    pub fn kind(self) -> jpki::pin::PinKind {
        match self {
            PinChoice::Auth => jpki::pin::PinKind::Auth,
            PinChoice::Sign => jpki::pin::PinKind::Sign,
            PinChoice::Cardinfo => jpki::pin::PinKind::CardInfo,
        }
    }
}

impl KeyChoice {
    pub fn key(self) -> jpki::card::KeyKind {
        match self {
            KeyChoice::Auth => jpki::card::KeyKind::Auth,
            KeyChoice::Sign => jpki::card::KeyKind::Sign,
        }
    }
}

/// Run one parsed command, reaching the card through `connect`.
pub fn run(cli: &Cli, connect: &dyn Connect) -> Result<Output, Failure> {
    let global = &cli.global;
    if let Some(lang) = global.lang {
        i18n::set_for_this_thread(lang);
    }
    match &cli.command {
        Command::Readers => readers::run(global),
        Command::Status(args) => status::run(global, connect, args),
        Command::Verify(args) => verify::run(global, connect, args),
        Command::Cert(args) => cert::run(global, connect, args),
        Command::Sign(args) => sign::run(global, connect, args),
        Command::Check(args) => check::run(global, connect, args),
        Command::Pin(pin::PinCommand::Change(args)) => pin::change(global, connect, args),
        Command::CardInfo(args) => cardinfo::run(global, connect, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => completions::man(args),
        Command::Pdf(command) => pdf::run(global, connect, command),
        Command::Doctor(args) => doctor::run(global, connect, args),
    }
}
