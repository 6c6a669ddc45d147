//! The JPKI applet client: select, retry query, verify, read, sign.
//!
//! It remembers what is selected so it never sends a SELECT twice, reads the
//! retry counter before every VERIFY, and never resends a VERIFY.

use crate::apdu::{Command, Response, StatusWord, MAX_EXTENDED_LE, MAX_SHORT_LE};
use crate::cert::{der_sequence_len, MAX_EF_OBJECT};
use crate::error::{Error, Result};
use crate::pin::{Pin, PinKind};
use crate::transport::{exchange, Traffic, Transport, TransportError};

/// The operation named in the error when a PIN's file cannot be selected.
pub const SELECT_PIN_FILE: &str = "SELECT of the PIN file";
/// The operation named in the error when a retry query gets an odd answer.
pub const RETRY_QUERY: &str = "the retry query";

/// The applets `jpki` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applet {
    /// 公的個人認証AP
    Jpki,
    /// 券面事項入力補助AP
    CardInfo,
    /// 券面事項確認AP
    Visual,
}

impl Applet {
    pub fn aid(self) -> &'static [u8] {
        match self {
            Applet::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            Applet::CardInfo => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
            Applet::Visual => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Applet::Jpki => "JPKI applet (公的個人認証AP)",
            Applet::CardInfo => "card-info applet (券面事項入力補助AP)",
            Applet::Visual => "券面確認 applet (券面事項確認AP)",
        }
    }
}

/// Certificates on the JPKI applet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    Auth,
    Sign,
    AuthCa,
    SignCa,
}

impl CertKind {
    pub fn fid(self) -> u16 {
        match self {
            CertKind::Sign => 0x0001,
            CertKind::SignCa => 0x0002,
            CertKind::Auth => 0x000A,
            CertKind::AuthCa => 0x000B,
        }
    }

    /// The PIN the card wants before it lets the file be read.
    pub fn required_pin(self) -> Option<PinKind> {
        (self == CertKind::Sign).then_some(PinKind::Sign)
    }

    pub fn name(self) -> &'static str {
        match self {
            CertKind::Auth => "auth",
            CertKind::Sign => "sign",
            CertKind::AuthCa => "auth-ca",
            CertKind::SignCa => "sign-ca",
        }
    }
}

/// The two private keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Auth,
    Sign,
}

impl KeyKind {
    pub fn fid(self) -> u16 {
        match self {
            KeyKind::Auth => 0x0017,
            KeyKind::Sign => 0x001A,
        }
    }

    pub fn pin(self) -> PinKind {
        match self {
            KeyKind::Auth => PinKind::Auth,
            KeyKind::Sign => PinKind::Sign,
        }
    }

    pub fn certificate(self) -> CertKind {
        match self {
            KeyKind::Auth => CertKind::Auth,
            KeyKind::Sign => CertKind::Sign,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Auth => "auth",
            KeyKind::Sign => "sign",
        }
    }
}

fn pin_location(kind: PinKind) -> (Applet, u16) {
    let counter = Counter::of(kind);
    (counter.applet, counter.fid)
}

/// A retry counter the card reports, with where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Stable name used in JSON.
    pub name: &'static str,
    pub description: &'static str,
    pub applet: Applet,
    pub fid: u16,
    /// Maximum tries; `None` where no source states it.
    pub max_tries: Option<u8>,
}

impl Counter {
    pub const fn of(kind: PinKind) -> Counter {
        match kind {
            PinKind::Auth => Counter {
                name: "auth",
                description: "auth PIN (利用者証明用暗証番号)",
                applet: Applet::Jpki,
                fid: 0x0018,
                max_tries: Some(3),
            },
            PinKind::Sign => Counter {
                name: "sign",
                description: "signing password (署名用パスワード)",
                applet: Applet::Jpki,
                fid: 0x001B,
                max_tries: Some(5),
            },
            PinKind::CardInfo => Counter {
                name: "cardinfo",
                description: "card-info PIN (券面事項入力補助用暗証番号)",
                applet: Applet::CardInfo,
                fid: 0x0011,
                max_tries: Some(3),
            },
        }
    }

    /// Every counter `jpki status` reports, in order; the two JPKI counters first.
    pub const ALL: [Counter; 7] = [
        Counter::of(PinKind::Auth),
        Counter::of(PinKind::Sign),
        Counter::of(PinKind::CardInfo),
        Counter {
            name: "cardinfo-a",
            description: "card-info 照合番号A (My Number)",
            applet: Applet::CardInfo,
            fid: 0x0014,
            max_tries: None,
        },
        Counter {
            name: "cardinfo-b",
            description: "card-info 照合番号B (birth date, expiry, code)",
            applet: Applet::CardInfo,
            fid: 0x0015,
            max_tries: None,
        },
        Counter {
            name: "visual-a",
            description: "券面確認 照合番号A (My Number)",
            applet: Applet::Visual,
            fid: 0x0013,
            max_tries: Some(3),
        },
        Counter {
            name: "visual-b",
            description: "券面確認 照合番号B (birth date, expiry, code)",
            applet: Applet::Visual,
            fid: 0x0012,
            max_tries: Some(3),
        },
    ];
}

/// What the free retry query says about a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    /// This many tries are left.
    TriesLeft(u8),
    /// No tries left: only a municipal office can unblock it.
    Blocked,
    /// The card answered 9000: the PIN is verified in the card's current
    /// session, so the counter was reset to its maximum by that VERIFY.
    Verified,
}

/// How the user answers "only one try is left, go on?".
pub trait LastTryConsent {
    fn consent(&mut self, kind: PinKind) -> bool;
}

impl<F: FnMut(PinKind) -> bool> LastTryConsent for F {
    fn consent(&mut self, kind: PinKind) -> bool {
        self(kind)
    }
}

/// Whether to use extended-length READ BINARY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedLength {
    /// Use it; fall back to short reads if refused.
    On,
    /// Short reads only.
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Nothing,
    Applet(Applet),
    File(Applet, u16),
}

/// What the card has shown of the short-form retry query.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ShortQueries {
    /// An answer showed the card does not take it: never again this session.
    refused: bool,
    /// Applets where a plausible count proved it. Each applet proves it for
    /// itself: one that reads P2 differently must not borrow another's proof.
    proven: Vec<Applet>,
}

/// What to make of a short-form retry query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShortAnswer {
    /// The answer stands.
    Use(StatusWord),
    /// Ask this counter by SELECT + query instead.
    LongWay,
    /// It said "blocked": ask by SELECT + query, and distrust the form if
    /// that disagrees.
    ConfirmBlocked,
}

/// A session with the card's applets over some transport.
pub struct JpkiCard<T: Transport> {
    transport: T,
    traffic: Traffic,
    selection: Selection,
    extended: ExtendedLength,
    /// Retry queries by short EF identifier (`00 20 00 80+SFI`): `None` when
    /// not allowed.
    sfi_queries: Option<ShortQueries>,
    /// EF 0008's answer, once read: it cannot change during a session.
    sign_certificate: Option<Option<bool>>,
    /// Applets whose SELECT was refused: not asked again in this session.
    missing_applets: Vec<Applet>,
}

