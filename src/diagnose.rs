//! The checks behind `jpki doctor`: from the PC/SC service to the readers, the
//! card, its counters, its certificates and, when asked, its PINs. Every check
//! is a typed [`Finding`] with a [`Status`]; wording and advice are the
//! caller's. [`verdicts`] says, for each [`Purpose`], whether the card will do.
//!
//! What it probes of the system beyond PC/SC is read-only and fixed: whether
//! a few well-known paths exist (pcscd, systemd's units) and the USB class
//! files under /sys. It reads no environment variable and runs or lists no
//! process, so a caller's environment cannot steer what it reports.

use std::path::Path;

use crate::card::{
    CardStatus, CertKind, Counter, CounterReading, Counters, Device, JpkiCard, LastTryConsent, PinState, StatusRequest,
    Unlock,
};
use crate::cert::{CertState, CertSummary};
use crate::error::Error;
use crate::pcsc::{find_reader, Pcsc, ReaderInfo};
use crate::pin::{Pin, PinKind};
use crate::transport::{Transport, TransportError};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    /// Works now, but wants attention (the last try, a renewal window).
    Warn,
    /// Stops the holder.
    Fail,
}

impl Status {
    /// Stable name, used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// What a purpose relies on on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// 利用者証明用電子証明書
    AuthCertificate,
    /// 利用者証明用暗証番号
    AuthPin,
    /// 署名用電子証明書
    SignCertificate,
    /// 署名用パスワード
    SignPin,
    /// 券面事項入力補助用暗証番号: no purpose here needs it, so its trouble
    /// is a warning.
    CardInfoPin,
}

/// What the holder wants the card for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// e-Tax: logging in with the auth certificate and filing with a signature.
    Etax,
    /// マイナポータル: logging in with the auth certificate.
    MynaPortal,
    /// 法務局 (登記・供託オンライン申請): signed applications.
    Houmukyoku,
    /// Any login with the auth certificate (コンビニ交付, banks, health insurance).
    Login,
    /// Any electronic signature with the signing key (`jpki sign`, `jpki pdf sign`).
    Signing,
}

impl Purpose {
    pub const ALL: [Purpose; 5] =
        [Purpose::Etax, Purpose::MynaPortal, Purpose::Houmukyoku, Purpose::Login, Purpose::Signing];

    /// Stable name, used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Etax => "etax",
            Purpose::MynaPortal => "myna-portal",
            Purpose::Houmukyoku => "houmukyoku",
            Purpose::Login => "login",
            Purpose::Signing => "signing",
        }
    }

    pub fn needs(self) -> &'static [Need] {
        const AUTH: &[Need] = &[Need::AuthCertificate, Need::AuthPin];
        const SIGN: &[Need] = &[Need::SignCertificate, Need::SignPin];
        const BOTH: &[Need] = &[Need::AuthCertificate, Need::AuthPin, Need::SignCertificate, Need::SignPin];
        match self {
            Purpose::Etax => BOTH,
            Purpose::MynaPortal | Purpose::Login => AUTH,
            Purpose::Houmukyoku | Purpose::Signing => SIGN,
        }
    }
}

/// The platform's PC/SC service, when it could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceProbe {
    /// pcsc-lite (Linux, the BSDs): whether pcscd is installed, and whether
    /// systemd could start it on demand (its socket unit is installed).
    PcscLite { installed: bool, systemd: bool, socket_unit: bool },
    /// macOS: PC/SC is part of the system.
    MacOs,
    /// Windows: the Smart Card service stops when no reader is plugged in.
    Windows,
}

