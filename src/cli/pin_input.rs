//! Where PINs come from: a file or descriptor, stdin, an environment
//! variable, or a no-echo prompt. Never argv.

use std::io::{IsTerminal, Read};
use std::path::Path;

use jpki::pin::{Pin, PinKind};
use zeroize::Zeroizing;

use super::advice::{pin_name, pin_rule};
use super::exit::{ExitCode, Failure};
use super::i18n::{pick, tr};
use super::output::io_problem;

/// Is `jpki` run at a terminal? A person is taken to be watching when stderr,
/// where every message, note and progress line goes, is a terminal; a script
/// or a pipe into a log is not asked anything and not kept waiting.
pub fn at_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Is there a person at a terminal to ask? The prompt reads the controlling
/// terminal itself, not stdin, so stdin may carry data (`… | jpki sign --batch`).
pub fn interactive() -> bool {
    at_terminal() && open_terminal().is_ok()
}

/// The controlling terminal, for reading and writing: /dev/tty on Unix.
#[cfg(unix)]
fn open_terminal() -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// The console's input, where rpassword reads too.
#[cfg(windows)]
fn open_terminal() -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open("CONIN$")
}

#[cfg(not(any(unix, windows)))]
fn open_terminal() -> std::io::Result<std::fs::File> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Longest PIN file accepted; a PIN is at most 16 characters.
const MAX_PIN_FILE: u64 = 64;

/// Read a secret from a file, `/dev/fd/N` or `-` (stdin). Exactly one
/// trailing newline (LF or CRLF) is removed; anything else is kept, so that
/// validation rejects it rather than silently changing the PIN.
/// `what` names the file in errors ("PIN file", "new-PIN file"), in the current language.
pub fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>, Failure> {
    let mut bytes = Zeroizing::new(Vec::new());
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_PIN_FILE + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_PIN_FILE + 1).read_to_end(&mut bytes))
    };
    // The path is not echoed: a PIN typed where a path was expected must not reach the screen.
    result.map_err(|e| {
        let e = io_problem(&e);
        Failure::usage(tr!("cannot read the {what}: {e}", "{what}を読めません: {e}"))
    })?;
    if bytes.len() as u64 > MAX_PIN_FILE {
        return Err(Failure::usage(tr!(
            "the {what} is too long to hold a PIN",
            "{what}が長すぎます。暗証番号のファイルではありません"
        )));
    }
    let newline = if bytes.ends_with(b"\r\n") { 2 } else { usize::from(bytes.ends_with(b"\n")) };
    let keep = bytes.len() - newline;
    bytes.truncate(keep);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage(tr!("the {what} is not UTF-8 text", "{what}が UTF-8 のテキストではありません")))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// Environment variable a script can set to pass a PIN of this kind.
pub fn env_var(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => "JPKI_AUTH_PIN",
        PinKind::Sign => "JPKI_SIGN_PIN",
        PinKind::CardInfo => "JPKI_CARDINFO_PIN",
    }
}

/// Which PIN a message is about, where a command takes two of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinRole {
    /// The only PIN the command takes: "the auth PIN".
    Only,
    /// The PIN in force, for `pin change`: "the current auth PIN".
    Current,
    /// Its replacement: "the new auth PIN".
    New,
}

impl PinRole {
    fn name(self, kind: PinKind) -> String {
        let name = pin_name(kind);
        match self {
            PinRole::Only => tr!("the {name}", "{name}"),
            PinRole::Current => tr!("the current {name}", "今の{name}"),
            PinRole::New => tr!("the new {name}", "新しい{name}"),
        }
    }
}

/// Why a PIN was refused, in Japanese: the library's reasons are fixed English phrases.
fn reason_ja(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "it is empty" => "空です",
        "it contains non-ASCII characters" => "ASCII 以外の文字が入っています",
        "it contains control characters" => "制御文字が入っています",
        "it contains characters other than digits" => "数字以外の文字が入っています",
        "it does not have 4 digits" => "4桁ではありません",
        "it contains characters other than A-Z and 0-9" => "A〜Z と 0〜9 以外の文字が入っています",
        "its length is not between 6 and 16" => "長さが6〜16文字ではありません",
        "a new password needs both letters and digits" => "新しい署名用パスワードには英字と数字の両方が必要です",
        _ => return None,
    })
}

