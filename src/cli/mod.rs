//! The command line: parse, gather and check inputs, call the library, render.

pub mod advice;
pub mod argv;
pub mod batch;
pub mod cardinfo;
pub mod cert;
pub mod check;
pub mod completions;
pub mod doctor;
pub mod exit;
pub mod help;
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
use i18n::{pick, tr};
use output::Output;
pub use session::{Connect, PcscConnect};

/// The forms --pin-file takes besides a path: `/dev/fd/N` names an open
/// descriptor on Unix-like systems only.
pub const PIN_FILE_FORMS: &str = if cfg!(unix) { "`-` for stdin, /dev/fd/N works" } else { "`-` for stdin" };

/// [`PIN_FILE_FORMS`] in the current language.
pub fn pin_file_forms() -> &'static str {
    match (cfg!(unix), i18n::lang()) {
        (_, i18n::Lang::En) => PIN_FILE_FORMS,
        (true, i18n::Lang::Ja) => "`-` で標準入力、/dev/fd/N も可",
        (false, i18n::Lang::Ja) => "`-` で標準入力",
    }
}

fn after_help() -> String {
    pick(AFTER_HELP, AFTER_HELP_JA).replace("PIN_FILE_FORMS", pin_file_forms())
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

const AFTER_HELP_JA: &str = "\
暗証番号・パスワードはコマンドラインでは受け付けません。--pin-file PATH
(PIN_FILE_FORMS)、環境変数 JPKI_AUTH_PIN / JPKI_SIGN_PIN /
JPKI_CARDINFO_PIN (`pin change` では JPKI_NEW_PIN または --new-pin-file も)、
または入力が画面に表示されないプロンプトで渡してください。

終了コード:
  0  成功
  1  内部エラー (jpki の不具合です。報告してください)
  2  使い方の誤りか入力の誤り。カードには何も送っていません (ただし
     `sign --batch --keep-going` で誤った行があった場合、正しい行は署名済み)
  3  PC/SC サービスがない、カードリーダーがない、カードがない、リーダーが
     見つからないか一つに決まらない、マイナンバーカードではない、コマンドに
     必要なアプリケーション (AP) がないカード、またはカードが使用中
  4  暗証番号が違う (試行回数を1回使いました)
  5  暗証番号がロックされている、または --force なしで最後の1回を断った
  6  カードか通信のエラー、または VERIFY や暗証番号変更の結果が不明
     (その途中で通信が切れた)
  7  カードに署名用電子証明書がない (誤った署名用パスワードも渡していた
     場合はその1回を使いました。残り回数はメッセージにあります)
  8  check, pdf verify: 署名かダイジェストが一致しない (pdf verify では
     署名がない場合と、最後の署名の後にデータが追加された場合も)
  9  check, pdf verify: 証明書の有効期限が切れているか、まだ有効期間前
 10  check, pdf verify: 証明書の鍵用途が署名を許していない
 11  check, pdf verify: 証明書が指定した認証局 (CA) の発行ではない
 12  カードを使った後で結果を書き込めなかった (ディスクがいっぱい、書き込め
     ないファイル、または署名を出力中に標準出力のパイプが閉じられた)
130  中断された (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT)。それ以降は何も送らず、
     カードとの接続を切りました (暗証番号を照合した可能性がある場合は電源も切断)";

// The version line also names the commit and the target (see build.rs).
#[derive(Debug, Parser)]
#[command(
    name = "jpki",
    about = pick(
        "Safe command-line tool for the JPKI applet of the My Number Card (マイナンバーカード)",
        "マイナンバーカードの公的個人認証APを安全に使うためのコマンドラインツール"
    ),
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
    #[arg(long, global = true, value_name = pick("NAME|INDEX", "名前|番号"), env = "JPKI_READER", help = pick(
        "Reader to use: an index from `jpki readers` or part of its name",
        "使うカードリーダー: `jpki readers` が示す番号か、名前の一部"
    ))]
    pub reader: Option<String>,
    #[arg(long, global = true, help = pick(
        "Print one JSON document on stdout (see the README for the schema)",
        "標準出力に JSON 文書を1つ出力する (形式は README を参照)"
    ))]
    pub json: bool,
    #[arg(long, global = true, value_name = pick("SECONDS", "秒数"),
          value_parser = clap::value_parser!(u64).range(..=MAX_WAIT), help = pick(
        "Wait up to SECONDS (at most 86400, a day) for the card to appear or become free \
         [default: 30 at a terminal, 0 in scripts; 0 does not wait]",
        "カードが置かれるか空くまで、最大でこの秒数 (上限 86400 = 1日) 待つ \
         [既定値: 端末では30、スクリプトでは0。0 は待たない]"
    ))]
    pub wait: Option<u64>,
    #[arg(long, global = true, value_name = pick("SECONDS", "秒数"), default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600), help = pick(
        "Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)",
        "カードが1つのコマンドにこの秒数以内に応答しなければ諦める (終了コード 6。カードは解放する)"
    ))]
    pub apdu_timeout: u64,
    #[arg(long, global = true, value_enum, default_value_t = ExtendedChoice::Auto, help = pick(
        "Extended-length READ BINARY: auto (from the card's ATR), on, or off",
        "拡張長の READ BINARY: auto (カードの ATR で判断)、on、off"
    ))]
    pub extended_length: ExtendedChoice,
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help = pick(
        "Trace APDUs on stderr (PINs redacted). Repeat for more",
        "APDU を標準エラーに記録する (暗証番号は伏せる)。重ねるとさらに詳しく"
    ))]
    pub verbose: u8,
    // Read before the command line is parsed, so that --help is in it too (see i18n::Lang::detect).
    #[arg(long, global = true, value_enum, value_name = pick("LANG", "言語"), help = pick(
        "Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)",
        "表示する言語: en(英語) か ja(日本語)。省略時は JPKI_LANG、次にロケール (LC_ALL, LC_MESSAGES, LANG) に従う"
    ))]
    pub lang: Option<i18n::Lang>,
}