/// What one check found.
#[derive(Debug)]
pub enum Finding {
    /// The PC/SC service answered.
    ServiceRunning,
    ServiceDown(ServiceProbe),
    /// Another PC/SC failure while reaching the service or listing readers.
    PcscError(Cause),
    /// The reader to use, and how many there are.
    Reader {
        name: String,
        readers: usize,
    },
    /// No reader listed; `unlisted_usb` smart-card interfaces (USB class
    /// 0B) are plugged in all the same (Linux only): readers without a driver.
    NoReader {
        unlisted_usb: usize,
    },
    /// `--reader` names no reader.
    ReaderNotFound {
        query: String,
        available: Vec<String>,
    },
    /// `--reader` names several readers.
    ReaderQueryAmbiguous {
        query: String,
        candidates: Vec<String>,
    },
    /// The JPKI applet answered: what carries it (EF 0006: the card or a
    /// smartphone), and whether it has the 券面事項入力補助AP (`None`: its
    /// SELECT got an odd answer).
    Card {
        reader: String,
        device: Device,
        card_info_applet: Option<bool>,
    },
    NoCard,
    /// Several readers hold a My Number Card and none was named.
    SeveralCards {
        candidates: Vec<String>,
    },
    NotJpki,
    CardBusy,
    /// The card or the link failed, or the card answered something odd.
    CardError(Cause),
    /// A retry counter, read without spending a try.
    Counter {
        pin: PinKind,
        state: CounterState,
    },
    /// A certificate's presence and validity.
    Certificate {
        cert: CertKind,
        state: CertStatus,
    },
    /// A PIN checked with `--verify`.
    Pin {
        pin: PinKind,
        outcome: PinOutcome,
    },
}

/// A retry counter's state.
/// Why a step failed: the library's own error, for whoever shows it to word it
/// in the holder's language, or a reason its caller has already worded.
#[derive(Debug, Clone)]
pub enum Cause {
    Error(Error),
    Worded(String),
}

impl From<Error> for Cause {
    fn from(e: Error) -> Self {
        Cause::Error(e)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Error(e) => e.fmt(f),
            Cause::Worded(text) => f.write_str(text),
        }
    }
}

