//! Exit codes and the one-line error messages (what happened, what to do).

use jpki::pin::PinKind;
use jpki::transport::TransportError;
use jpki::Error;

/// The documented exit codes. Scripts may rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// A bug in jpki: please report it.
    Internal = 1,
    /// Bad command line or input (including a PIN that cannot be valid); nothing was sent to the
    /// card, except in a `--keep-going` batch, whose good lines were signed.
    Usage = 2,
    /// No PC/SC service, no reader, no card, not a My Number Card, a card
    /// without the applet the command needs, or the card is busy.
    NoCard = 3,
    /// Wrong PIN: one try was spent.
    WrongPin = 4,
    /// The PIN is blocked, or the guard refused to spend the last try.
    PinBlocked = 5,
    /// The card or the link to it failed, or answered something unexpected.
    CardError = 6,
    /// The card has no signing certificate (not issued to this holder). A wrong
    /// signing password given with it still spent its try; the failure says so.
    NoSignCert = 7,
    /// `check`: the signature or digest does not match.
    BadSignature = 8,
    /// `check`: the certificate is expired or not yet valid.
    CertNotValidNow = 9,
    /// `check`: the certificate's key usage does not allow signing.
    CertKeyUsage = 10,
    /// `check`: the certificate was not issued by the given CA.
    CertChain = 11,
    /// The command ran (the card may have signed), but its result could not be
    /// written: an unwritable file, a full disk, or a closed pipe for a signature.
    OutputFailed = 12,
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT); nothing more was sent and the card was
    /// disconnected (powered down if a PIN may have been verified).
    Interrupted = 130,
}