/// A PIN refused before the card, named for its role.
pub fn invalid_pin(role: PinRole, e: &jpki::pin::InvalidPin) -> Failure {
    let name = role.name(e.kind);
    let rule = pin_rule(e.kind);
    let reason = pick(e.reason, reason_ja(e.reason).unwrap_or(e.reason));
    Failure {
        message: tr!(
            "{name} is not valid: {reason}; it must be {rule}. Nothing was sent to the card",
            "{name}が正しくありません ({reason})。{rule}で入力してください。カードには何も送っていません"
        ),
        pin: Some(e.kind),
        ..Failure::from(jpki::Error::from(e.clone()))
    }
}

/// Get and validate one PIN. `file` wins over the environment, which wins
/// over the prompt. Nothing touches the card here.
pub fn obtain(kind: PinKind, role: PinRole, file: Option<&Path>, env_var: &str, prompt: &str) -> Result<Pin, Failure> {
    let text = if let Some(path) = file {
        read_secret_file(path, pick("PIN file", "暗証番号のファイル"))?
    } else if let Some(value) = std::env::var_os(env_var) {
        let value = value.into_string().map_err(|_| {
            Failure::usage(tr!("{env_var} is not valid Unicode", "{env_var} の値が正しい文字列ではありません"))
        })?;
        Zeroizing::new(value)
    } else if interactive() {
        ask(prompt, Echo::Off)?
    } else {
        return Err(Failure {
            code: ExitCode::Usage,
            kind: "no_pin",
            message: tr!(
                "no {} was given and there is no terminal to ask for it",
                "{}が指定されておらず、入力を求める端末もありません",
                pin_name(kind)
            ),
            hint: Some(tr!(
                "Pass it with --pin-file PATH (or - for stdin) or the {env_var} environment variable",
                "--pin-file PATH (標準入力なら -) か環境変数 {env_var} で渡してください"
            )),
            pin: Some(kind),
            tries_left: None,
            unlock: None,
        });
    };
    Pin::new(kind, &text).map_err(|e| invalid_pin(role, &e))
}

/// Ask the person at the terminal a yes/no question; `false` without one,
/// and when interrupted (the caller's command then reports the interrupt).
pub fn confirm(question: &str) -> bool {
    if !interactive() {
        return false;
    }
    match ask(&format!("{question} [y/N] "), Echo::On) {
        Ok(answer) => matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes" | "はい"),
        Err(_) => false,
    }
}

/// Whether what is typed at a prompt is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    On,
    Off,
}

/// How often a prompt looks for an interrupt while it waits for a line: 50 ms.
#[cfg(unix)]
const PROMPT_POLL: rustix::event::Timespec = rustix::event::Timespec { tv_sec: 0, tv_nsec: 50_000_000 };

/// Longest line a prompt takes; a PIN is at most 16 characters.
const MAX_PROMPT_LINE: usize = 256;

fn cannot_read(e: std::io::Error) -> Failure {
    let e = io_problem(&e);
    Failure::usage(tr!("cannot read from the terminal: {e}", "端末から読み取れません: {e}"))
}

/// The typed line without its line break, as text.
fn typed_text(mut line: Zeroizing<Vec<u8>>) -> Result<Zeroizing<String>, Failure> {
    let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
    line.truncate(end);
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let text = std::str::from_utf8(&line).map_err(|_| {
        Failure::usage(pick("what was typed is not UTF-8 text", "入力が UTF-8 のテキストではありません"))
    })?;
    Ok(Zeroizing::new(text.to_string()))
}