// Findings are compared by what they say (errors have no equality of their own).
impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Cause {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterState {
    /// Tries left, more than one.
    Tries {
        left: u8,
        /// `None` where no source gives it (the smartphone certificate).
        max: Option<u8>,
    },
    /// One try left: the next wrong PIN blocks it; `unlock` is the way out
    /// if it does, or if the PIN is forgotten.
    LastTry {
        max: Option<u8>,
        unlock: Unlock,
    },
    Blocked {
        unlock: Unlock,
    },
    /// Verified in the card's current power session (count not shown).
    Verified,
    /// The signing password of a card without a signing certificate.
    NotInUse,
    /// The card gave no usable answer.
    Unreadable(Cause),
}

/// A certificate's presence and, once read, its validity.
#[derive(Debug, Clone)]
pub enum CertStatus {
    /// Read: its dates and its state now (valid, renewal open, expired, not
    /// yet valid), as [`crate::cert::summarize`] gives them.
    Read(Box<CertSummary>),
    /// The card has no signing certificate (holders under 15, among others).
    NotIssued,
    /// The certificate is there but is read only behind this PIN (the
    /// signing certificate everywhere, the auth certificate on a smartphone):
    /// its expiry is checked with `--verify`.
    BehindPin(PinKind),
    /// EF 0008 holds no value `jpki` knows.
    Unknown,
    /// Present but unreadable or not a certificate.
    Unreadable(Cause),
}

/// What `--verify` found.
#[derive(Debug)]
pub enum PinOutcome {
    Correct,
    /// One try was spent; this many are left (with the way out at 1 or 0).
    Wrong {
        tries_left: u8,
        unlock: Option<Unlock>,
    },
    /// Not tried: blocked.
    Blocked {
        unlock: Unlock,
    },
    /// Not tried: the last try, without consent.
    LastTryRefused {
        unlock: Unlock,
    },
    /// Not tried: the card has no signing certificate.
    NoCertificate,
    /// Anything else (the outcome may be unknown: the message says).
    Error(Cause),
}

/// One check: what it found, how that came out, and which needs it bears on
/// (empty: every purpose).
#[derive(Debug)]
pub struct Check {
    pub finding: Finding,
    pub status: Status,
    pub needs: &'static [Need],
}

impl From<Finding> for Check {
    fn from(finding: Finding) -> Check {
        Check::new(finding)
    }
}

impl Check {
    fn new(finding: Finding) -> Check {
        let status = finding.status();
        let needs = finding.needs();
        Check { finding, status, needs }
    }

    /// Does it bear on any of these purposes?
    pub fn concerns(&self, purposes: &[Purpose]) -> bool {
        self.needs.is_empty() || purposes.iter().any(|p| p.needs().iter().any(|n| self.needs.contains(n)))
    }
}

impl Finding {
    /// Stable machine name, used in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::ServiceRunning => "service_running",
            Finding::ServiceDown(ServiceProbe::PcscLite { installed: false, .. }) => "service_not_installed",
            Finding::ServiceDown(_) => "service_not_running",
            Finding::PcscError(_) => "pcsc_error",
            Finding::Reader { .. } => "reader_found",
            Finding::NoReader { unlisted_usb: 0 } => "no_reader",
            Finding::NoReader { .. } => "reader_without_driver",
            Finding::ReaderNotFound { .. } => "reader_not_found",
            Finding::ReaderQueryAmbiguous { .. } => "ambiguous_reader",
            Finding::Card { device, .. } if device.is_smartphone() => "smartphone",
            Finding::Card { .. } => "my_number_card",
            Finding::NoCard => "no_card",
            Finding::SeveralCards { .. } => "several_cards",
            Finding::NotJpki => "not_jpki",
            Finding::CardBusy => "card_busy",
            Finding::CardError(_) => "card_error",
            Finding::Counter { state, .. } => match state {
                CounterState::Tries { .. } => "tries_left",
                CounterState::LastTry { .. } => "last_try",
                CounterState::Blocked { .. } => "pin_blocked",
                CounterState::Verified => "pin_verified_in_session",
                CounterState::NotInUse => "pin_not_in_use",
                CounterState::Unreadable(_) => "counter_unreadable",
            },
            Finding::Certificate { state, .. } => match state {
                CertStatus::Read(summary) => match summary.state {
                    CertState::Valid => "certificate_valid",
                    CertState::RenewalOpen => "certificate_renewal_open",
                    CertState::Expired => "certificate_expired",
                    CertState::NotYetValid => "certificate_not_yet_valid",
                },
                CertStatus::NotIssued => "sign_cert_not_issued",
                CertStatus::BehindPin(_) => "certificate_issued",
                CertStatus::Unknown => "certificate_availability_unknown",
                CertStatus::Unreadable(_) => "certificate_unreadable",
            },
            Finding::Pin { outcome, .. } => match outcome {
                PinOutcome::Correct => "pin_correct",
                PinOutcome::Wrong { .. } => "wrong_pin",
                PinOutcome::Blocked { .. } => "pin_blocked",
                PinOutcome::LastTryRefused { .. } => "last_try_refused",
                PinOutcome::NoCertificate => "sign_cert_not_issued",
                PinOutcome::Error(_) => "verify_failed",
            },
        }
    }

    /// The step of the walk it belongs to, used in JSON.
    pub fn step(&self) -> &'static str {
        match self {
            Finding::ServiceRunning | Finding::ServiceDown(_) | Finding::PcscError(_) => "service",
            Finding::Reader { .. }
            | Finding::NoReader { .. }
            | Finding::ReaderNotFound { .. }
            | Finding::ReaderQueryAmbiguous { .. } => "reader",
            Finding::Card { .. }
            | Finding::NoCard
            | Finding::SeveralCards { .. }
            | Finding::NotJpki
            | Finding::CardBusy
            | Finding::CardError(_) => "card",
            Finding::Counter { .. } => "counter",
            Finding::Certificate { .. } => "certificate",
            Finding::Pin { .. } => "pin",
        }
    }

    fn status(&self) -> Status {
        match self {
            Finding::ServiceRunning | Finding::Reader { .. } | Finding::Card { .. } => Status::Ok,
            Finding::Counter { state, .. } => match state {
                CounterState::Tries { .. } | CounterState::Verified | CounterState::NotInUse => Status::Ok,
                CounterState::LastTry { .. } | CounterState::Unreadable(_) => Status::Warn,
                CounterState::Blocked { .. } => Status::Fail,
            },
            Finding::Certificate { state, .. } => match state {
                CertStatus::Read(summary) => match summary.state {
                    CertState::Valid => Status::Ok,
                    CertState::RenewalOpen => Status::Warn,
                    // Not yet valid: unusable too (or this computer's clock is wrong).
                    CertState::Expired | CertState::NotYetValid => Status::Fail,
                },
                CertStatus::BehindPin(_) => Status::Ok,
                CertStatus::Unknown => Status::Warn,
                CertStatus::NotIssued | CertStatus::Unreadable(_) => Status::Fail,
            },
            Finding::Pin { outcome: PinOutcome::Correct, .. } => Status::Ok,
            _ => Status::Fail,
        }
    }

    fn needs(&self) -> &'static [Need] {
        let pin = |kind: &PinKind| match kind {
            PinKind::Auth => &[Need::AuthPin][..],
            PinKind::Sign => &[Need::SignPin][..],
            PinKind::CardInfo => &[Need::CardInfoPin][..],
        };
        match self {
            Finding::Counter { pin: kind, .. } | Finding::Pin { pin: kind, .. } => pin(kind),
            Finding::Certificate { cert: CertKind::Auth | CertKind::AuthCa, .. } => &[Need::AuthCertificate],
            Finding::Certificate { cert: CertKind::Sign | CertKind::SignCa, .. } => &[Need::SignCertificate],
            _ => &[],
        }
    }
}