/// A failure of a command, ready to print.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    /// Stable machine name, used in JSON.
    pub kind: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub pin: Option<PinKind>,
    pub tries_left: Option<u8>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: ExitCode::Usage,
            kind: "usage",
            message: message.into(),
            hint: None,
            pin: None,
            tries_left: None,
        }
    }

    /// The result could not be written after the card was used.
    pub fn output(message: impl Into<String>) -> Self {
        Failure { code: ExitCode::OutputFailed, kind: "output_error", ..Failure::usage(message) }
    }

    /// Stopped by a signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT).
    pub fn interrupted() -> Self {
        Failure { code: ExitCode::Interrupted, kind: "interrupted", ..Failure::usage("interrupted") }.with_hint(
            "Nothing more was sent, and the card, if one was in use, was disconnected (powered down if a PIN may have \
             been verified); if a VERIFY was under way, check the counter with `jpki status`",
        )
    }

    /// This failure, or the result of a command that ended anyway, when an
    /// interrupt came first: the interrupt is what gets reported, and what
    /// had happened is kept in the message.
    pub fn interrupted_after(earlier: Option<Failure>) -> Self {
        let interrupted = Failure::interrupted();
        match earlier {
            Some(f) if f.kind != "interrupted" => Failure {
                message: format!("interrupted; before it stopped: {}", f.message),
                pin: f.pin,
                tries_left: f.tries_left,
                ..interrupted
            },
            _ => interrupted,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The single line printed on stderr.
    pub fn line(&self) -> String {
        match &self.hint {
            Some(h) => format!("jpki: error: {}. {}", self.message, h),
            None => format!("jpki: error: {}", self.message),
        }
    }
}

fn check_counter_hint() -> String {
    "Check the counter, which spends no try, with `jpki status`".into()
}

fn blocked_hint(kind: PinKind) -> String {
    match kind {
        PinKind::Sign => "Only your municipal office (市区町村窓口) can reset it: bring the card and photo ID; \
                          you will set a new password there"
            .into(),
        _ => "Only your municipal office (市区町村窓口) can unblock it: bring the card and photo ID".into(),
    }
}

/// What to do when the PC/SC service cannot be reached on `os`
/// (`std::env::consts::OS`): only Linux and the BSDs run pcscd as a service to start.
fn no_service_hint(os: &str) -> &'static str {
    match os {
        "windows" => "Plug in the reader: Windows starts its Smart Card service (SCardSvr) when a reader is connected and stops it when none is",
        "macos" => "macOS has PC/SC built in: plug in the reader and try again",
        _ => "Start it with `sudo systemctl start pcscd` (Debian/Ubuntu: `sudo apt-get install pcscd`; Fedora: `sudo dnf install pcsc-lite`)",
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        let f = |code, kind: &'static str, hint: Option<String>| Failure {
            code,
            kind,
            message: message.clone(),
            hint,
            pin: None,
            tries_left: None,
        };
        match e {
            Error::NoService => f(ExitCode::NoCard, "no_service", Some(no_service_hint(std::env::consts::OS).into())),
            Error::NoReader => f(
                ExitCode::NoCard,
                "no_reader",
                Some("Connect a reader, or start the virtual card with `jpki-sim`".into()),
            ),
            Error::NoCard { .. } | Error::NoCardAnywhere => f(
                ExitCode::NoCard,
                "no_card",
                Some("Insert the card (or hold it on the NFC reader), or use --wait SECONDS".into()),
            ),
            Error::ReaderNotFound { .. } => {
                f(ExitCode::NoCard, "reader_not_found", Some("List readers with `jpki readers`".into()))
            }
            Error::AmbiguousReader { .. } | Error::ReaderQueryAmbiguous { .. } => {
                f(ExitCode::NoCard, "ambiguous_reader", Some("Choose one with --reader NAME or --reader INDEX".into()))
            }
            Error::NotJpki { .. } => {
                f(ExitCode::NoCard, "not_jpki", Some("Insert a My Number Card (マイナンバーカード)".into()))
            }
            Error::AppletMissing { .. } => f(
                ExitCode::NoCard,
                "applet_missing",
                Some("This command cannot be used with this card; `jpki status` shows what the card has".into()),
            ),
            Error::WrongPin { kind, tries_left } => {
                let hint = match tries_left {
                    0 => blocked_hint(kind),
                    1 => "Only one try is left: be sure before the next attempt".to_string(),
                    _ => check_counter_hint(),
                };
                Failure {
                    pin: Some(kind),
                    tries_left: Some(tries_left),
                    ..f(ExitCode::WrongPin, "wrong_pin", Some(hint))
                }
            }
            Error::PinBlocked { kind } => Failure {
                pin: Some(kind),
                tries_left: Some(0),
                ..f(ExitCode::PinBlocked, "pin_blocked", Some(format!("Nothing was sent. {}", blocked_hint(kind))))
            },
            Error::LastTryNeedsConsent { kind } => Failure {
                pin: Some(kind),
                tries_left: Some(1),
                ..f(
                    ExitCode::PinBlocked,
                    "last_try_refused",
                    Some("Nothing was sent. A wrong PIN now blocks it; if you are sure, run again with --force".into()),
                )
            },
            Error::VerifyOutcomeUnknown { kind } => Failure {
                pin: Some(kind),
                ..f(ExitCode::CardError, "verify_outcome_unknown", Some(check_counter_hint() + " before trying again"))
            },
            Error::VerifyUnexpectedAnswer { kind, after, .. } => Failure {
                pin: Some(kind),
                tries_left: match after {
                    Some(jpki::card::PinState::TriesLeft(n)) => Some(n),
                    Some(jpki::card::PinState::Blocked) => Some(0),
                    _ => None,
                },
                ..f(ExitCode::CardError, "verify_outcome_unknown", Some(check_counter_hint() + " before trying again"))
            },
            Error::ChangeUnexpectedAnswer { kind, .. } => change_outcome_unknown(kind, message),
            Error::PinNotVerified { kind } => Failure {
                pin: Some(kind),
                ..f(
                    ExitCode::CardError,
                    "pin_not_verified",
                    Some("Try again; if it repeats, report it with `-v` output".into()),
                )
            },
            Error::SignCertNotIssued { wrong_pin: None } => f(
                ExitCode::NoSignCert,
                "sign_cert_not_issued",
                Some("The auth certificate (利用者証明用) may still be used: try `--key auth` or `cert auth`".into()),
            ),
            // The try is spent all the same: say so, with the wrong-PIN advice.
            Error::SignCertNotIssued { wrong_pin: Some(tries_left) } => {
                let failure = Failure::from(Error::SignCertNotIssued { wrong_pin: None });
                let wrong = Failure::from(Error::WrongPin { kind: PinKind::Sign, tries_left });
                Failure {
                    message: format!(
                        "{}; the signing password given was also wrong ({tries_left} tries left)",
                        failure.message
                    ),
                    hint: wrong.hint,
                    pin: Some(PinKind::Sign),
                    tries_left: Some(tries_left),
                    ..failure
                }
            }
            Error::InvalidPin(ref p) => Failure { pin: Some(p.kind), ..f(ExitCode::Usage, "invalid_pin", None) },
            Error::Transport(TransportError::CardGone) => {
                f(ExitCode::CardError, "card_removed", Some("Keep the card in the reader and try again".into()))
            }
            Error::Transport(TransportError::Cancelled) => Failure::interrupted(),
            Error::Transport(TransportError::Unresponsive { .. }) => f(
                ExitCode::CardError,
                "communication_error",
                Some(
                    "jpki gave up on it and could not power it down: remove the card from the reader (or unplug the \
                      reader) before anyone uses it, then try again; --apdu-timeout SECONDS allows a slower card"
                        .into(),
                ),
            ),
            Error::Transport(TransportError::Busy) => f(
                ExitCode::NoCard,
                "card_busy",
                Some("Close the other program using it, or retry with --wait SECONDS".into()),
            ),
            Error::Transport(_) | Error::Pcsc(_) => {
                f(ExitCode::CardError, "communication_error", Some("Check the reader and try again".into()))
            }
            Error::UnexpectedStatus { .. }
            | Error::PinFileNotSelected { .. }
            | Error::OddRetryAnswer { .. }
            | Error::BadCardData(_) => f(
                ExitCode::CardError,
                "card_error",
                Some("Nothing more was sent; run with -v for an APDU trace".into()),
            ),
            Error::SelfCheckFailed(_) => f(
                ExitCode::CardError,
                "self_check_failed",
                Some("No signature was output. Try again; if it repeats, the card or reader is faulty".into()),
            ),
        }
    }
}