/// Append what `from` gives to `line`, never beyond its capacity: growing a
/// vector moves it and leaves the old copy of the typed PIN unzeroized.
#[cfg(unix)]
fn read_into(line: &mut Zeroizing<Vec<u8>>, mut from: impl Read) -> std::io::Result<usize> {
    let mut chunk = Zeroizing::new([0u8; MAX_PROMPT_LINE + 1]);
    let room = (line.capacity() - line.len()).min(chunk.len());
    let n = from.read(&mut chunk[..room])?;
    line.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Show `prompt` on the terminal and read one line from it, without the newline.
///
/// A blocking read would not return on Ctrl-C (the signal handler restarts
/// it), so the terminal is polled and the cancel flag checked between polls:
/// an interrupt ends the prompt on this thread, which restores the echo
/// before anything is reported, so no report races with the terminal's state.
#[cfg(unix)]
pub fn ask(prompt: &str, echo: Echo) -> Result<Zeroizing<String>, Failure> {
    use rustix::event::{PollFd, PollFlags};
    use std::io::Write;
    let file = open_terminal().map_err(cannot_read)?;
    let _echo = match echo {
        Echo::Off => Some(EchoOff::new(&file).map_err(cannot_read)?),
        Echo::On => None,
    };
    let mut tty = &file;
    tty.write_all(prompt.as_bytes()).and_then(|()| tty.flush()).map_err(cannot_read)?;
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_PROMPT_LINE + 1));
    loop {
        if jpki::pcsc::cancelled() {
            // Leave the cursor on a fresh line for the report.
            let _ = tty.write_all(b"\n");
            return Err(Failure::interrupted());
        }
        let ready = {
            let mut fds = [PollFd::new(&tty, PollFlags::IN)];
            match rustix::event::poll(&mut fds, Some(&PROMPT_POLL)) {
                Ok(n) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(cannot_read(e.into())),
            }
        };
        if ready == 0 {
            continue;
        }
        let n = match read_into(&mut line, &mut tty) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot_read(e)),
        };
        if n == 0 || line.contains(&b'\n') || line.len() > MAX_PROMPT_LINE {
            break;
        }
    }
    typed_text(line)
}

/// Show `prompt` and read one line from the console. Without a Unix terminal
/// to poll, the read blocks: an interrupt is seen once the line is in.
#[cfg(not(unix))]
pub fn ask(prompt: &str, echo: Echo) -> Result<Zeroizing<String>, Failure> {
    let typed = match echo {
        Echo::Off => rpassword::prompt_password(prompt).map_err(cannot_read)?,
        Echo::On => {
            // The console, not stdin, which may carry the data to sign.
            use std::io::{BufRead, Write};
            let mut stderr = std::io::stderr();
            stderr.write_all(prompt.as_bytes()).and_then(|()| stderr.flush()).map_err(cannot_read)?;
            let console = open_terminal().map_err(cannot_read)?;
            let mut typed = String::new();
            std::io::BufReader::new(console.take(MAX_PROMPT_LINE as u64 + 1))
                .read_line(&mut typed)
                .map_err(cannot_read)?;
            typed
        }
    };
    let line = Zeroizing::new(typed.into_bytes());
    if jpki::pcsc::cancelled() {
        return Err(Failure::interrupted());
    }
    typed_text(line)
}

/// The terminal's echo, off until dropped (the newline is still echoed).
#[cfg(unix)]
struct EchoOff<'a> {
    tty: &'a std::fs::File,
    saved: rustix::termios::Termios,
}

#[cfg(unix)]
impl<'a> EchoOff<'a> {
    fn new(tty: &'a std::fs::File) -> std::io::Result<EchoOff<'a>> {
        use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
        let saved = tcgetattr(tty)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        tcsetattr(tty, OptionalActions::Now, &quiet)?;
        Ok(EchoOff { tty, saved })
    }
}

#[cfg(unix)]
impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(self.tty, rustix::termios::OptionalActions::Now, &self.saved);
    }
}

/// The lockout guard's consent for the last try: `--force`, or a yes at the terminal.
pub fn last_try_consent(force: bool) -> LastTry {
    LastTry { force }
}

/// See [`last_try_consent`]: the question says the way out should the try block the PIN.
pub struct LastTry {
    force: bool,
}