/// Step 1: reach the PC/SC service. On failure, what the platform shows of it.
pub fn service() -> Result<Pcsc, Check> {
    match Pcsc::establish() {
        Ok(pcsc) => Ok(pcsc),
        Err(Error::NoService) => Err(Check::new(Finding::ServiceDown(probe_service(std::env::consts::OS)))),
        Err(e) => Err(Check::new(Finding::PcscError(e.into()))),
    }
}

/// The check for a service that answered.
pub fn service_running() -> Check {
    Check::new(Finding::ServiceRunning)
}

/// What `os` (`std::env::consts::OS`) shows of its PC/SC service.
pub fn probe_service(os: &str) -> ServiceProbe {
    match os {
        "macos" => ServiceProbe::MacOs,
        "windows" => ServiceProbe::Windows,
        _ => {
            let any = |paths: &[&str]| paths.iter().any(|p| Path::new(p).exists());
            ServiceProbe::PcscLite {
                installed: any(&["/usr/sbin/pcscd", "/usr/bin/pcscd", "/sbin/pcscd", "/usr/local/sbin/pcscd"]),
                // systemd's own marker that it is the running init.
                systemd: any(&["/run/systemd/system"]),
                socket_unit: any(&[
                    "/usr/lib/systemd/system/pcscd.socket",
                    "/lib/systemd/system/pcscd.socket",
                    "/etc/systemd/system/pcscd.socket",
                ]),
            }
        }
    }
}

/// Step 2: the reader to use, among those the service lists.
pub fn reader(pcsc: &Pcsc, query: Option<&str>) -> Check {
    match pcsc.readers() {
        Ok(readers) if readers.is_empty() => {
            Check::new(Finding::NoReader { unlisted_usb: usb_card_interfaces(Path::new(USB_DEVICES)) })
        }
        Ok(readers) => choose(&readers, query),
        Err(e) => Check::new(Finding::PcscError(e.into())),
    }
}

/// Where Linux lists USB devices and their interfaces.
const USB_DEVICES: &str = "/sys/bus/usb/devices";

/// The USB interfaces of the smart-card class (0B, CCID) listed under
/// `root` (an interface's directory holds `bInterfaceClass`). None where
/// there is no such directory (systems other than Linux).
pub fn usb_card_interfaces(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else { return 0 };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("bInterfaceClass")).ok())
        .filter(|class| class.trim().eq_ignore_ascii_case("0b"))
        .count()
}