/// A PIN change whose answer was lost or odd: the card may have stored the new
/// PIN, so nothing may say that the old one still works.
pub fn change_outcome_unknown(kind: PinKind, message: String) -> Failure {
    Failure {
        code: ExitCode::CardError,
        kind: "change_outcome_unknown",
        message,
        hint: Some(format!(
            "The new {kind} may be in force. `jpki status` shows the tries left and spends none; then \
             `jpki verify {}` with the NEW PIN finds out: accepted, it was changed; refused, which costs one try, \
             it was not",
            kind.name()
        )),
        pin: Some(kind),
        tries_left: None,
    }
}

// No `From<std::io::Error>`: exit 2 promises that nothing was sent to the card,
// which an I/O error after the card was used would break. Each I/O error is
// mapped where it happens (`Failure::usage` before the card, `Failure::output` after).

#[cfg(test)]
mod tests {
    use super::{no_service_hint, ExitCode, Failure};
    use jpki::transport::TransportError;

    #[test]
    fn a_card_in_use_is_one_failure_whenever_it_is_found() {
        // At connect (PC/SC sharing violation) and mid-command alike.
        let f = Failure::from(jpki::Error::Transport(TransportError::Busy));
        assert_eq!((f.code, f.kind), (ExitCode::NoCard, "card_busy"));
        assert_eq!(f.message, "the card is in use by another program");
        assert!(f.hint.unwrap().contains("Close the other program"));
    }

    #[test]
    fn an_io_error_is_never_turned_into_a_failure_implicitly() {
        // Method lookup picks `Implicit` only when `io::Error: Into<Failure>`.
        struct Probe<T>(std::marker::PhantomData<T>);
        #[allow(dead_code)] // used only while the conversion exists
        trait Implicit {
            fn converts(&self) -> bool {
                true
            }
        }
        impl<T: Into<Failure>> Implicit for Probe<T> {}
        trait Explicit {
            fn converts(&self) -> bool {
                false
            }
        }
        impl<T> Explicit for &Probe<T> {}
        assert!(!(&Probe::<std::io::Error>(std::marker::PhantomData)).converts());
    }

    #[test]
    fn no_service_hint_fits_the_platform() {
        assert!(no_service_hint("linux").contains("systemctl start pcscd"));
        for os in ["windows", "macos"] {
            let hint = no_service_hint(os);
            assert!(!hint.contains("systemctl") && !hint.contains("pcscd") && !hint.contains("sudo"), "{os}: {hint}");
        }
    }
}
