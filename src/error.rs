//! The library's error type. Messages say what happened; the CLI adds what to do.

use crate::apdu::StatusWord;
use crate::card::{CertKind, PinState, Unlock};
use crate::pin::{InvalidPin, PinKind};
use crate::transport::{ExchangeError, TransportError};

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the PC/SC service (pcscd) is not running or not reachable")]
    NoService,
    #[error("no smart-card reader is connected")]
    NoReader,
    #[error("no card in reader {reader:?}")]
    NoCard { reader: String },
    #[error("no card is present in any reader")]
    NoCardAnywhere,
    #[error("no reader matches {query:?}; readers: {}", available.join(", "))]
    ReaderNotFound { query: String, available: Vec<String> },
    #[error("several readers hold a My Number Card: {}", candidates.join(", "))]
    AmbiguousReader { candidates: Vec<String> },
    #[error("{query:?} matches several readers: {}", candidates.join(", "))]
    ReaderQueryAmbiguous { query: String, candidates: Vec<String> },
    #[error("the card in reader {reader:?} has no JPKI applet (it is not a My Number Card)")]
    NotJpki { reader: String },
    #[error("this card has no {applet}")]
    AppletMissing { applet: &'static str },
    /// `unlock`: at the last try or blocked, the way out should it be
    /// forgotten, from the other JPKI counter.
    #[error("wrong {kind}, {tries_left} {} left", if *tries_left == 1 { "try" } else { "tries" })]
    WrongPin { kind: PinKind, tries_left: u8, unlock: Option<Unlock> },
    #[error("the {kind} is blocked")]
    PinBlocked { kind: PinKind, unlock: Unlock },
    #[error("only one try is left for the {kind}; refusing without consent")]
    LastTryNeedsConsent { kind: PinKind, unlock: Unlock },
    #[error("the link to the card failed during the {kind} check (card removed or garbled answer); whether the try was counted is unknown")]
    VerifyOutcomeUnknown { kind: PinKind },
    #[error("the card answered {sw} to the {kind} check (VERIFY); {}", after_odd_verify(*before, *after))]
    VerifyUnexpectedAnswer { kind: PinKind, sw: StatusWord, before: PinState, after: Option<PinState> },
    #[error("the card answered {sw} to the change of the {kind}; whether it was changed is unknown")]
    ChangeUnexpectedAnswer { kind: PinKind, sw: StatusWord },
    #[error("the card refused: the {kind} has not been verified in this session")]
    PinNotVerified { kind: PinKind },
    /// `wrong_pin`: a wrong signing password was given too, and its try was
    /// spent; this many tries are left.
    #[error("this card has no signing certificate (署名用電子証明書 not issued)")]
    SignCertNotIssued { wrong_pin: Option<u8> },
    #[error(transparent)]
    InvalidPin(#[from] InvalidPin),
    #[error("the card answered {sw} to {operation}")]
    UnexpectedStatus { operation: &'static str, sw: StatusWord },
    /// A PIN's file could not be selected (6A82: the card has no such PIN).
    #[error("the card answered {sw} to SELECT of the PIN file")]
    PinFileNotSelected { sw: StatusWord },
    /// The retry query got an answer that is neither a count nor "blocked".
    #[error("the card answered {sw} to the retry query")]
    OddRetryAnswer { sw: StatusWord },
    #[error("the card sent bad data: {0}")]
    BadCardData(#[from] BadData),
    #[error("the signature made by the card does not verify against its certificate: {0}")]
    SelfCheckFailed(#[source] crate::cert::CertError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("PC/SC error: {0}")]
    Pcsc(#[source] pcsc::Error),
}

impl Error {
    /// The status word of an unexpected answer from the card, if that is
    /// what this error is.
    pub fn unexpected_sw(&self) -> Option<StatusWord> {
        match self {
            Error::UnexpectedStatus { sw, .. } | Error::PinFileNotSelected { sw } | Error::OddRetryAnswer { sw } => {
                Some(*sw)
            }
            _ => None,
        }
    }
}

/// What was wrong with what the card sent: an answer that framed well but
/// cannot be what the card should hold.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BadData {
    #[error("the {} certificate file is empty", kind.name())]
    EmptyCertificateFile { kind: CertKind },
    #[error("certificate file: {0}")]
    CertificateHeader(#[source] crate::cert::DerError),
    #[error("the file ended after {got} bytes but its header says {total}")]
    FileEndedEarly { got: usize, total: usize },
    #[error("read offset {offset} is out of range")]
    ReadOffsetOutOfRange { offset: usize },
    #[error("READ BINARY returned {got} bytes for Le {le}")]
    ReadTooLong { got: usize, le: usize },
    #[error("the certificate-availability file (EF 0008) gave {got} of its 3 bytes")]
    AvailabilityFileShort { got: usize },
    /// Before a VERIFY again with a PIN already proven in this session.
    #[error("the {kind} counter fell to {tries_left} although the PIN was verified in this session; stopping")]
    CounterFellAfterVerify { kind: PinKind, tries_left: u8 },
    #[error("COMPUTE DIGITAL SIGNATURE returned no data")]
    EmptySignature,
    #[error(transparent)]
    CardInfo(#[from] crate::cardinfo::CardInfoError),
    #[error(transparent)]
    Certificate(#[from] crate::cert::CertError),
    #[error(transparent)]
    Cms(#[from] crate::cms::CmsError),
    /// The answer itself was malformed or out of bounds.
    #[error(transparent)]
    Exchange(ExchangeError),
}

/// What the counter, read again after an odd answer to VERIFY, tells.
fn after_odd_verify(before: PinState, after: Option<PinState>) -> String {
    match (before, after) {
        (_, None) => "the counter could not be read again, so whether the try was counted is unknown".into(),
        (_, Some(PinState::Blocked)) => "the counter now shows it blocked: the try was counted".into(),
        (_, Some(PinState::Verified)) => "the card now reports it verified, which jpki does not rely on".into(),
        (PinState::TriesLeft(m), Some(PinState::TriesLeft(n))) if n < m => {
            format!("the counter fell from {m} to {n}: the try was counted")
        }
        (PinState::TriesLeft(_), Some(PinState::TriesLeft(n))) => {
            format!("the counter still shows {n} tries left: the try was not counted")
        }
        (_, Some(PinState::TriesLeft(n))) => format!("the counter now shows {n} tries left"),
    }
}

impl From<ExchangeError> for Error {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Transport(t) => Error::Transport(t),
            other => Error::BadCardData(BadData::Exchange(other)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_sources() {
        use std::error::Error as _;
        let self_check = Error::SelfCheckFailed(crate::cert::CertError::Parse("bad".into()));
        assert!(self_check.source().is_some_and(|s| s.to_string().contains("bad")));
        let pcsc = Error::Pcsc(pcsc::Error::InvalidHandle);
        assert!(pcsc.source().is_some());
        assert_eq!(pcsc.to_string(), format!("PC/SC error: {}", pcsc::Error::InvalidHandle));
        let not_utf8 = crate::cardinfo::parse_attributes(&[0xFF, 0x20, 0x04, 0xDF, 0x22, 0x01, 0xFF]).unwrap_err();
        let bad = Error::from(BadData::from(not_utf8));
        assert_eq!(bad.to_string(), "the card sent bad data: an attribute is not UTF-8");
        assert!(bad.source().is_some_and(|s| s.source().is_some()), "the UTF-8 error is kept");
    }
}