/// [`reader`] on a known list. Without a query, several readers are fine:
/// the card step picks the one holding the card.
pub fn choose(readers: &[ReaderInfo], query: Option<&str>) -> Check {
    let finding = match (readers, query) {
        ([], _) => Finding::NoReader { unlisted_usb: 0 },
        (_, Some(q)) => match find_reader(readers, q) {
            Ok(r) => Finding::Reader { name: r.name, readers: readers.len() },
            Err(Error::ReaderNotFound { query, available }) => Finding::ReaderNotFound { query, available },
            Err(Error::ReaderQueryAmbiguous { query, candidates }) => {
                Finding::ReaderQueryAmbiguous { query, candidates }
            }
            Err(e) => Finding::PcscError(e.into()),
        },
        (_, None) => {
            let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.card_present).collect();
            let name = match with_card.as_slice() {
                [only] => only.name.clone(),
                _ => readers.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
            };
            Finding::Reader { name, readers: readers.len() }
        }
    };
    Check::new(finding)
}

/// Is there a card in the reader `query` names (in any reader without one)?
pub fn card_present(readers: &[ReaderInfo], query: Option<&str>) -> bool {
    match query {
        Some(q) => find_reader(readers, q).is_ok_and(|r| r.card_present),
        None => readers.iter().any(|r| r.card_present),
    }
}

/// Step 3, when the card could not be opened: what stopped it.
pub fn card_not_opened(e: Error) -> Check {
    Check::new(match e {
        Error::NoService => Finding::ServiceDown(probe_service(std::env::consts::OS)),
        Error::NoReader => Finding::NoReader { unlisted_usb: 0 },
        Error::ReaderNotFound { query, available } => Finding::ReaderNotFound { query, available },
        Error::ReaderQueryAmbiguous { query, candidates } => Finding::ReaderQueryAmbiguous { query, candidates },
        Error::NoCard { .. } | Error::NoCardAnywhere => Finding::NoCard,
        Error::AmbiguousReader { candidates } => Finding::SeveralCards { candidates },
        Error::NotJpki { .. } => Finding::NotJpki,
        Error::Transport(TransportError::Busy) => Finding::CardBusy,
        other => Finding::CardError(other.into()),
    })
}

/// What to check on the card.
pub struct CardRequest<'a> {
    /// Allow the short form of the retry query (see `status`).
    pub short_form: bool,
    /// The time validity is measured against, in seconds since the epoch.
    pub now: i64,
    /// Verify these PINs (behind the lockout guard).
    pub auth_pin: Option<&'a Pin>,
    pub sign_pin: Option<&'a Pin>,
}