impl<T: Transport> JpkiCard<T> {
    pub fn new(transport: T, extended: ExtendedLength) -> Self {
        JpkiCard {
            transport,
            traffic: Traffic::default(),
            selection: Selection::Nothing,
            extended,
            sfi_queries: None,
            sign_certificate: None,
            missing_applets: Vec::new(),
        }
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    pub fn extended_length(&self) -> ExtendedLength {
        self.extended
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn send(&mut self, command: &Command) -> Result<Response> {
        let result = exchange(&mut self.transport, &mut self.traffic, command);
        if result.is_err() {
            self.selection = Selection::Nothing;
        }
        Ok(result?)
    }

    /// SELECT an applet by its full AID. A 6F00 right after power-on is
    /// answered by one more SELECT (seen on a card after a power cycle).
    pub fn select_applet(&mut self, applet: Applet) -> Result<()> {
        if matches!(self.selection, Selection::Applet(a) | Selection::File(a, _) if a == applet) {
            return Ok(());
        }
        if self.missing_applets.contains(&applet) {
            return Err(missing(applet));
        }
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(applet.aid());
        let mut response = self.send(&cmd)?;
        if response.sw == StatusWord::NoPreciseDiagnosis {
            response = self.send(&cmd)?;
        }
        match response.sw {
            StatusWord::Success => {
                self.selection = Selection::Applet(applet);
                Ok(())
            }
            StatusWord::FileNotFound => {
                self.selection = Selection::Nothing;
                self.missing_applets.push(applet);
                Err(missing(applet))
            }
            // Not a My Number Card's JPKI applet, as before; on the other
            // applets only "not found" means missing.
            StatusWord::IncorrectParameters(_) if applet == Applet::Jpki => {
                self.selection = Selection::Nothing;
                Err(missing(applet))
            }
            sw => Err(Error::UnexpectedStatus { operation: "SELECT of the applet", sw }),
        }
    }

    fn select_file(&mut self, applet: Applet, fid: u16) -> Result<StatusWord> {
        if self.selection == Selection::File(applet, fid) {
            return Ok(StatusWord::Success);
        }
        self.select_applet(applet)?;
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&fid.to_be_bytes());
        let response = self.send(&cmd)?;
        if response.is_ok() {
            self.selection = Selection::File(applet, fid);
        } else {
            self.selection = Selection::Applet(applet);
        }
        Ok(response.sw)
    }

    fn select_file_or_fail(&mut self, applet: Applet, fid: u16, operation: &'static str) -> Result<()> {
        match self.select_file(applet, fid)? {
            StatusWord::Success => Ok(()),
            sw => Err(Error::UnexpectedStatus { operation, sw }),
        }
    }

    /// The free retry query (VERIFY with no data). Spends no try.
    pub fn pin_state(&mut self, kind: PinKind) -> Result<PinState> {
        self.counter_state(&Counter::of(kind))
    }

    /// Let retry queries use the short-EF-identifier form, which saves a
    /// SELECT per counter. Not every card generation is known to accept it,
    /// so every answer is checked, applet by applet. A count within the
    /// counter's known maximum proves it for that applet. 9000, or a count with
    /// no known maximum, is used only once the applet has proven it (before
    /// that, such a counter is asked the long way at once). A blocked answer
    /// (63C0, 6983, 6984) before the proof is confirmed the long way, because a
    /// false "blocked" would send the holder to the municipal office; it proves
    /// nothing, and disagreement turns the form off. A count above the maximum,
    /// or any other answer before the proof, turns the form off; after the
    /// proof, such an answer sends only that counter the long way. No proof is
    /// taken while another counter's file is current.
    /// A query without data never spends a try, whatever the card makes of it.
    pub fn allow_sfi_queries(&mut self) {
        self.sfi_queries = Some(ShortQueries::default());
    }

    /// Whether the card answered a query by short EF identifier: `Some(false)`
    /// once refused, `Some(true)` once proven for some applet, else `None`.
    pub fn sfi_queries_work(&self) -> Option<bool> {
        let q = self.sfi_queries.as_ref()?;
        match (q.refused, q.proven.is_empty()) {
            (true, _) => Some(false),
            (false, false) => Some(true),
            (false, true) => None,
        }
    }

    fn sfi_query(&mut self, counter: &Counter) -> Result<ShortAnswer> {
        let proven = match &self.sfi_queries {
            Some(q) if !q.refused && counter.fid <= 0x1E => q.proven.contains(&counter.applet),
            _ => return Ok(ShortAnswer::LongWay),
        };
        // Where the form is not proven yet, skip it when its answer could not
        // be used: a counter with no known maximum cannot prove it, and with
        // another counter's file current, a card that ignores the short
        // identifier would answer for that file and seem to prove it.
        let other_counter_current = matches!(self.selection, Selection::File(a, f)
            if a == counter.applet && f != counter.fid && Counter::ALL.iter().any(|c| c.applet == a && c.fid == f));
        if !proven && (counter.max_tries.is_none() || other_counter_current) {
            return Ok(ShortAnswer::LongWay);
        }
        self.select_applet(counter.applet)?;
        let response = self.send(&Command::new(0x00, 0x20, 0x00, 0x80 | counter.fid as u8))?;
        // What becomes current after an SFI VERIFY is not documented.
        self.selection = Selection::Applet(counter.applet);
        let Some(queries) = self.sfi_queries.as_mut() else { return Ok(ShortAnswer::LongWay) };
        let if_proven = if proven { ShortAnswer::Use(response.sw) } else { ShortAnswer::LongWay };
        match response.sw {
            // Blocked, where the form is proven: it stands. Elsewhere it is
            // confirmed by SELECT + query. It never proves the form: a card
            // that misreads P2 may answer 6984 to every short query.
            sw if sw.means_blocked() => Ok(if proven { ShortAnswer::Use(sw) } else { ShortAnswer::ConfirmBlocked }),
            // A plausible count proves the form for this applet; one above
            // the known maximum means the card read P2 some other way.
            StatusWord::TriesLeft(n) if counter.max_tries.is_some_and(|max| n <= max) => {
                if !proven {
                    queries.proven.push(counter.applet);
                }
                Ok(ShortAnswer::Use(response.sw))
            }
            // Nothing to check it against: used only where the form is proven.
            StatusWord::TriesLeft(_) if counter.max_tries.is_none() => Ok(if_proven),
            StatusWord::Success => Ok(if_proven),
            // Another answer after the proof (6A82 for a missing key file)
            // concerns this counter only.
            sw if proven && !matches!(sw, StatusWord::TriesLeft(_)) => Ok(ShortAnswer::LongWay),
            _ => {
                queries.refused = true;
                Ok(ShortAnswer::LongWay)
            }
        }
    }

    /// The free retry query for any counter.
    pub fn counter_state(&mut self, counter: &Counter) -> Result<PinState> {
        let short = self.sfi_query(counter)?;
        let sw = match short {
            ShortAnswer::Use(sw) => sw,
            ShortAnswer::LongWay | ShortAnswer::ConfirmBlocked => {
                self.select_file_or_fail(counter.applet, counter.fid, SELECT_PIN_FILE)?;
                self.send(&Command::new(0x00, 0x20, 0x00, 0x80))?.sw
            }
        };
        if let (ShortAnswer::ConfirmBlocked, false, Some(q)) = (short, sw.means_blocked(), self.sfi_queries.as_mut()) {
            // The short form gave a false "blocked": not trusted on this card.
            q.refused = true;
        }
        match sw {
            StatusWord::TriesLeft(0) => Ok(PinState::Blocked),
            // Shown as the card says, even above the documented maximum: a
            // clamped count would hide a card that differs from the sources.
            StatusWord::TriesLeft(n) => Ok(PinState::TriesLeft(n)),
            StatusWord::Success => Ok(PinState::Verified),
            sw if sw.means_blocked() => Ok(PinState::Blocked),
            sw => Err(Error::UnexpectedStatus { operation: RETRY_QUERY, sw }),
        }
    }

    /// Verify a PIN behind the lockout guard: read the counter first, never
    /// try a blocked PIN, ask before spending the last try, send VERIFY once.
    pub fn verify(&mut self, pin: &Pin, consent: &mut dyn LastTryConsent) -> Result<()> {
        let kind = pin.kind();
        let before = self.guard_state(kind)?;
        match before {
            PinState::Blocked => return Err(Error::PinBlocked { kind }),
            PinState::TriesLeft(1) if !consent.consent(kind) => return Err(Error::LastTryNeedsConsent { kind }),
            _ => {}
        }
        self.verify_unguarded(pin, before)
    }

    /// The counter as the lockout guard reads it: always by SELECT + query,
    /// because the short-EF-identifier form is only inferred to address it.
    fn guard_state(&mut self, kind: PinKind) -> Result<PinState> {
        let sfi = self.sfi_queries.take();
        let state = self.pin_state(kind);
        self.sfi_queries = sfi;
        state
    }

    /// VERIFY again with a PIN proven correct earlier in this session, for a
    /// card that wants one per signature. The counter is read first and must
    /// still be at its maximum; anything else means the card counted
    /// something it should not have, and we stop.
    pub fn reverify(&mut self, pin: &Pin) -> Result<()> {
        let kind = pin.kind();
        let before = self.guard_state(kind)?;
        match before {
            PinState::Verified => {}
            PinState::TriesLeft(n) if n >= kind.max_tries() => {}
            PinState::Blocked => return Err(Error::PinBlocked { kind }),
            PinState::TriesLeft(n) => {
                return Err(Error::BadCardData(format!(
                    "the {kind} counter fell to {n} although the PIN was verified in this session; stopping"
                )))
            }
        }
        self.verify_unguarded(pin, before)
    }

    /// VERIFY without the counter check; callers run the guard first and
    /// pass what it read.
    fn verify_unguarded(&mut self, pin: &Pin, before: PinState) -> Result<()> {
        let kind = pin.kind();
        let (applet, fid) = pin_location(kind);
        self.select_file_or_fail(applet, fid, SELECT_PIN_FILE)?;
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_secret_data(pin.as_bytes());
        let response = match self.send(&cmd) {
            Ok(r) => r,
            // Stopped before sending: nothing happened.
            Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
            Err(Error::Transport(_)) | Err(Error::BadCardData(_)) => return Err(Error::VerifyOutcomeUnknown { kind }),
            Err(e) => return Err(e),
        };
        match response.sw {
            StatusWord::Success => Ok(()),
            StatusWord::TriesLeft(n) => Err(Error::WrongPin { kind, tries_left: n }),
            // The guard saw tries left, so this answer means this try blocked it.
            sw if sw.means_blocked() => Err(Error::WrongPin { kind, tries_left: 0 }),
            // Any other answer may come after the card counted the try (or even
            // accepted the PIN): ask the counter again, which spends no try.
            sw => {
                let after = self.guard_state(kind).ok();
                Err(Error::VerifyUnexpectedAnswer { kind, sw, before, after })
            }
        }
    }

    /// CHANGE REFERENCE DATA for a PIN verified in this session.
    pub fn change_pin(&mut self, new: &Pin) -> Result<()> {
        let kind = new.kind();
        let (applet, fid) = pin_location(kind);
        self.select_file_or_fail(applet, fid, SELECT_PIN_FILE)?;
        let cmd = Command::new(0x00, 0x24, 0x01, 0x80).with_secret_data(new.as_bytes());
        let response = self.send(&cmd)?;
        match response.sw {
            StatusWord::Success => Ok(()),
            StatusWord::SecurityStatusNotSatisfied => Err(Error::PinNotVerified { kind }),
            // The card may have stored the new PIN before failing.
            sw => Err(Error::ChangeUnexpectedAnswer { kind, sw }),
        }
    }

    /// Read a certificate, sized from its DER header (EFs carry filler).
    pub fn read_certificate(&mut self, kind: CertKind) -> Result<Vec<u8>> {
        match self.select_file(Applet::Jpki, kind.fid())? {
            StatusWord::Success => {}
            StatusWord::FileNotFound if kind == CertKind::Sign => return Err(Error::SignCertNotIssued),
            sw => return Err(Error::UnexpectedStatus { operation: "SELECT of the certificate file", sw }),
        }
        let pin = kind.required_pin();
        let first = self.read_first_chunk(pin)?;
        // An empty or erased (all FF) file holds no certificate.
        if first.iter().all(|&b| b == 0xFF) {
            return Err(match kind {
                CertKind::Sign => Error::SignCertNotIssued,
                _ => Error::BadCardData(format!("the {} certificate file is empty", kind.name())),
            });
        }
        match self.read_der_rest(first, pin) {
            // Not a certificate, where EF 0008 says none was issued: that is the answer.
            Err(e @ Error::BadCardData(_)) if kind == CertKind::Sign => match self.has_sign_certificate() {
                Ok(Some(false)) => Err(Error::SignCertNotIssued),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Read the rest of the DER object in the current EF, whose first chunk is `data`.
    fn read_der_rest(&mut self, mut data: Vec<u8>, pin: Option<PinKind>) -> Result<Vec<u8>> {
        let total = der_sequence_len(&data).map_err(|e| Error::BadCardData(format!("certificate file: {e}")))?;
        self.read_rest(&mut data, total, pin)?;
        data.truncate(total);
        Ok(data)
    }

    /// Read on from the end of `data` until it holds `total` bytes, in short reads.
    fn read_rest(&mut self, data: &mut Vec<u8>, total: usize, pin: Option<PinKind>) -> Result<()> {
        while data.len() < total {
            let want = (total - data.len()).min(MAX_SHORT_LE);
            let chunk = self.read_binary(data.len(), want, pin)?;
            // A short answer means the end of the file: stop, rather than creep
            // through a hostile card's 1-byte answers (bounded time).
            if chunk.len() < want {
                return Err(Error::BadCardData(format!(
                    "the file ended after {} bytes but its header says {total}",
                    data.len() + chunk.len()
                )));
            }
            data.extend_from_slice(&chunk);
        }
        Ok(())
    }

    /// The first read: the whole file with extended Le when allowed, else 256 bytes.
    fn read_first_chunk(&mut self, pin: Option<PinKind>) -> Result<Vec<u8>> {
        if self.extended == ExtendedLength::On {
            let cmd = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(MAX_EXTENDED_LE);
            match self.send(&cmd) {
                // 6282: the card read up to the end of the file, as asked.
                Ok(r) if matches!(r.sw, StatusWord::Success | StatusWord::EndOfFile(_)) && !r.data.is_empty() => {
                    return Ok(r.data)
                }
                Ok(r) if r.sw == StatusWord::SecurityStatusNotSatisfied => {
                    return Err(not_verified(pin));
                }
                // 6700 or a reader refusing the size: use short reads from now on.
                Ok(r) if matches!(r.sw, StatusWord::WrongLength | StatusWord::IncorrectParameters(_)) => {}
                Err(Error::Transport(TransportError::Refused(_))) => {}
                Ok(r) => return Err(Error::UnexpectedStatus { operation: "READ BINARY", sw: r.sw }),
                Err(e) => return Err(e),
            }
            log::debug!("extended-length READ BINARY refused; using 256-byte reads");
            self.extended = ExtendedLength::Off;
        }
        self.read_binary(0, MAX_SHORT_LE, pin)
    }

    fn read_binary(&mut self, offset: usize, le: usize, pin: Option<PinKind>) -> Result<Vec<u8>> {
        if offset >= MAX_EF_OBJECT {
            return Err(Error::BadCardData(format!("read offset {offset} is out of range")));
        }
        let [p1, p2] = (offset as u16).to_be_bytes();
        let response = self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(le))?;
        match response.sw {
            StatusWord::Success if response.data.len() <= le => Ok(response.data),
            StatusWord::Success => {
                Err(Error::BadCardData(format!("READ BINARY returned {} bytes for Le {le}", response.data.len())))
            }
            StatusWord::EndOfFile(_) | StatusWord::IncorrectParameters(0x6B00) => Ok(response.data),
            StatusWord::SecurityStatusNotSatisfied => Err(not_verified(pin)),
            sw => Err(Error::UnexpectedStatus { operation: "READ BINARY", sw }),
        }
    }

    /// Ask the card to sign a DigestInfo with a key whose PIN is verified.
    /// The card pads (PKCS#1 v1.5); the answer is the raw signature.
    pub fn sign_digest_info(&mut self, key: KeyKind, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.select_file_or_fail(Applet::Jpki, key.fid(), "SELECT of the key file")?;
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(digest_info).with_le(MAX_SHORT_LE);
        let response = self.send(&cmd)?;
        match response.sw {
            StatusWord::Success if !response.data.is_empty() => Ok(response.data),
            StatusWord::Success => Err(Error::BadCardData("COMPUTE DIGITAL SIGNATURE returned no data".into())),
            StatusWord::SecurityStatusNotSatisfied => Err(Error::PinNotVerified { kind: key.pin() }),
            sw => Err(Error::UnexpectedStatus { operation: "COMPUTE DIGITAL SIGNATURE", sw }),
        }
    }

    /// 個人番号 from the card-info applet (needs the card-info PIN verified).
    pub fn read_my_number(&mut self) -> Result<zeroize::Zeroizing<String>> {
        self.select_file_or_fail(Applet::CardInfo, 0x0001, "SELECT of the My Number file")?;
        let data = zeroize::Zeroizing::new(self.read_binary(0, 17, Some(PinKind::CardInfo))?);
        crate::cardinfo::parse_my_number(&data).map_err(Error::BadCardData)
    }

    /// The basic four attributes (needs the card-info PIN verified).
    pub fn read_attributes(&mut self) -> Result<crate::cardinfo::Attributes> {
        self.select_file_or_fail(Applet::CardInfo, 0x0002, "SELECT of the attributes file")?;
        let mut data = zeroize::Zeroizing::new(self.read_first_chunk(Some(PinKind::CardInfo))?);
        let total = crate::cardinfo::attributes_len(&data).map_err(Error::BadCardData)?;
        self.read_rest(&mut data, total, Some(PinKind::CardInfo))?;
        crate::cardinfo::parse_attributes(&data[..total]).map_err(Error::BadCardData)
    }

    /// Token label from EF 0006 (`JPKIAPICCTOKEN2` on a plastic card).
    pub fn token_label(&mut self) -> Result<String> {
        self.select_file_or_fail(Applet::Jpki, 0x0006, "SELECT of the token-info file")?;
        let data = self.read_binary(0, 32, None)?;
        Ok(String::from_utf8_lossy(&data).trim_end_matches([' ', '\0']).to_string())
    }

    /// Whether a signing certificate was issued, from EF 0008 byte 0: `8F`
    /// yes, `00` no, another value (or no such file) `None`, unknown. An
    /// answer cut short of the file's 3 bytes, or an odd status word, is an
    /// error: it must not pass for "unknown". Read once per session.
    pub fn has_sign_certificate(&mut self) -> Result<Option<bool>> {
        if let Some(known) = self.sign_certificate {
            return Ok(known);
        }
        match self.select_file(Applet::Jpki, 0x0008)? {
            StatusWord::Success => {}
            StatusWord::FileNotFound => {
                self.sign_certificate = Some(None);
                return Ok(None);
            }
            sw => return Err(Error::UnexpectedStatus { operation: "SELECT of the certificate-availability file", sw }),
        }
        let data = self.read_binary(0, 3, None)?;
        if data.len() < 3 {
            return Err(Error::BadCardData(format!(
                "the certificate-availability file (EF 0008) gave {} of its 3 bytes",
                data.len()
            )));
        }
        let issued = match data.first() {
            Some(0x8F) => Some(true),
            Some(0x00) => Some(false),
            _ => None,
        };
        self.sign_certificate = Some(issued);
        Ok(issued)
    }
}

fn missing(applet: Applet) -> Error {
    match applet {
        Applet::Jpki => Error::NotJpki { reader: String::new() },
        _ => Error::AppletMissing { applet: applet.name() },
    }
}

fn not_verified(pin: Option<PinKind>) -> Error {
    match pin {
        Some(kind) => Error::PinNotVerified { kind },
        None => Error::UnexpectedStatus { operation: "READ BINARY", sw: StatusWord::SecurityStatusNotSatisfied },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::scripted::Scripted;

    const AP: &str = "00A4040C0AD392F000260100000001";
    const TXT: &str = "00A4040C0AD3921000310001010408";
    const VIS: &str = "00A4040C0AD3921000310001010402";

    /// A scripted card with short-form retry queries allowed.
    fn sfi_card(steps: &[(&str, &str)]) -> JpkiCard<Scripted> {
        let mut card = JpkiCard::new(Scripted::new(steps), ExtendedLength::On);
        card.allow_sfi_queries();
        card
    }

    fn yes(_: PinKind) -> bool {
        true
    }
    fn no(_: PinKind) -> bool {
        false
    }

    #[test]
    fn status_uses_five_apdus() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "6984"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Blocked);
        assert_eq!(card.traffic().apdus, 5);
    }

    #[test]
    fn a_blocked_answer_by_the_short_form_is_confirmed_where_the_form_is_not_proven() {
        for blocked in ["63C0", "6983", "6984"] {
            // Before the proof: confirmed the long way, which proves nothing
            // (a card that misreads P2 may say 6984 to every short query) and
            // leaves the PIN file current, so the next counter goes the long way.
            let mut card = sfi_card(&[
                (AP, "9000"),
                ("00200098", blocked),
                ("00A4020C020018", "9000"),
                ("00200080", blocked),
                ("00A4020C02001B", "9000"),
                ("00200080", "63C5"),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::Blocked, "{blocked}");
            assert_eq!(card.sfi_queries_work(), None, "{blocked}");
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5), "{blocked}");
            assert!(card.transport().finished());
            // After the proof by a count: it stands at once.
            let mut card = sfi_card(&[(AP, "9000"), ("00200098", "63C3"), ("0020009B", blocked)]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Blocked, "{blocked}");
            assert!(card.transport().finished());
            // Proven on the JPKI applet only: on the card-info applet it is confirmed.
            let mut card = sfi_card(&[
                (AP, "9000"),
                ("00200098", "63C3"),
                (TXT, "9000"),
                ("00200091", blocked),
                ("00A4020C020011", "9000"),
                ("00200080", blocked),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
            assert_eq!(card.pin_state(PinKind::CardInfo).unwrap(), PinState::Blocked, "{blocked}");
            assert!(card.transport().finished());
            // A card that says "blocked" to the short form but counts the long
            // way is believed the long way.
            let mut card =
                sfi_card(&[(AP, "9000"), ("00200098", blocked), ("00A4020C020018", "9000"), ("00200080", "63C2")]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(2), "{blocked}");
            // The short form gave a false "blocked": it is not used again.
            assert_eq!(card.sfi_queries_work(), Some(false), "{blocked}");
        }
    }

    #[test]
    fn each_applet_proves_the_short_form_for_itself() {
        let [auth, _, cardinfo, cardinfo_a, ..] = Counter::ALL;
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            // Proven on the JPKI applet only: on the card-info applet a
            // counter with no maximum to check is asked the long way...
            (TXT, "9000"),
            ("00A4020C020014", "9000"),
            ("00200080", "63CA"),
            // ...and with its file current, so is the next one.
            ("00A4020C020011", "9000"),
            ("00200080", "63C2"),
        ]);
        assert_eq!(card.counter_state(&auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(2));
        assert!(card.transport().finished());
    }

    #[test]
    fn the_guard_never_uses_the_short_form() {
        // Proven and allowed, yet the guard before VERIFY selects the PIN file.
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("002000800431323334", "9000"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&Pin::new(PinKind::Auth, "1234").unwrap(), &mut no).unwrap();
        assert!(card.transport().finished());
        assert_eq!(card.sfi_queries_work(), Some(true));
    }

    #[test]
    fn a_missing_key_file_after_the_proof_keeps_the_short_form() {
        let cardinfo = Counter::of(PinKind::CardInfo);
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("0020009B", "6A82"),
            ("00A4020C02001B", "6A82"),
            (TXT, "9000"),
            ("00200091", "63C3"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        let missing = card.pin_state(PinKind::Sign);
        assert!(
            matches!(
                missing,
                Err(Error::UnexpectedStatus { operation: SELECT_PIN_FILE, sw: StatusWord::FileNotFound })
            ),
            "{missing:?}"
        );
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(3));
        assert!(card.transport().finished());
    }

    #[test]
    fn counts_above_the_documented_maximum_are_shown_as_they_are() {
        let visual_a = Counter::ALL[5];
        let t = Scripted::new(&[(VIS, "9000"), ("00A4020C020013", "9000"), ("00200080", "63C5")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.counter_state(&visual_a).unwrap(), PinState::TriesLeft(5));
    }

    #[test]
    fn a_count_without_a_known_maximum_does_not_prove_the_short_form() {
        // cardinfo-a first: a count of it could not be checked, so it is asked
        // the long way at once; after the card-info PIN proved the form on a
        // fresh applet selection, cardinfo-a's short answer is used.
        let [_, _, cardinfo, cardinfo_a, ..] = Counter::ALL;
        let mut card = sfi_card(&[(TXT, "9000"), ("00A4020C020014", "9000"), ("00200080", "63CA")]);
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert_eq!(card.sfi_queries_work(), None);
        assert!(card.transport().finished());
        let mut card = sfi_card(&[(TXT, "9000"), ("00200091", "63C3"), ("00200094", "63CA")]);
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.sfi_queries_work(), Some(true));
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert!(card.transport().finished());
    }

    #[test]
    fn a_missing_applet_is_asked_for_once_but_an_odd_answer_again() {
        let cardinfo = Counter::of(PinKind::CardInfo);
        let t = Scripted::new(&[(TXT, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        for _ in 0..3 {
            assert!(matches!(card.counter_state(&cardinfo), Err(Error::AppletMissing { .. })));
        }
        // 6A86 says the parameters were wrong, not that the applet is missing.
        let t = Scripted::new(&[(TXT, "6A86"), (TXT, "6A86")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        for _ in 0..2 {
            assert!(matches!(card.counter_state(&cardinfo), Err(Error::UnexpectedStatus { .. })));
        }
        assert!(card.transport().finished());
        // The JPKI applet missing is still "not a My Number Card".
        let t = Scripted::new(&[(AP, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert!(matches!(card.pin_state(PinKind::Auth), Err(Error::NotJpki { .. })));
    }

    #[test]
    fn an_extended_read_that_reaches_the_end_of_the_file_is_data() {
        // The attributes file answered with its data and 6282 (end of file).
        let mut file = vec![0xFF, 0x20, 0x0B, 0xDF, 0x22, 0x02, 0x41, 0x42];
        file.extend([0xDF, 0x23, 0x01, 0x43]);
        let answer = hex::encode_upper(&file) + "6282";
        let t = Scripted::new(&[(TXT, "9000"), ("00A4020C020002", "9000"), ("00B00000000000", &answer)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let first = {
            card.select_file_or_fail(Applet::CardInfo, 0x0002, "SELECT").unwrap();
            card.read_first_chunk(Some(PinKind::CardInfo)).unwrap()
        };
        assert_eq!(first, file);
    }

    #[test]
    fn short_form_queries_are_used_only_while_their_answers_are_plausible() {
        // Accepted: two counters in two APDUs after the applet.
        let mut card = sfi_card(&[(AP, "9000"), ("00200098", "63C3"), ("0020009B", "63C5")]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert_eq!((card.traffic().apdus, card.sfi_queries_work()), (3, Some(true)));
        // Refused, or a count above the maximum: the SELECT form from then on.
        for odd in ["6A86", "63C9"] {
            let mut card = sfi_card(&[
                (AP, "9000"),
                ("00200098", odd),
                ("00A4020C020018", "9000"),
                ("00200080", "63C3"),
                ("00A4020C02001B", "9000"),
                ("00200080", "63C5"),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3), "{odd}");
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5), "{odd}");
            assert_eq!(card.sfi_queries_work(), Some(false), "{odd}");
        }
        // 9000 before any count is inconclusive: that counter is asked the long
        // way, which leaves its file current, so no proof is taken on this
        // applet afterwards (the short answer could be for that file).
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert_eq!(card.sfi_queries_work(), None);
        assert!(card.transport().finished());
    }

    #[test]
    fn after_the_proof_9000_stands_and_a_count_above_the_maximum_turns_the_form_off() {
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("0020009B", "9000"),
            ("00200098", "63C9"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Verified);
        // A count above the maximum after the proof: the card reads P2 some
        // other way after all. Off for the rest of the session, and it says so.
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.sfi_queries_work(), Some(false));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert!(card.transport().finished());
    }

    #[test]
    fn the_guard_selects_the_pin_file_again_after_a_short_query() {
        // VERIFY sign leaves 001B current; then a short query for auth. What
        // a short query leaves current is unknown, so the next guard selects
        // 001B again rather than query (and VERIFY) whatever file is current.
        let verify_sign = "0020008006414243313233";
        let mut card = sfi_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
            (verify_sign, "9000"),
            ("00200098", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
            (verify_sign, "9000"),
        ]);
        let sign = Pin::new(PinKind::Sign, "ABC123").unwrap();
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&sign, &mut no).unwrap();
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&sign, &mut no).unwrap();
        assert!(card.transport().finished());
    }

    #[test]
    fn a_signing_certificate_file_without_a_certificate_means_not_issued() {
        let sign = |steps: &[(&str, &str)]| {
            let mut all = vec![(AP, "9000"), ("00A4020C020001", "9000")];
            all.extend_from_slice(steps);
            JpkiCard::new(Scripted::new(&all), ExtendedLength::On).read_certificate(CertKind::Sign)
        };
        let erased = format!("{}9000", "FF".repeat(2048));
        // Empty or erased: the file itself says so, whatever EF 0008 holds.
        let empty = [("00B00000000000", "6B00"), ("00B0000000", "6B00")];
        for steps in [&empty[..], &[empty[0], ("00B0000000", "9000")], &[("00B00000000000", erased.as_str())]] {
            let result = sign(steps);
            let read = steps.last().unwrap().1;
            assert!(matches!(result, Err(Error::SignCertNotIssued)), "{read}: {result:?}");
        }
        // Junk: "not issued" only where EF 0008 says so.
        let junk = [("00B00000000000", "0102039000"), ("00A4020C020008", "9000")];
        let result = sign(&[junk[0], junk[1], ("00B0000003", "008F009000")]);
        assert!(matches!(result, Err(Error::SignCertNotIssued)), "{result:?}");
        let result = sign(&[junk[0], junk[1], ("00B0000003", "8F8F009000")]);
        assert!(matches!(result, Err(Error::BadCardData(_))), "{result:?}");
        // The auth certificate is always issued: an empty file is bad data.
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C02000A", "9000"), empty[0], empty[1]]);
        let result = JpkiCard::new(t, ExtendedLength::On).read_certificate(CertKind::Auth);
        assert!(matches!(result, Err(Error::BadCardData(_))), "{result:?}");
    }

    #[test]
    fn certificate_availability_file() {
        let cases = [("8F8F009000", Some(true)), ("008F009000", Some(false)), ("018F009000", None)];
        for (answer, issued) in cases {
            let t = Scripted::new(&[(AP, "9000"), ("00A4020C020008", "9000"), ("00B0000003", answer)]);
            let mut card = JpkiCard::new(t, ExtendedLength::On);
            // Only 00 means "not issued"; an odd value is unknown.
            assert_eq!(card.has_sign_certificate().unwrap(), issued, "{answer}");
            // Asked again, the card is not: the script has nothing more to answer.
            assert_eq!(card.has_sign_certificate().unwrap(), issued, "{answer}");
            assert_eq!(card.traffic().apdus, 3);
        }
        // No such file: unknown. Cut short or an odd status word: an error, never "unknown".
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020008", "6A82")]);
        assert_eq!(JpkiCard::new(t, ExtendedLength::On).has_sign_certificate().unwrap(), None);
        for (select, answer) in
            [("9000", "9000"), ("9000", "8F9000"), ("9000", "8F8F6282"), ("9000", "6F00"), ("6F00", "")]
        {
            let mut steps = vec![(AP, "9000"), ("00A4020C020008", select)];
            if !answer.is_empty() {
                steps.push(("00B0000003", answer));
            }
            let mut card = JpkiCard::new(Scripted::new(&steps), ExtendedLength::On);
            let result = card.has_sign_certificate();
            assert!(
                matches!(result, Err(Error::BadCardData(_) | Error::UnexpectedStatus { .. })),
                "{answer}: {result:?}"
            );
        }
    }

    #[test]
    fn verified_query_is_not_zero() {
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020018", "9000"), ("00200080", "9000")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::Verified);
    }

    #[test]
    fn blocked_pin_is_never_tried() {
        for sw in ["63C0", "6983", "6984"] {
            let t = Scripted::new(&[(AP, "9000"), ("00A4020C020018", "9000"), ("00200080", sw)]);
            let mut card = JpkiCard::new(t, ExtendedLength::On);
            let pin = Pin::new(PinKind::Auth, "1234").unwrap();
            assert!(matches!(card.verify(&pin, &mut yes), Err(Error::PinBlocked { .. })));
            assert!(card.into_transport().finished());
        }
    }

    #[test]
    fn last_try_needs_consent() {
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C02001B", "9000"), ("00200080", "63C1")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        assert!(matches!(card.verify(&pin, &mut no), Err(Error::LastTryNeedsConsent { .. })));
    }

    #[test]
    fn wrong_pin_and_lost_card() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("002000800431313131", "63C2"),
            ("00200080", "63C2"),
            ("002000800431313131", "GONE"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let pin = Pin::new(PinKind::Auth, "1111").unwrap();
        assert!(matches!(card.verify(&pin, &mut yes), Err(Error::WrongPin { tries_left: 2, .. })));
        assert!(matches!(card.verify(&pin, &mut yes), Err(Error::VerifyOutcomeUnknown { .. })));
    }

    #[test]
    fn reads_with_short_apdus_sized_from_header() {
        let mut cert = vec![0x30, 0x82, 0x01, 0x2C];
        cert.resize(0x130, 0xAB);
        let first = format!("{}9000", hex::encode_upper(&cert[..256]));
        let rest = format!("{}9000", hex::encode_upper(&cert[256..]));
        let t =
            Scripted::new(&[(AP, "9000"), ("00A4020C02000A", "9000"), ("00B0000000", &first), ("00B0010030", &rest)]);
        let mut card = JpkiCard::new(t, ExtendedLength::Off);
        assert_eq!(card.read_certificate(CertKind::Auth).unwrap(), cert);
        assert_eq!(card.traffic().apdus, 4);
    }

    #[test]
    fn extended_read_falls_back_and_trims_filler() {
        let mut cert = vec![0x30, 0x81, 0x10];
        cert.resize(0x13, 0x01);
        let mut ef = cert.clone();
        ef.extend_from_slice(&[0xFF; 40]);
        let whole = format!("{}9000", hex::encode_upper(&ef));
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C02000B", "9000"), ("00B00000000000", &whole)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.read_certificate(CertKind::AuthCa).unwrap(), cert);

        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C02000B", "9000"),
            ("00B00000000000", "6700"),
            ("00B0000000", &whole),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.read_certificate(CertKind::AuthCa).unwrap(), cert);
        assert_eq!(card.extended_length(), ExtendedLength::Off);
    }

    #[test]
    fn bad_headers_are_errors() {
        for body in ["00000000", "30000000", "3084FFFFFFFF", "3082FFFF"] {
            let t = Scripted::new(&[
                (AP, "9000"),
                ("00A4020C02000A", "9000"),
                ("00B0000000", &format!("{body}9000")),
                ("00B0000400", "6B00"),
            ]);
            let mut card = JpkiCard::new(t, ExtendedLength::Off);
            assert!(card.read_certificate(CertKind::Auth).is_err(), "{body}");
        }
    }

    #[test]
    fn not_a_jpki_card() {
        let t = Scripted::new(&[(AP, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert!(matches!(card.pin_state(PinKind::Auth), Err(Error::NotJpki { .. })));
    }

    // ---- Hostile or broken card answers (issue 5) --------------------------------
    //
    // The faithful virtual card, behind a hook that rewrites its answers, plays
    // the cards the simulator cannot: each case must end in an error (never a
    // panic), in a bounded number of APDUs, without a try spent that the user
    // did not choose, and never with a signature that passes the CLI's self-check.

    use crate::digest::{HashAlgorithm, MessageDigest};
    use crate::sim::{CardData, PinId, PinStore, SimConfig, VirtualCard};

    /// Hook: (APDU number from 1, command, the card's real answer) -> what the host sees.
    type Hook = Box<dyn FnMut(usize, &[u8], Vec<u8>) -> Result<Vec<u8>, TransportError>>;

    struct Tampered {
        card: VirtualCard,
        hook: Hook,
        apdus: usize,
        /// VERIFY commands with data (PIN tries) the host sent.
        verifies: usize,
    }

    /// More APDUs than any flow below may need: a loop that passes it is unbounded.
    const APDU_BUDGET: usize = 1_000;

    impl Transport for Tampered {
        fn transmit_raw(&mut self, command: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
            self.apdus += 1;
            self.verifies += usize::from(command.len() > 5 && command[1] == 0x20);
            assert!(self.apdus <= APDU_BUDGET, "more than {APDU_BUDGET} APDUs: an unbounded loop");
            let real = self.card.transmit(command);
            (self.hook)(self.apdus, command, real)
        }
    }

    fn tampered(hook: Hook) -> JpkiCard<Tampered> {
        let data = CardData::default_fixture();
        let pins = PinStore::defaults(&data);
        let card = VirtualCard::new(SimConfig::default(), data, pins);
        JpkiCard::new(Tampered { card, hook, apdus: 0, verifies: 0 }, ExtendedLength::On)
    }

    fn tries(card: &JpkiCard<Tampered>, id: PinId) -> u8 {
        card.transport().card.pin_store().tries_left(id)
    }

    fn digest() -> MessageDigest {
        MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(b"hostile")).unwrap()
    }

    /// What `jpki sign --key sign` does: verify, read the certificate, sign, and
    /// check the signature against the certificate before anything is output.
    /// `Ok` means a signature would be printed.
    fn sign_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        card.verify(&pin, &mut yes)?;
        let cert = card.read_certificate(CertKind::Sign)?;
        let d = digest();
        let sig = card.sign_digest_info(KeyKind::Sign, &d.digest_info())?;
        crate::cert::verify_pkcs1(&cert, d.algorithm, &d.bytes, &sig)
            .map_err(|e| Error::SelfCheckFailed(e.to_string()))?;
        Ok(sig)
    }

    fn status_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
        let a = card.pin_state(PinKind::Auth)?;
        let s = card.pin_state(PinKind::Sign)?;
        Ok(format!("{a:?} {s:?}").into_bytes())
    }

    /// What plain `jpki status` reads: EF 0008 and all seven counters, by
    /// short EF identifier behind detection.
    fn all_counters_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
        card.allow_sfi_queries();
        let issued = card.has_sign_certificate()?;
        let mut out = format!("{issued:?}");
        for counter in &Counter::ALL {
            // As the CLI does: a lost link or garbled answer ends the flow,
            // any other odd answer is shown for that counter only.
            match card.counter_state(counter) {
                Err(e @ (Error::Transport(_) | Error::BadCardData(_))) => return Err(e),
                state => out.push_str(&format!(" {state:?}")),
            }
        }
        Ok(out.into_bytes())
    }

    fn cert_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
        let der = card.read_certificate(CertKind::Auth)?;
        crate::cert::summarize(&der, 1_800_000_000).map_err(|e| Error::BadCardData(e.to_string()))?;
        Ok(der)
    }

    type Flow = fn(&mut JpkiCard<Tampered>) -> Result<Vec<u8>>;
    const FLOWS: [(&str, Flow); 4] = [
        ("sign", sign_flow),
        ("status", status_flow),
        ("status, all counters", all_counters_flow),
        ("cert", cert_flow),
    ];

    /// APDUs a flow uses against the honest card.
    fn honest_count(flow: Flow) -> usize {
        let mut card = tampered(Box::new(|_, _, r| Ok(r)));
        flow(&mut card).expect("the honest card works");
        card.transport().apdus
    }

    /// Run `flow` with answer number `at` rewritten by `rewrite`; check the
    /// common promises and return the result.
    fn with_answer_at(flow: Flow, at: usize, rewrite: fn(Vec<u8>) -> Vec<u8>) -> (Result<Vec<u8>>, usize) {
        let mut card = tampered(Box::new(move |n, _, r| Ok(if n == at { rewrite(r) } else { r })));
        let result = flow(&mut card);
        assert_eq!(tries(&card, PinId::Sign), 5, "a try was spent (answer {at} rewritten)");
        assert_eq!(tries(&card, PinId::Auth), 3, "a try was spent (answer {at} rewritten)");
        (result, card.transport().apdus)
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn truncated_answers_at_every_position_are_errors() {
        let cuts: [(&str, fn(Vec<u8>) -> Vec<u8>); 4] = [
            ("empty", |_| Vec::new()),
            ("one byte", |r| r[..1].to_vec()),
            ("half", |r| r[..r.len() / 2].to_vec()),
            ("status word lost", |r| r[..r.len() - 2].to_vec()),
        ];
        let mut cases = 0;
        for (name, flow) in FLOWS {
            let n = honest_count(flow);
            let honest = {
                let mut card = tampered(Box::new(|_, _, r| Ok(r)));
                flow(&mut card).expect("the honest card works")
            };
            for at in 1..=n {
                for (cut, rewrite) in cuts {
                    let (result, apdus) = with_answer_at(flow, at, rewrite);
                    cases += 1;
                    // Anything that succeeds despite the cut must be the full,
                    // checked result, never a partial or different one.
                    if let Ok(out) = &result {
                        if name == "sign" {
                            panic!("{name}: a signature came out although answer {at} was cut ({cut})");
                        }
                        assert_eq!(out, &honest, "{name} {cut} at {at}: a different result");
                    }
                    assert!(apdus <= n + 2, "{name} {cut} at {at}: {apdus} APDUs");
                }
            }
        }
        assert!(cases >= 60, "{cases}");
        println!("CASES hostile: truncated answers at every APDU: {cases}");
    }

    #[test]
    fn a_lost_or_garbled_verify_answer_is_outcome_unknown() {
        // The sign flow's APDU 4 is the VERIFY with the password.
        for rewrite in [|_| Vec::new(), |r: Vec<u8>| r[..1].to_vec()] as [fn(Vec<u8>) -> Vec<u8>; 2] {
            let (result, _) = with_answer_at(sign_flow, 4, rewrite);
            assert!(matches!(result, Err(Error::VerifyOutcomeUnknown { kind: PinKind::Sign })), "{:?}", result.err());
        }
        let mut card = tampered(Box::new(|n, _, r| if n == 4 { Err(TransportError::CardGone) } else { Ok(r) }));
        assert!(matches!(sign_flow(&mut card), Err(Error::VerifyOutcomeUnknown { .. })));
        assert_eq!(card.transport().apdus, 4, "nothing is sent after a lost VERIFY");
        println!("CASES hostile: lost or garbled VERIFY answer: 3");
    }

    #[test]
    fn unexpected_status_words_at_every_position_end_cleanly() {
        let sws: [[u8; 2]; 12] = [
            [0x6F, 0x00],
            [0x6A, 0x82],
            [0x69, 0x82],
            [0x69, 0x85],
            [0x6E, 0x00],
            [0x6D, 0x00],
            [0x64, 0x00],
            [0x65, 0x81],
            [0x62, 0x83],
            [0x6A, 0x86],
            [0x67, 0x00],
            [0x12, 0x34],
        ];
        let mut cases = 0;
        for (name, flow) in FLOWS {
            let n = honest_count(flow);
            for at in 1..=n {
                for sw in sws {
                    cases += 1;
                    let mut card = tampered(Box::new(move |k, _, mut r| {
                        if k == at {
                            let len = r.len();
                            r[len - 2..].copy_from_slice(&sw);
                        }
                        Ok(r)
                    }));
                    // An Ok result has passed the flow's own checks (for `sign`, the
                    // signature verifies): a refused extended READ falls back to short
                    // reads, and a 6F00 to the first SELECT gets one more SELECT.
                    let _ = flow(&mut card);
                    let t = card.transport();
                    assert!(t.apdus <= n + 10, "{name} {sw:02X?} at {at}: {} APDUs", t.apdus);
                    assert!(t.verifies <= 1, "{name} {sw:02X?} at {at}: VERIFY resent");
                    assert_eq!(tries(&card, PinId::Sign), 5, "{name} {sw:02X?} at {at}");
                }
            }
        }
        println!("CASES hostile: unexpected status words at every APDU: {cases}");
    }

    #[test]
    fn endless_61xx_chains_are_cut_off() {
        for sw2 in [0x00u8, 0x01, 0x10] {
            let mut card = tampered(Box::new(move |_, cmd, r| {
                Ok(if cmd[1] == 0xB0 || cmd[1] == 0xC0 { vec![0x61, sw2] } else { r })
            }));
            let err = card.read_certificate(CertKind::Auth).unwrap_err();
            assert!(matches!(err, Error::BadCardData(_)), "{err:?}");
            assert!(card.transport().apdus <= 3 + crate::transport::MAX_GET_RESPONSE_ROUNDS + 1);
        }
        // A chain that keeps delivering data stops at the size asked for.
        let mut card = tampered(Box::new(|_, cmd, r| {
            Ok(if cmd[1] == 0xB0 || cmd[1] == 0xC0 {
                let mut v = vec![0x30; 256];
                v.extend_from_slice(&[0x61, 0x00]);
                v
            } else {
                r
            })
        }));
        assert!(card.read_certificate(CertKind::Auth).is_err());
        assert!(card.transport().apdus < 300);
        println!("CASES hostile: endless or oversized 61xx chains: 4");
    }

    #[test]
    fn wrong_le_6cxx_is_followed_once_only() {
        for sw2 in [0x00u8, 0x10, 0xFF] {
            let mut card = tampered(Box::new(move |_, cmd, r| Ok(if cmd[1] == 0xB0 { vec![0x6C, sw2] } else { r })));
            assert!(card.read_certificate(CertKind::Auth).is_err());
            // SELECT AP, SELECT EF, extended READ + one resend, short READ + one resend.
            assert!(card.transport().apdus <= 6, "{}", card.transport().apdus);
        }
        // 6Cxx to the signature is resent once with the corrected Le, then refused.
        let mut card = tampered(Box::new(|_, cmd, r| Ok(if cmd[1] == 0x2A { vec![0x6C, 0x00] } else { r })));
        assert!(sign_flow(&mut card).is_err());
        assert_eq!(tries(&card, PinId::Sign), 5);
        println!("CASES hostile: 6Cxx answers: 4");
    }

    /// A cert EF whose DER header is `header`, then `body` bytes, then nothing.
    fn with_cert_ef(ef: Vec<u8>) -> JpkiCard<Tampered> {
        tampered(Box::new(move |_, cmd, r| {
            if cmd[1] != 0xB0 {
                return Ok(r);
            }
            let offset = u16::from_be_bytes([cmd[2], cmd[3]]) as usize;
            let le = match cmd.len() {
                5 => {
                    if cmd[4] == 0 {
                        256
                    } else {
                        cmd[4] as usize
                    }
                }
                7 => match u16::from_be_bytes([cmd[5], cmd[6]]) {
                    0 => 65_536,
                    n => n as usize,
                },
                _ => 0,
            };
            if offset >= ef.len() {
                return Ok(vec![0x6B, 0x00]);
            }
            let mut out = ef[offset..(offset + le).min(ef.len())].to_vec();
            out.extend_from_slice(&[0x90, 0x00]);
            Ok(out)
        }))
    }

    #[test]
    fn certificate_headers_that_lie_are_errors() {
        let files: Vec<(&str, Vec<u8>)> = vec![
            ("length larger than the file", [vec![0x30, 0x82, 0x07, 0x00], vec![0x02; 600]].concat()),
            ("length at the 32 KiB limit", [vec![0x30, 0x82, 0x7F, 0xFB], vec![0x02; 300]].concat()),
            ("length over the limit", [vec![0x30, 0x83, 0x01, 0x00, 0x00], vec![0x02; 300]].concat()),
            ("zero length", vec![0x30, 0x00, 0xFF, 0xFF]),
            ("not DER", vec![0xFF; 2048]),
            ("empty file", vec![]),
            ("header only", vec![0x30]),
            ("indefinite length", vec![0x30, 0x80, 0x00, 0x00]),
        ];
        for (name, ef) in files {
            for extended in [ExtendedLength::On, ExtendedLength::Off] {
                let mut card = with_cert_ef(ef.clone());
                card.extended = extended;
                assert!(card.read_certificate(CertKind::Auth).is_err(), "{name}");
                assert!(card.transport().apdus <= 3 + 2048 / 256 + 2, "{name}: {} APDUs", card.transport().apdus);
            }
        }
        // A well-sized object that is not a certificate reads, and then fails to decode.
        let mut junk = vec![0x30, 0x82, 0x01, 0x00];
        junk.extend_from_slice(&[0xA5; 256]);
        let mut card = with_cert_ef(junk.clone());
        assert_eq!(card.read_certificate(CertKind::Auth).unwrap(), junk);
        assert!(crate::cert::summarize(&junk, 0).is_err());
        println!("CASES hostile: certificate files that lie or are not DER: 17");
    }

    #[test]
    fn a_card_that_answers_one_byte_at_a_time_is_stopped() {
        let mut cert = vec![0x30, 0x82, 0x06, 0x00];
        cert.resize(0x604, 0x02);
        let mut card = tampered(Box::new(move |_, cmd, r| {
            if cmd[1] != 0xB0 {
                return Ok(r);
            }
            let offset = u16::from_be_bytes([cmd[2], cmd[3]]) as usize;
            // The first read gets 256 bytes, every later one a single byte.
            let n = if offset == 0 { 256 } else { 1 };
            let mut out = cert[offset..(offset + n).min(cert.len())].to_vec();
            out.extend_from_slice(&[0x90, 0x00]);
            Ok(out)
        }));
        card.extended = ExtendedLength::Off;
        let err = card.read_certificate(CertKind::Auth).unwrap_err();
        assert!(err.to_string().contains("ended"), "{err}");
        assert!(card.transport().apdus <= 5, "{} APDUs", card.transport().apdus);
        println!("CASES hostile: a card answering one byte at a time: 1");
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn signatures_of_the_wrong_length_or_key_never_pass_the_self_check() {
        use rsa::Pkcs1v15Sign;
        let rewrites: [(&str, Box<dyn Fn(&[u8]) -> Vec<u8>>); 6] = [
            ("empty", Box::new(|_| vec![])),
            ("255 bytes", Box::new(|_| vec![0x5A; 255])),
            ("257 bytes", Box::new(|_| vec![0x5A; 257])),
            ("512 bytes", Box::new(|_| vec![0x01; 512])),
            (
                "by the auth key",
                Box::new(|di: &[u8]| {
                    CardData::default_fixture().auth_key.sign(Pkcs1v15Sign::new_unprefixed(), di).unwrap()
                }),
            ),
            (
                "of another digest",
                Box::new(|_| {
                    let other =
                        MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(b"other")).unwrap();
                    CardData::default_fixture()
                        .sign_key
                        .sign(Pkcs1v15Sign::new_unprefixed(), &other.digest_info())
                        .unwrap()
                }),
            ),
        ];
        for (name, rewrite) in rewrites {
            let mut card = tampered(Box::new(move |_, cmd, r| {
                if cmd[1] != 0x2A {
                    return Ok(r);
                }
                let lc = cmd[4] as usize;
                let mut out = rewrite(&cmd[5..5 + lc]);
                out.extend_from_slice(&[0x90, 0x00]);
                Ok(out)
            }));
            let result = sign_flow(&mut card);
            assert!(result.is_err(), "{name}: a bad signature passed");
            assert_eq!(tries(&card, PinId::Sign), 5);
        }
        // The honest card passes the same check.
        let mut card = tampered(Box::new(|_, _, r| Ok(r)));
        assert_eq!(sign_flow(&mut card).unwrap().len(), 256);
        println!("CASES hostile: signatures of the wrong length or key: 6");
    }

    #[test]
    fn odd_retry_answers_never_lead_to_a_blind_verify() {
        // 63Cx above the maximum is taken as given (not the last try); a 63C1 asks for consent; garbage stops.
        for (sw, expect_verify) in
            [([0x63u8, 0xCF], true), ([0x63, 0xC1], false), ([0x63, 0x00], false), ([0x90, 0x00], true)]
        {
            let mut card =
                tampered(Box::new(move |_, cmd, r| Ok(if cmd == [0x00, 0x20, 0x00, 0x80] { sw.to_vec() } else { r })));
            let pin = Pin::new(PinKind::Auth, "1234").unwrap();
            let result = card.verify(&pin, &mut no);
            assert_eq!(result.is_ok(), expect_verify, "{sw:02X?}: {result:?}");
            assert_eq!(tries(&card, PinId::Auth), 3);
        }
        println!("CASES hostile: odd retry-counter answers: 4");
    }
}