/// How long a command run at a terminal waits for the card when `--wait` is not given.
pub const TERMINAL_WAIT: u64 = 30;

impl Global {
    /// How long to wait for the card: `--wait`, else [`TERMINAL_WAIT`] at a
    /// terminal (a person can insert the card), else none (a script fails at once).
    pub fn wait(&self) -> std::time::Duration {
        let default = if pin_input::at_terminal() { TERMINAL_WAIT } else { 0 };
        std::time::Duration::from_secs(self.wait.unwrap_or(default))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtendedChoice {
    Auto,
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(about = pick(
        "List readers, their cards, and whether each card has the JPKI applet",
        "カードリーダーとそのカード、各カードに公的個人認証APがあるかを一覧する"
    ))]
    Readers,
    #[command(about = i18n::pick(
        "Show the tries left of the three PINs you set and whether a signing certificate exists (spends no try; \
         --all adds the 照合番号 counters)",
        "設定した3つの暗証番号の残り回数と署名用電子証明書の有無を表示する (試行回数は減らない。--all で照合番号も)",
    ))]
    Status(status::StatusArgs),
    #[command(about = pick(
        "Check one PIN; a correct PIN resets its counter to the maximum",
        "暗証番号を1つ確かめる。正しければ残り試行回数は最大に戻る"
    ))]
    Verify(verify::VerifyArgs),
    #[command(about = pick(
        "Read a certificate (PEM, DER, or details)",
        "電子証明書を読み出す (PEM、DER、または内容の表示)"
    ))]
    Cert(cert::CertArgs),
    #[command(about = pick(
        "Sign a digest, a file or stdin (PKCS#1 v1.5); the signature is checked before output",
        "ダイジェスト、ファイル、標準入力に署名する (PKCS#1 v1.5)。署名は出力前に検証する"
    ))]
    Sign(sign::SignArgs),
    #[command(about = pick(
        "Check a raw or CMS signature offline (does not check revocation)",
        "raw または CMS の署名をオフラインで検証する (失効は確認しない)"
    ))]
    Check(check::CheckArgs),
    #[command(subcommand, after_help = advice::help(), about = i18n::pick(
        "Change a PIN (jpki cannot reset a blocked one: `jpki pin --help` says who can)",
        "暗証番号を変更する (ロックされた暗証番号は jpki では初期化できない。初期化の方法は `jpki pin --help` を参照)",
    ))]
    Pin(pin::PinCommand),
    #[command(about = pick(
        "Read My Number (masked) and the basic four attributes from the card-info applet",
        "券面事項入力補助APから個人番号 (伏せ字) と基本4情報を読み出す"
    ))]
    CardInfo(cardinfo::CardInfoArgs),
    #[command(about = pick(
        "Print a shell completion script (bash, zsh, fish, powershell or elvish)",
        "シェルの補完スクリプトを出力する (bash, zsh, fish, powershell, elvish)"
    ))]
    Completions(completions::CompletionsArgs),
    #[command(about = pick(
        "Write the man pages of jpki and each command into a folder",
        "jpki と各コマンドの man ページをフォルダーに書き出す"
    ))]
    Man(completions::ManArgs),
    #[command(subcommand, about = pick(
        "Sign a PDF with the card, or check the signatures of one",
        "カードで PDF に署名する、または PDF の署名を検証する"
    ))]
    Pdf(pdf::PdfCommand),
    #[command(about = i18n::pick(
        "Will the card work for e-Tax, マイナポータル, 法務局? Checks the service, reader, card, counters and certificates (spends no try unless --verify)",
        "e-Tax・マイナポータル・法務局で使えるかを診断する: サービス、リーダー、カード、残り回数、証明書を確かめる (--verify なしでは回数を減らさない)"
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
    // The forms of PATH depend on the platform.
    #[arg(long, value_name = pick("PATH", "パス"), help = tr!(
        "Read the PIN from PATH ({forms}). One trailing newline is ignored",
        "暗証番号をこのファイルから読む ({forms})。末尾の改行1つは無視する",
        forms = pin_file_forms()
    ))]
    pub pin_file: Option<PathBuf>,
    #[arg(long, help = pick(
        "Allow spending the last remaining try without asking",
        "最後の1回の試行を、確認せずに使うことを許す"
    ))]
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
        let given = given.join(pick(" and ", " と "));
        Err(Failure::usage(tr!(
            "{what} needs no PIN, so {given} would be ignored",
            "{what} には暗証番号が要らないので、{given} は無視されることになります"
        ))
        .with_hint(pick("Drop it, or choose what needs the PIN", "それを外すか、暗証番号が必要な操作を選んでください")))
    }

    /// The PIN from --pin-file when one is given, read and checked now, for a
    /// command that needs it only on some devices; otherwise `None`, and the
    /// environment or the prompt is asked only when it is needed.
    pub fn given(&self, kind: jpki::pin::PinKind) -> Result<Option<jpki::pin::Pin>, Failure> {
        match self.pin_file {
            Some(_) => self.obtain_default(kind).map(Some),
            None => Ok(None),
        }
    }

    /// The usual prompt for `kind`.
    pub fn obtain_default(&self, kind: jpki::pin::PinKind) -> Result<jpki::pin::Pin, Failure> {
        let prompt = match i18n::lang() {
            i18n::Lang::En => format!("Enter the {kind}: "),
            i18n::Lang::Ja => format!("{}を入力してください: ", pin_name_ja(kind)),
        };
        self.obtain(kind, &prompt)
    }
}