/// Steps 3 to 6 on an open card: the card itself, the counters of the
/// holder's PINs, the certificates, and the PINs asked for. Without a PIN
/// this sends what `status --certs` sends; an interruption is returned as the error.
pub fn card<T: Transport>(
    card: &mut JpkiCard<T>,
    request: &CardRequest,
    consent: &mut dyn LastTryConsent,
) -> Result<Vec<Check>, Error> {
    let status_request = StatusRequest {
        counters: Counters::Holder,
        short_form: request.short_form,
        certificates: true,
        sign_pin: None,
        now: request.now,
    };
    let reader = card.transport().reader().to_string();
    let mut status = match card.status(&status_request, consent) {
        Ok(status) => status,
        Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
        Err(e) => return Ok(vec![card_not_opened(e)]),
    };
    let card_info_applet = status.counters.iter().find(|(c, _)| *c == Counter::of(PinKind::CardInfo)).and_then(
        |(_, reading)| match reading {
            CounterReading::Read(Err(Error::AppletMissing { .. })) => Some(false),
            CounterReading::Read(Err(e)) if e.unexpected_sw().is_some() => None,
            _ => Some(true),
        },
    );
    let device = status.device.clone();
    let mut checks = vec![Check::new(Finding::Card { reader, device: device.clone(), card_info_applet })];
    let mut states = counters(&status);
    let mut auth_cert = match status.auth_certificate.take() {
        Some(summary) => CertStatus::Read(Box::new(summary)),
        // A smartphone shows it only after the auth PIN.
        None if device.is_smartphone() => CertStatus::BehindPin(PinKind::Auth),
        None => CertStatus::Unknown,
    };
    let mut sign_cert = match status.sign_certificate_issued.issued() {
        Some(true) => CertStatus::BehindPin(PinKind::Sign),
        Some(false) => CertStatus::NotIssued,
        None => CertStatus::Unknown,
    };
    let mut pins = Vec::new();
    for pin in [request.auth_pin, request.sign_pin].into_iter().flatten() {
        let kind = pin.kind();
        let before = states.iter().find(|(k, _)| *k == kind).map(|(_, s)| s.clone());
        let outcome = match before {
            Some(CounterState::Blocked { unlock }) => PinOutcome::Blocked { unlock },
            _ if kind == PinKind::Sign && matches!(sign_cert, CertStatus::NotIssued) => PinOutcome::NoCertificate,
            _ => match card.verify_explained(pin, consent) {
                Ok(()) => PinOutcome::Correct,
                Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
                Err(Error::WrongPin { tries_left, unlock, .. }) => PinOutcome::Wrong { tries_left, unlock },
                Err(Error::PinBlocked { unlock, .. }) => PinOutcome::Blocked { unlock },
                Err(Error::LastTryNeedsConsent { unlock, .. }) => PinOutcome::LastTryRefused { unlock },
                Err(Error::SignCertNotIssued { wrong_pin: None }) => PinOutcome::NoCertificate,
                Err(Error::SignCertNotIssued { wrong_pin: Some(tries_left) }) => {
                    PinOutcome::Wrong { tries_left, unlock: None }
                }
                Err(e) => PinOutcome::Error(e.into()),
            },
        };
        // The counter after this VERIFY: asked again after a correct PIN
        // (free), as the card said after a wrong one.
        let max = Counter::of(kind).max_tries_on(&status.device);
        let after = match &outcome {
            PinOutcome::Correct => Some(match card.pin_state(kind) {
                Ok(state) => counter_state(state, max, || status.unlock(kind)),
                Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
                Err(e) => CounterState::Unreadable(e.into()),
            }),
            PinOutcome::Wrong { tries_left, unlock } => {
                let unlock = unlock.unwrap_or_else(|| status.unlock(kind));
                Some(counter_state(PinState::TriesLeft(*tries_left), max, || unlock))
            }
            _ => None,
        };
        if let (Some(after), Some(entry)) = (after, states.iter_mut().find(|(k, _)| *k == kind)) {
            entry.1 = after;
        }
        // A correct PIN opens the certificate read behind it.
        if matches!(outcome, PinOutcome::Correct) {
            for (cert, state) in [(CertKind::Auth, &mut auth_cert), (CertKind::Sign, &mut sign_cert)] {
                if matches!(state, CertStatus::BehindPin(k) if *k == kind) {
                    *state = read_validity(card, cert, request.now)?;
                }
            }
        }
        pins.push(Check::new(Finding::Pin { pin: kind, outcome }));
    }
    checks.extend(states.into_iter().map(|(pin, state)| Check::new(Finding::Counter { pin, state })));
    checks.push(Check::new(Finding::Certificate { cert: CertKind::Auth, state: auth_cert }));
    checks.push(Check::new(Finding::Certificate { cert: CertKind::Sign, state: sign_cert }));
    checks.extend(pins);
    Ok(checks)
}

/// A certificate read now that its PIN is verified; only an interruption is an error.
fn read_validity<T: Transport>(card: &mut JpkiCard<T>, cert: CertKind, now: i64) -> Result<CertStatus, Error> {
    Ok(match card.read_certificate(cert) {
        Ok(der) => match crate::cert::summarize(&der, now) {
            Ok(summary) => CertStatus::Read(Box::new(summary)),
            Err(e) => CertStatus::Unreadable(Error::from(crate::error::BadData::from(e)).into()),
        },
        Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
        Err(Error::SignCertNotIssued { .. }) => CertStatus::NotIssued,
        Err(e) => CertStatus::Unreadable(e.into()),
    })
}

