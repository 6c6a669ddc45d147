//! The card map: applets, certificate and key files, retry counters.

use crate::pin::PinKind;

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
            Applet::Visual => "visual applet (券面事項確認AP)",
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

pub(super) fn pin_location(kind: PinKind) -> (Applet, u16) {
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
    /// The maximum on `device`: no source gives the smartphone certificate's,
    /// whose counters the phone keeps (tested under several in the simulator).
    pub fn max_tries_on(&self, device: &super::Device) -> Option<u8> {
        if device.is_smartphone() {
            None
        } else {
            self.max_tries
        }
    }

    pub const fn of(kind: PinKind) -> Counter {
        let (applet, fid) = match kind {
            PinKind::Auth => (Applet::Jpki, 0x0018),
            PinKind::Sign => (Applet::Jpki, 0x001B),
            PinKind::CardInfo => (Applet::CardInfo, 0x0011),
        };
        // A PIN's name, description and maximum are the PinKind's own.
        Counter { name: kind.name(), description: kind.description(), applet, fid, max_tries: Some(kind.max_tries()) }
    }

    /// The PIN this counter guards, for the three PINs a holder sets; `None`
    /// for the 照合番号.
    pub fn pin_kind(&self) -> Option<PinKind> {
        [PinKind::Auth, PinKind::Sign, PinKind::CardInfo].into_iter().find(|&k| Counter::of(k) == *self)
    }

    /// Every counter `jpki status --all` reports, in order; the two JPKI
    /// counters first, then the card-info PIN: the three the holder set.
    pub const ALL: [Counter; 7] = [
        Counter::of(PinKind::Auth),
        Counter::of(PinKind::Sign),
        Counter::of(PinKind::CardInfo),
        Counter {
            name: "cardinfo-a",
            description: "券面事項入力補助AP 照合番号A (My Number)",
            applet: Applet::CardInfo,
            fid: 0x0014,
            max_tries: None,
        },
        Counter {
            name: "cardinfo-b",
            description: "券面事項入力補助AP 照合番号B (birth date, expiry, code)",
            applet: Applet::CardInfo,
            fid: 0x0015,
            max_tries: None,
        },
        Counter {
            name: "visual-a",
            description: "券面事項確認AP 照合番号A (My Number)",
            applet: Applet::Visual,
            fid: 0x0013,
            max_tries: Some(3),
        },
        Counter {
            name: "visual-b",
            description: "券面事項確認AP 照合番号B (birth date, expiry, code)",
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
    /// No tries left (see [`Unlock`](super::Unlock) for the way out).
    Blocked,
    /// The card answered 9000: the PIN is verified in the card's current
    /// session, so the counter was reset to its maximum by that VERIFY.
    Verified,
}
