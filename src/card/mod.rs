//! The JPKI applet client: select, retry query, verify, read, sign.
//!
//! It remembers what is selected so it never sends a SELECT twice, reads the
//! retry counter before every VERIFY, and never resends a VERIFY.
//!
//! `layout` is the card map (applets, files, counters); `session` the
//! selection cache; `retry` the retry query and the proof of its short form;
//! `verify` the lockout guard, VERIFY and CHANGE; `read` the chunked reads;
//! `sign` the signatures; `device` tells the plastic card from the
//! smartphone certificate.

use crate::apdu::{Command, Response, StatusWord, MAX_EXTENDED_LE, MAX_SHORT_LE};
use crate::cert::{der_sequence_len, MAX_EF_OBJECT};
use crate::error::{BadData, Error, Result};
use crate::pin::{Pin, PinKind};
use crate::transport::{exchange, Traffic, Transport, TransportError};

mod device;
mod layout;
mod read;
mod retry;
mod session;
mod sign;
mod status;
#[cfg(test)]
mod testing;
mod unlock;
mod verify;

pub use device::Device;
use layout::pin_location;
pub use layout::{Applet, CertKind, Counter, KeyKind, PinState};
pub use read::SignCertificate;
use retry::ShortForm;
pub use sign::Signer;
pub use status::{CardStatus, CounterReading, Counters, StatusRequest};
pub use unlock::{OfficeOnly, Unlock};
pub use verify::LastTryConsent;

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

/// A session with the card's applets over some transport.
pub struct JpkiCard<T: Transport> {
    transport: T,
    traffic: Traffic,
    selection: Selection,
    extended: ExtendedLength,
    /// The short form of the retry query (by short EF identifier,
    /// `00 20 00 80+SFI`): `None` when not allowed.
    short_form: Option<ShortForm>,
    /// EF 0008's answer, once read: it cannot change during a session.
    sign_certificate: Option<SignCertificate>,
    /// Applets whose SELECT was refused: not asked again in this session.
    missing_applets: Vec<Applet>,
    /// What answered (EF 0006), once read.
    device: Option<Device>,
    /// On a smartphone, the count each PIN stood at when first verified
    /// again in this session: its full count, which no source gives.
    phone_full_counts: Vec<(PinKind, u8)>,
}

impl<T: Transport> JpkiCard<T> {
    pub fn new(transport: T, extended: ExtendedLength) -> Self {
        JpkiCard {
            transport,
            traffic: Traffic::default(),
            selection: Selection::Nothing,
            extended,
            short_form: None,
            sign_certificate: None,
            missing_applets: Vec::new(),
            device: None,
            phone_full_counts: Vec::new(),
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
}

fn missing(applet: Applet, reader: &str) -> Error {
    match applet {
        Applet::Jpki => Error::NotJpki { reader: reader.to_string() },
        _ => Error::AppletMissing { applet: applet.name() },
    }
}

fn not_verified(pin: Option<PinKind>) -> Error {
    match pin {
        Some(kind) => Error::PinNotVerified { kind },
        None => Error::UnexpectedStatus { operation: "READ BINARY", sw: StatusWord::SecurityStatusNotSatisfied },
    }
}