/// The official name of a PIN, for Japanese lines.
pub fn pin_name_ja(kind: jpki::pin::PinKind) -> &'static str {
    match kind {
        jpki::pin::PinKind::Auth => "利用者証明用暗証番号",
        jpki::pin::PinKind::Sign => "署名用パスワード",
        jpki::pin::PinKind::CardInfo => "券面事項入力補助用暗証番号",
    }
}

/// Which key or PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyChoice {
    #[value(help = pick("利用者証明用 (4-digit PIN)", "利用者証明用 (利用者証明用暗証番号: 数字4桁)"))]
    Auth,
    #[value(help = pick("署名用 (6-16 character password)", "署名用 (署名用パスワード: 英数字6〜16文字)"))]
    Sign,
}

/// Which PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PinChoice {
    #[value(help = pick("利用者証明用暗証番号 (4 digits, 3 tries)", "利用者証明用暗証番号 (数字4桁、3回まで)"))]
    Auth,
    #[value(help = pick("署名用パスワード (6-16 of A-Z 0-9, 5 tries)", "署名用パスワード (英数字6〜16文字、5回まで)"))]
    Sign,
    #[value(help = pick(
        "券面事項入力補助用暗証番号 (4 digits, 3 tries)",
        "券面事項入力補助用暗証番号 (数字4桁、3回まで)"
    ))]
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
