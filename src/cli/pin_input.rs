//! Where PINs come from: a file or descriptor, stdin, an environment
//! variable, or a no-echo prompt. Never argv.

use std::io::{IsTerminal, Read};
use std::path::Path;

use jpki::pin::{Pin, PinKind};
use zeroize::Zeroizing;

use super::exit::{ExitCode, Failure};

/// Is there a person at a terminal to ask?
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Longest PIN file accepted; a PIN is at most 16 characters.
const MAX_PIN_FILE: u64 = 64;

/// Read a secret from a file, `/dev/fd/N` or `-` (stdin). Exactly one
/// trailing newline (LF or CRLF) is removed; anything else is kept, so that
/// validation rejects it rather than silently changing the PIN.
/// `what` names the file in errors ("PIN file", "new-PIN file").
pub fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>, Failure> {
    let mut bytes = Zeroizing::new(Vec::new());
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_PIN_FILE + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_PIN_FILE + 1).read_to_end(&mut bytes))
    };
    // The path is not echoed: a PIN typed where a path was expected must not reach the screen.
    result.map_err(|e| Failure::usage(format!("cannot read the {what}: {e}")))?;
    if bytes.len() as u64 > MAX_PIN_FILE {
        return Err(Failure::usage(format!("the {what} is too long to hold a PIN")));
    }
    let newline = if bytes.ends_with(b"\r\n") { 2 } else { usize::from(bytes.ends_with(b"\n")) };
    let keep = bytes.len() - newline;
    bytes.truncate(keep);
    let text = std::str::from_utf8(&bytes).map_err(|_| Failure::usage(format!("the {what} is not UTF-8 text")))?;
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

/// Get and validate one PIN. `file` wins over the environment, which wins
/// over the prompt. Nothing touches the card here.
pub fn obtain(kind: PinKind, file: Option<&Path>, env_var: &str, prompt: &str) -> Result<Pin, Failure> {
    let text = if let Some(path) = file {
        read_secret_file(path, "PIN file")?
    } else if let Some(value) = std::env::var_os(env_var) {
        let value = value.into_string().map_err(|_| Failure::usage(format!("{env_var} is not valid Unicode")))?;
        Zeroizing::new(value)
    } else if interactive() {
        let typed =
            rpassword::prompt_password(prompt).map_err(|e| Failure::usage(format!("cannot read the PIN: {e}")))?;
        Zeroizing::new(typed)
    } else {
        return Err(Failure {
            code: ExitCode::Usage,
            kind: "no_pin",
            message: format!("no {kind} was given and there is no terminal to ask for it"),
            hint: Some(format!("Pass it with --pin-file PATH (or - for stdin) or the {env_var} environment variable")),
            pin: Some(kind),
            tries_left: None,
        });
    };
    Pin::new(kind, &text).map_err(|e| Failure { pin: Some(kind), ..Failure::from(jpki::Error::from(e)) })
}

/// Ask the person at the terminal a yes/no question; `false` without one.
pub fn confirm(question: &str) -> bool {
    if !interactive() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// The lockout guard's consent for the last try: `--force`, or a yes at the terminal.
pub fn last_try_consent(force: bool) -> impl FnMut(PinKind) -> bool {
    move |kind| {
        force
            || confirm(&format!(
                "Only 1 try is left for the {kind}. A wrong PIN now blocks it until you visit your municipal office. Continue?"
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
