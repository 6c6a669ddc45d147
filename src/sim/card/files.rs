//! The card's applets and files: which file ID means what in which applet,
//! what each file holds, and which PIN opens it.

use super::super::config::{SignCertFile, UnissuedSignPin};
use super::super::state::PinId;
use super::{StatusWord, VirtualCard, SW_NOT_ALLOWED, SW_NOT_FOUND, SW_WRONG_P1P2};

/// AID of the JPKI AP (公的個人認証AP).
pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// AID of the 券面事項入力補助AP (text AP).
pub const AID_TEXT: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// AID of the 券面事項確認AP (visual AP).
pub const AID_VISUAL: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// AID of the GlobalPlatform Issuer Security Domain (current at power-on).
pub const AID_ISD: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

/// The application (DF) currently selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applet {
    /// GlobalPlatform Issuer Security Domain: current after power-on; nothing
    /// of the card's applications is selected.
    Isd,
    /// 公的個人認証AP.
    Jpki,
    /// 券面事項入力補助AP.
    Text,
    /// 券面事項確認AP.
    Visual,
}

impl Applet {
    pub(super) fn pins(self) -> &'static [PinId] {
        match self {
            Applet::Isd => &[],
            Applet::Jpki => &[PinId::Auth, PinId::Sign],
            Applet::Text => &[PinId::Cardinfo, PinId::CardinfoA, PinId::CardinfoB],
            Applet::Visual => &[PinId::VisualA, PinId::VisualB, PinId::VisualBirth],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinEf {
    SignCert,
    SignCa,
    Token,
    CertFlags,
    AuthCert,
    AuthCa,
    MyNumber,
    Attributes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyId {
    Auth,
    Sign,
}

impl KeyId {
    pub(super) fn pin(self) -> PinId {
        match self {
            KeyId::Auth => PinId::Auth,
            KeyId::Sign => PinId::Sign,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ef {
    Binary(BinEf),
    Pin(PinId),
    /// Text AP key `0012`: blocked on every card examined.
    BlockedKey,
    Key(KeyId),
}

/// Precomputed EF contents.
pub(super) struct Contents {
    pub(super) sign_cert: Vec<u8>,
    pub(super) sign_ca: Vec<u8>,
    pub(super) token: Vec<u8>,
    pub(super) cert_flags: Vec<u8>,
    pub(super) auth_cert: Vec<u8>,
    pub(super) auth_ca: Vec<u8>,
    pub(super) my_number: Vec<u8>,
    pub(super) attributes: Vec<u8>,
}

impl VirtualCard {
    /// On a card without a signing certificate, whether the signing
    /// password's file behaves as `model`.
    pub(super) fn sign_pin_is(&self, model: UnissuedSignPin) -> bool {
        self.config.no_sign_cert && self.config.unissued_sign_pin == model
    }

    pub(super) fn has_sign_cert_file(&self) -> bool {
        match self.config.sign_cert_file {
            Some(file) => file != SignCertFile::Absent,
            None => !self.config.no_sign_cert,
        }
    }

    pub(super) fn find_ef(&self, df: Applet, fid: u16) -> Option<Ef> {
        let ef = match (df, fid) {
            (Applet::Jpki, 0x0001) if self.has_sign_cert_file() => Ef::Binary(BinEf::SignCert),
            (Applet::Jpki, 0x0002) => Ef::Binary(BinEf::SignCa),
            (Applet::Jpki, 0x0006) => Ef::Binary(BinEf::Token),
            (Applet::Jpki, 0x0008) => Ef::Binary(BinEf::CertFlags),
            (Applet::Jpki, 0x000A) => Ef::Binary(BinEf::AuthCert),
            (Applet::Jpki, 0x000B) => Ef::Binary(BinEf::AuthCa),
            (Applet::Jpki, 0x0017) => Ef::Key(KeyId::Auth),
            (Applet::Jpki, 0x0018) => Ef::Pin(PinId::Auth),
            (Applet::Jpki, 0x001A) => Ef::Key(KeyId::Sign),
            (Applet::Jpki, 0x001B) if !self.sign_pin_is(UnissuedSignPin::Absent) => Ef::Pin(PinId::Sign),
            (Applet::Text, 0x0001) => Ef::Binary(BinEf::MyNumber),
            (Applet::Text, 0x0002) => Ef::Binary(BinEf::Attributes),
            (Applet::Text, 0x0011) => Ef::Pin(PinId::Cardinfo),
            (Applet::Text, 0x0012) => Ef::BlockedKey,
            (Applet::Text, 0x0014) => Ef::Pin(PinId::CardinfoA),
            (Applet::Text, 0x0015) => Ef::Pin(PinId::CardinfoB),
            (Applet::Visual, 0x0011) => Ef::Pin(PinId::VisualBirth),
            (Applet::Visual, 0x0012) => Ef::Pin(PinId::VisualB),
            (Applet::Visual, 0x0013) => Ef::Pin(PinId::VisualA),
            _ => return None,
        };
        Some(ef)
    }

    pub(super) fn contents(&self, ef: BinEf) -> &[u8] {
        match ef {
            BinEf::SignCert => &self.contents.sign_cert,
            BinEf::SignCa => &self.contents.sign_ca,
            BinEf::Token => &self.contents.token,
            BinEf::CertFlags => &self.contents.cert_flags,
            BinEf::AuthCert => &self.contents.auth_cert,
            BinEf::AuthCa => &self.contents.auth_ca,
            BinEf::MyNumber => &self.contents.my_number,
            BinEf::Attributes => &self.contents.attributes,
        }
    }

    pub(super) fn may_read(&self, ef: BinEf) -> bool {
        match ef {
            BinEf::SignCert => self.is_verified(PinId::Sign),
            // The smartphone certificate guards its auth certificate too.
            BinEf::AuthCert if self.config.smartphone.is_some() => self.is_verified(PinId::Auth),
            BinEf::MyNumber => self.is_verified(PinId::Cardinfo) || self.is_verified(PinId::CardinfoA),
            BinEf::Attributes => self.is_verified(PinId::Cardinfo) || self.is_verified(PinId::CardinfoB),
            _ => true,
        }
    }

    /// Resolve a key/EF reference in P2: `80` = current EF, `80+SFI` = that EF.
    pub(super) fn resolve_p2(&self, p2: u8) -> Result<Ef, StatusWord> {
        match p2 {
            0x80 => self.ef.ok_or(SW_NOT_ALLOWED),
            0x81..=0x9E if self.config.sfi => self.find_ef(self.df, u16::from(p2 & 0x1F)).ok_or(SW_NOT_FOUND),
            _ => Err(SW_WRONG_P1P2),
        }
    }
}