/// The PINs' counters of a status reading (the card-info PIN's only where
/// its applet is present), with the way out of those blocked or at the last try.
fn counters(status: &CardStatus) -> Vec<(PinKind, CounterState)> {
    [PinKind::Auth, PinKind::Sign, PinKind::CardInfo]
        .into_iter()
        .filter_map(|kind| {
            let (counter, reading) = status.counters.iter().find(|(c, _)| *c == Counter::of(kind))?;
            let max = counter.max_tries_on(&status.device);
            let state = match reading {
                CounterReading::Read(Err(Error::AppletMissing { .. })) => return None,
                CounterReading::NotIssued => CounterState::NotInUse,
                CounterReading::Read(Ok(state)) => counter_state(*state, max, || status.unlock(kind)),
                CounterReading::Read(Err(e)) => CounterState::Unreadable(e.clone().into()),
            };
            Some((kind, state))
        })
        .collect()
}

/// `unlock` is asked only for a PIN blocked or at its last try.
fn counter_state(state: PinState, max: Option<u8>, unlock: impl FnOnce() -> Unlock) -> CounterState {
    match state {
        PinState::TriesLeft(0) | PinState::Blocked => CounterState::Blocked { unlock: unlock() },
        PinState::TriesLeft(1) => CounterState::LastTry { max, unlock: unlock() },
        PinState::TriesLeft(left) => CounterState::Tries { left, max },
        PinState::Verified => CounterState::Verified,
    }
}

/// Whether the card will do for one purpose.
#[derive(Debug)]
pub struct Verdict {
    pub purpose: Purpose,
    /// The worst status among the checks it relies on.
    pub status: Status,
    /// The kinds of the failed checks it relies on, in the order found.
    pub blocked_by: Vec<&'static str>,
    /// Every PIN it needs was verified with `--verify`.
    pub pins_verified: bool,
}

/// One verdict per purpose, from the checks.
pub fn verdicts(checks: &[Check], purposes: &[Purpose]) -> Vec<Verdict> {
    purposes
        .iter()
        .map(|&purpose| {
            let relevant: Vec<&Check> = checks.iter().filter(|c| c.concerns(&[purpose])).collect();
            let status = relevant.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
            let blocked_by = relevant.iter().filter(|c| c.status == Status::Fail).map(|c| c.finding.kind()).collect();
            let needed = |need: Need, kind: PinKind| {
                !purpose.needs().contains(&need)
                    || checks.iter().any(
                        |c| matches!(&c.finding, Finding::Pin { pin, outcome: PinOutcome::Correct } if *pin == kind),
                    )
            };
            let pins_verified = needed(Need::AuthPin, PinKind::Auth) && needed(Need::SignPin, PinKind::Sign);
            Verdict { purpose, status, blocked_by, pins_verified }
        })
        .collect()
}