impl jpki::card::LastTryConsent for LastTry {
    fn consent(&mut self, kind: PinKind, unlock: jpki::card::Unlock) -> bool {
        let (pin, advice) = (super::advice::pin_name(kind), super::advice::if_forgotten(kind, unlock));
        self.force
            || confirm(&super::i18n::tr!(
                "Only 1 try is left for the {pin}. A wrong PIN now blocks it. {advice} Continue?",
                "{pin}の残りは1回です。次に間違えるとロックされます。{advice}続けますか?"
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_pin_is_named_for_its_role() {
        let e = Pin::new(PinKind::Auth, "12").unwrap_err();
        for (role, named) in [
            (PinRole::Only, "the auth PIN (利用者証明用暗証番号) is not valid"),
            (PinRole::Current, "the current auth PIN (利用者証明用暗証番号) is not valid"),
            (PinRole::New, "the new auth PIN (利用者証明用暗証番号) is not valid"),
        ] {
            let f = invalid_pin(role, &e);
            assert!(f.message.starts_with(named), "{role:?}: {}", f.message);
            assert!(f.message.ends_with("Nothing was sent to the card"), "{}", f.message);
            assert_eq!((f.kind, f.code, f.pin), ("invalid_pin", ExitCode::Usage, Some(PinKind::Auth)));
        }
        // Only role changes the wording: the plain message is the library's own.
        assert_eq!(invalid_pin(PinRole::Only, &e).message, e.to_string());
    }
    use std::io::Write;

    #[test]
    fn every_reason_a_pin_is_refused_is_said_in_japanese() {
        use crate::cli::i18n::{set_for_this_thread, Lang};
        let refused = [
            (PinKind::Auth, ""),
            (PinKind::Auth, "１２３４"),
            (PinKind::Auth, "12\u{7}4"),
            (PinKind::Auth, "12a4"),
            (PinKind::CardInfo, "123"),
            (PinKind::Sign, "ABC-123"),
            (PinKind::Sign, "AB12"),
        ];
        let mut errors: Vec<_> = refused.iter().map(|&(kind, text)| Pin::new(kind, text).unwrap_err()).collect();
        errors.push(Pin::new_replacement(PinKind::Sign, "ABCDEFG").unwrap_err());
        set_for_this_thread(Lang::Ja);
        for e in &errors {
            assert!(reason_ja(e.reason).is_some(), "no Japanese for {:?}", e.reason);
            let message = invalid_pin(PinRole::New, e).message;
            assert!(message.starts_with("新しい"), "{message}");
            assert!(!message.contains(e.reason), "{message}");
        }
        set_for_this_thread(Lang::En);
    }

    #[cfg(unix)]
    #[test]
    fn a_long_line_at_the_prompt_never_moves_the_buffer() {
        // Read as the prompt does, without a line break: the buffer never
        // grows, so no copy of what was typed is left behind unzeroized.
        let mut line = Zeroizing::new(Vec::with_capacity(MAX_PROMPT_LINE + 1));
        let (at, capacity) = (line.as_ptr(), line.capacity());
        let typed = [b'1'; 3 * MAX_PROMPT_LINE];
        let mut from = &typed[..];
        while read_into(&mut line, &mut from).unwrap() > 0 && line.len() <= MAX_PROMPT_LINE {}
        assert_eq!((line.as_ptr(), line.capacity()), (at, capacity));
        assert!(line.len() > MAX_PROMPT_LINE);
    }

    #[test]
    fn strips_exactly_one_newline() {
        let dir = tempfile::tempdir().unwrap();
        for (content, expected) in [("1234\n", "1234"), ("1234\r\n", "1234"), ("1234", "1234"), ("1234\n\n", "1234\n")]
        {
            let path = dir.path().join("pin");
            std::fs::File::create(&path).unwrap().write_all(content.as_bytes()).unwrap();
            assert_eq!(read_secret_file(&path, "PIN file").unwrap().as_str(), expected);
        }
    }
}