/// Checks that bear on none of the named purposes do not stop the holder:
/// a failure there is shown as a warning.
pub fn scope(checks: &mut [Check], purposes: &[Purpose]) {
    for check in checks.iter_mut().filter(|c| c.status == Status::Fail && !c.concerns(purposes)) {
        check.status = Status::Warn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::ExtendedLength;
    use crate::sim::{PinId, PinStore, SimConfig, VirtualCard};

    fn reader(name: &str, card_present: bool) -> ReaderInfo {
        ReaderInfo { index: 0, name: name.into(), card_present, in_use: false, atr: vec![] }
    }

    fn run(config: SimConfig, tries: &[(PinId, u8)], request: &CardRequest) -> (Vec<Check>, VirtualCard) {
        let data = crate::sim::CardData::default_fixture();
        let mut pins = PinStore::defaults(&data);
        for &(id, n) in tries {
            pins.set_tries(id, n).unwrap();
        }
        let mut card = JpkiCard::new(VirtualCard::new(config, data, pins), ExtendedLength::On);
        let checks = super::card(&mut card, request, &mut |_| false).unwrap();
        (checks, card.into_transport())
    }

    fn kinds(checks: &[Check]) -> Vec<&'static str> {
        checks.iter().map(|c| c.finding.kind()).collect()
    }

    const NOW: i64 = 1_800_000_000;

    fn plain() -> CardRequest<'static> {
        CardRequest { short_form: true, now: NOW, auth_pin: None, sign_pin: None }
    }

    #[test]
    fn a_plugged_in_smart_card_interface_is_counted() {
        let root = tempfile::tempdir().unwrap();
        for (name, class) in [("1-2:1.0", "0b\n"), ("1-3:1.0", "03\n"), ("1-4:1.1", "0B")] {
            std::fs::create_dir(root.path().join(name)).unwrap();
            std::fs::write(root.path().join(name).join("bInterfaceClass"), class).unwrap();
        }
        std::fs::create_dir(root.path().join("usb1")).unwrap();
        assert_eq!(usb_card_interfaces(root.path()), 2);
        assert_eq!(usb_card_interfaces(&root.path().join("absent")), 0);
    }

    #[test]
    fn readers_none_named_missing_or_several() {
        assert_eq!(choose(&[], None).finding.kind(), "no_reader");
        let two = [reader("A 00", false), reader("B 01", true)];
        let c = choose(&two, None);
        assert!(matches!(&c.finding, Finding::Reader { name, readers: 2 } if name == "B 01"), "{c:?}");
        assert_eq!(choose(&two, Some("nothing")).finding.kind(), "reader_not_found");
        assert_eq!(choose(&two, Some(" 0")).finding.kind(), "ambiguous_reader");
        assert_eq!(choose(&two, Some("A")).status, Status::Ok);
    }

    #[test]
    fn a_fresh_card_passes_every_check_and_a_blocked_password_fails_only_signing() {
        let (checks, _) = run(SimConfig::default(), &[], &plain());
        assert_eq!(
            kinds(&checks),
            ["my_number_card", "tries_left", "tries_left", "tries_left", "certificate_valid", "certificate_issued"]
        );
        assert!(checks.iter().all(|c| c.status == Status::Ok));
        let (mut checks, _) = run(SimConfig::default(), &[(PinId::Sign, 0)], &plain());
        let v = verdicts(&checks, &Purpose::ALL);
        let status = |p: Purpose| v.iter().find(|v| v.purpose == p).unwrap().status;
        assert_eq!(status(Purpose::MynaPortal), Status::Ok);
        assert_eq!(status(Purpose::Etax), Status::Fail);
        assert_eq!(status(Purpose::Houmukyoku), Status::Fail);
        scope(&mut checks, &[Purpose::MynaPortal]);
        assert!(checks.iter().all(|c| c.status != Status::Fail), "{checks:?}");
    }

    #[test]
    fn verify_is_guarded_and_a_correct_password_reads_the_signing_certificate() {
        let auth = Pin::new(PinKind::Auth, "9999").unwrap();
        let sign = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let request = CardRequest { auth_pin: Some(&auth), sign_pin: Some(&sign), ..plain() };
        // Auth at its last try: refused without consent, nothing spent.
        let (checks, card) = run(SimConfig::default(), &[(PinId::Auth, 1)], &request);
        assert_eq!(card.pin_store().tries_left(PinId::Auth), 1);
        assert!(kinds(&checks).contains(&"last_try_refused"), "{:?}", kinds(&checks));
        assert!(kinds(&checks).contains(&"pin_correct"));
        let sign_cert = checks.iter().find(|c| matches!(c.finding, Finding::Certificate { cert: CertKind::Sign, .. }));
        assert_eq!(sign_cert.unwrap().finding.kind(), "certificate_valid");
        // A wrong auth PIN spends one try and says so.
        let (checks, card) = run(SimConfig::default(), &[], &CardRequest { sign_pin: None, ..request });
        assert_eq!(card.pin_store().tries_left(PinId::Auth), 2);
        assert!(checks
            .iter()
            .any(|c| matches!(c.finding, Finding::Pin { outcome: PinOutcome::Wrong { tries_left: 2, .. }, .. })));
    }
}
