//! The virtual My Number Card: a pure state machine that answers command
//! APDUs. No I/O and no sleeping happen here; [`crate::sim::vpcd`] connects it
//! to pcscd.
//!
//! [`VirtualCard::transmit`] never panics, whatever the input.

use rsa::Pkcs1v15Sign;

use crate::apdu::{Command, StatusWord};

use super::config::{ForcedAnswer, OptionalApplet, SignCertFile, SimConfig, UnissuedSignPin};
use super::data::CardData;
use super::state::{PinId, PinStore};

/// AID of the JPKI AP (公的個人認証AP).
pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// AID of the 券面事項入力補助AP (text AP).
pub const AID_TEXT: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// AID of the 券面事項確認AP (visual AP).
pub const AID_VISUAL: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];
/// AID of the GlobalPlatform Issuer Security Domain (current at power-on).
pub const AID_ISD: [u8; 7] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00];

// Status words.
const SW_OK: StatusWord = StatusWord::Success;
const SW_WRONG_LENGTH: StatusWord = StatusWord::WrongLength;
const SW_INCOMPATIBLE_FILE: StatusWord = StatusWord::IncompatibleFileStructure;
const SW_SECURITY: StatusWord = StatusWord::SecurityStatusNotSatisfied;
const SW_CONDITIONS: StatusWord = StatusWord::ConditionsNotSatisfied;
const SW_NOT_ALLOWED: StatusWord = StatusWord::CommandNotAllowed;
const SW_WRONG_DATA: StatusWord = StatusWord::IncorrectData;
const SW_NOT_FOUND: StatusWord = StatusWord::FileNotFound;
const SW_WRONG_P1P2: StatusWord = StatusWord::IncorrectParameters(0x6A86);
const SW_WRONG_OFFSET: StatusWord = StatusWord::IncorrectParameters(0x6B00);
const SW_INS: StatusWord = StatusWord::InstructionNotSupported;
const SW_CLA: StatusWord = StatusWord::ClassNotSupported;
const SW_UNKNOWN: StatusWord = StatusWord::NoPreciseDiagnosis;

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
    fn pins(self) -> &'static [PinId] {
        match self {
            Applet::Isd => &[],
            Applet::Jpki => &[PinId::Auth, PinId::Sign],
            Applet::Text => &[PinId::Cardinfo, PinId::CardinfoA, PinId::CardinfoB],
            Applet::Visual => &[PinId::VisualA, PinId::VisualB, PinId::VisualBirth],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BinEf {
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
enum KeyId {
    Auth,
    Sign,
}

impl KeyId {
    fn pin(self) -> PinId {
        match self {
            KeyId::Auth => PinId::Auth,
            KeyId::Sign => PinId::Sign,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ef {
    Binary(BinEf),
    Pin(PinId),
    /// Text AP key `0012`: blocked on every card examined.
    BlockedKey,
    Key(KeyId),
}

/// Whether a command APDU is COMPUTE DIGITAL SIGNATURE (`80 2A`). The vpcd
/// bridge uses this for the signature latency.
pub fn is_signature_command(command: &[u8]) -> bool {
    command.len() >= 2 && command[0] == 0x80 && command[1] == 0x2A
}

fn sw(word: StatusWord) -> Vec<u8> {
    word.to_bytes().to_vec()
}

/// Precomputed EF contents.
struct Contents {
    sign_cert: Vec<u8>,
    sign_ca: Vec<u8>,
    token: Vec<u8>,
    cert_flags: Vec<u8>,
    auth_cert: Vec<u8>,
    auth_ca: Vec<u8>,
    my_number: Vec<u8>,
    attributes: Vec<u8>,
}

/// The virtual card.
pub struct VirtualCard {
    config: SimConfig,
    data: CardData,
    contents: Contents,
    pins: PinStore,
    pins_changed: bool,
    powered: bool,
    df: Applet,
    ef: Option<Ef>,
    verified: Vec<PinId>,
    fresh_power: bool,
    pending: Vec<u8>,
}

impl VirtualCard {
    /// A card with the given switches, contents and PIN state. It starts
    /// powered on (as after [`VirtualCard::power_on`]).
    pub fn new(config: SimConfig, data: CardData, state: PinStore) -> Self {
        let contents = Contents {
            sign_cert: match config.sign_cert_file {
                Some(SignCertFile::Empty) => Vec::new(),
                Some(SignCertFile::Erased) => vec![0xFF; CardData::cert_ef(&data.sign_cert).len()],
                _ => CardData::cert_ef(&data.sign_cert),
            },
            sign_ca: CardData::cert_ef(&data.sign_ca_cert),
            token: data.token_info_ef(),
            cert_flags: config.cert_flags.clone().unwrap_or_else(|| CardData::cert_flags_ef(config.no_sign_cert)),
            auth_cert: CardData::cert_ef(&data.auth_cert),
            auth_ca: CardData::cert_ef(&data.auth_ca_cert),
            my_number: data.my_number_ef(),
            attributes: data.attributes_ef(),
        };
        let mut card = VirtualCard {
            config,
            data,
            contents,
            pins: state,
            pins_changed: false,
            powered: false,
            df: Applet::Isd,
            ef: None,
            verified: Vec::new(),
            fresh_power: false,
            pending: Vec::new(),
        };
        card.power_on();
        card
    }

    /// The ATR (see [`SimConfig::effective_atr`]).
    pub fn atr(&self) -> Vec<u8> {
        self.config.effective_atr()
    }

    /// Power the card on: no PIN verified, the GP ISD is the current DF.
    pub fn power_on(&mut self) {
        self.clear_session();
        self.powered = true;
        self.fresh_power = true;
    }

    /// Power the card off: every verified PIN and the selection are lost.
    pub fn power_off(&mut self) {
        self.clear_session();
        self.powered = false;
        self.fresh_power = false;
    }

    /// Reset the card (warm reset): like a power cycle.
    pub fn reset(&mut self) {
        self.power_on();
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// The switches.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The card contents.
    pub fn data(&self) -> &CardData {
        &self.data
    }

    /// PIN values and counters.
    pub fn pin_store(&self) -> &PinStore {
        &self.pins
    }

    /// PIN values and counters, for changes from outside the card (counts as a change).
    pub fn pin_store_mut(&mut self) -> &mut PinStore {
        self.pins_changed = true;
        &mut self.pins
    }

    /// Whether a PIN value or counter changed since the last call (and reset
    /// the flag). The bridge persists the store when this is true.
    pub fn take_pin_changes(&mut self) -> bool {
        std::mem::take(&mut self.pins_changed)
    }

    /// Whether a PIN is verified in the current session.
    pub fn is_verified(&self, id: PinId) -> bool {
        self.verified.contains(&id)
    }

    /// The application currently selected.
    pub fn current_applet(&self) -> Applet {
        self.df
    }

    fn clear_session(&mut self) {
        self.verified.clear();
        self.df = Applet::Isd;
        self.ef = None;
        self.pending.clear();
    }

    /// On a card without a signing certificate, whether the signing
    /// password's file behaves as `model`.
    fn sign_pin_is(&self, model: UnissuedSignPin) -> bool {
        self.config.no_sign_cert && self.config.unissued_sign_pin == model
    }

    fn has_sign_cert_file(&self) -> bool {
        match self.config.sign_cert_file {
            Some(file) => file != SignCertFile::Absent,
            None => !self.config.no_sign_cert,
        }
    }

    fn set_verified(&mut self, id: PinId, on: bool) {
        self.verified.retain(|&p| p != id);
        if on {
            self.verified.push(id);
        }
    }

    /// Process one command APDU; returns response data followed by SW1 SW2.
    pub fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        if std::mem::take(&mut self.fresh_power) && self.config.first_apdu_after_power_6f00 {
            self.pending.clear();
            return sw(SW_UNKNOWN);
        }
        let Ok(cmd) = Command::parse(command) else {
            self.pending.clear();
            return sw(SW_WRONG_LENGTH);
        };
        if cmd.extended && !self.config.extended_length {
            self.pending.clear();
            return sw(SW_WRONG_LENGTH);
        }
        if cmd.cla == 0x00 && cmd.ins == 0xC0 {
            return self.get_response(&cmd);
        }
        self.pending.clear();
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(&cmd),
            (0x00, 0xB0) => self.read_binary(&cmd),
            (0x00, 0x20) if cmd.data().is_empty() => self.verify(&cmd),
            (0x00, 0x20) => match self.config.verify_answer {
                Some(forced) => self.forced(forced, |card| card.verify(&cmd)),
                None => self.verify(&cmd),
            },
            (0x00, 0x24) => match self.config.change_answer {
                Some(forced) => self.forced(forced, |card| card.change_reference_data(&cmd)),
                None => self.change_reference_data(&cmd),
            },
            (0x80, 0x2A) => self.compute_signature(&cmd),
            (0x00 | 0x80, 0xA4 | 0xB0 | 0x20 | 0x24 | 0x2A | 0xC0) => sw(SW_CLA),
            (0x00 | 0x80, _) => sw(SW_INS),
            _ => sw(SW_CLA),
        }
    }

    /// Answer `forced.sw`, after running the command only if `forced.done`.
    fn forced(&mut self, forced: ForcedAnswer, run: impl FnOnce(&mut Self) -> Vec<u8>) -> Vec<u8> {
        if forced.done {
            run(self);
        }
        sw(StatusWord::from_u16(forced.sw))
    }

    /// Wrap response data according to the GET RESPONSE switch.
    fn respond(&mut self, data: Vec<u8>) -> Vec<u8> {
        if self.config.get_response && !data.is_empty() {
            let n = data.len().min(256);
            self.pending = data;
            return sw(StatusWord::BytesRemaining(n as u8));
        }
        let mut out = data;
        out.extend_from_slice(&SW_OK.to_bytes());
        out
    }

    fn get_response(&mut self, cmd: &Command) -> Vec<u8> {
        if !self.config.get_response {
            self.pending.clear();
            return sw(SW_INS);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw(SW_WRONG_P1P2);
        }
        let Some(le) = cmd.le.filter(|_| cmd.data().is_empty()) else {
            return sw(SW_WRONG_LENGTH);
        };
        if self.pending.is_empty() {
            return sw(SW_CONDITIONS);
        }
        let n = le.min(256).min(self.pending.len());
        let mut out: Vec<u8> = self.pending.drain(..n).collect();
        let rest = self.pending.len();
        if rest == 0 {
            out.extend_from_slice(&SW_OK.to_bytes());
        } else {
            out.extend_from_slice(&StatusWord::BytesRemaining(rest.min(256) as u8).to_bytes());
        }
        out
    }

    fn find_ef(&self, df: Applet, fid: u16) -> Option<Ef> {
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

    fn contents(&self, ef: BinEf) -> &[u8] {
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

    fn may_read(&self, ef: BinEf) -> bool {
        match ef {
            BinEf::SignCert => self.is_verified(PinId::Sign),
            BinEf::MyNumber => self.is_verified(PinId::Cardinfo) || self.is_verified(PinId::CardinfoA),
            BinEf::Attributes => self.is_verified(PinId::Cardinfo) || self.is_verified(PinId::CardinfoB),
            _ => true,
        }
    }

    /// Resolve a key/EF reference in P2: `80` = current EF, `80+SFI` = that EF.
    fn resolve_p2(&self, p2: u8) -> Result<Ef, StatusWord> {
        match p2 {
            0x80 => self.ef.ok_or(SW_NOT_ALLOWED),
            0x81..=0x9E if self.config.sfi => self.find_ef(self.df, u16::from(p2 & 0x1F)).ok_or(SW_NOT_FOUND),
            _ => Err(SW_WRONG_P1P2),
        }
    }

    fn select(&mut self, cmd: &Command) -> Vec<u8> {
        match cmd.p1 {
            0x04 => {
                if cmd.p2 != 0x0C {
                    return sw(SW_WRONG_P1P2);
                }
                if cmd.data().is_empty() {
                    return sw(SW_WRONG_LENGTH);
                }
                let df = if cmd.data() == AID_JPKI {
                    Applet::Jpki
                } else if cmd.data() == AID_TEXT {
                    Applet::Text
                } else if cmd.data() == AID_VISUAL {
                    Applet::Visual
                } else if cmd.data() == AID_ISD {
                    Applet::Isd
                } else {
                    return sw(SW_NOT_FOUND);
                };
                let lacking = |a: OptionalApplet| self.config.without_applets.contains(&a);
                if (df == Applet::Text && lacking(OptionalApplet::CardInfo))
                    || (df == Applet::Visual && lacking(OptionalApplet::Visual))
                {
                    return sw(SW_NOT_FOUND);
                }
                if self.config.reselect_clears_pin {
                    for &p in df.pins() {
                        self.set_verified(p, false);
                    }
                }
                self.df = df;
                self.ef = None;
                sw(SW_OK)
            }
            0x02 => {
                if cmd.p2 != 0x0C {
                    return sw(SW_WRONG_P1P2);
                }
                if cmd.data().len() != 2 {
                    return sw(SW_WRONG_LENGTH);
                }
                let fid = u16::from_be_bytes([cmd.data()[0], cmd.data()[1]]);
                match self.find_ef(self.df, fid) {
                    Some(ef) => {
                        self.ef = Some(ef);
                        sw(SW_OK)
                    }
                    None => sw(SW_NOT_FOUND),
                }
            }
            0x00 => {
                if cmd.p2 != 0x00 && cmd.p2 != 0x0C {
                    return sw(SW_WRONG_P1P2);
                }
                if !cmd.data().is_empty() {
                    // Selecting 3F00 (or anything else) by file ID: not found.
                    return sw(SW_NOT_FOUND);
                }
                // "Select MF" lies: 6A86 at the ISD, 9000 without effect elsewhere.
                if self.df == Applet::Isd {
                    sw(SW_WRONG_P1P2)
                } else {
                    sw(SW_OK)
                }
            }
            _ => sw(SW_WRONG_P1P2),
        }
    }

    fn verify(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0x00 {
            return sw(SW_WRONG_P1P2);
        }
        if cmd.le.is_some() {
            return sw(SW_WRONG_LENGTH);
        }
        let target = match self.resolve_p2(cmd.p2) {
            Ok(ef) => ef,
            Err(code) => return sw(code),
        };
        let id = match target {
            Ef::Pin(id) => id,
            Ef::BlockedKey => {
                return if cmd.data().is_empty() {
                    sw(StatusWord::from_u16(self.config.blocked_query_sw.sw()))
                } else if cmd.data().len() > 16 {
                    sw(SW_WRONG_LENGTH)
                } else {
                    sw(StatusWord::from_u16(self.config.blocked_sw.sw()))
                };
            }
            _ => return sw(SW_NOT_ALLOWED),
        };
        if id == PinId::Sign && self.sign_pin_is(UnissuedSignPin::Unusable) {
            return sw(StatusWord::ReferenceDataUnusable);
        }
        let tries = self.pins.tries_left(id);
        if cmd.data().is_empty() {
            // Retry query: spends nothing.
            if tries == 0 {
                return sw(StatusWord::from_u16(self.config.blocked_query_sw.sw()));
            }
            if self.is_verified(id) && self.config.verified_query == super::config::VerifiedQuery::Sw9000 {
                return sw(SW_OK);
            }
            return sw(StatusWord::TriesLeft(tries.min(15)));
        }
        if cmd.data().len() > 16 {
            return sw(SW_WRONG_LENGTH);
        }
        if tries == 0 {
            return sw(StatusWord::from_u16(self.config.blocked_sw.sw()));
        }
        let rec = self.pins.get(id);
        let max = rec.max;
        if cmd.data() == rec.value.as_bytes() {
            if tries != max {
                self.pins.get_mut(id).tries_left = max;
                self.pins_changed = true;
            }
            self.set_verified(id, true);
            return sw(SW_OK);
        }
        if !id.length_fits(cmd.data().len()) && !self.config.wrong_length_counts {
            return sw(SW_WRONG_LENGTH);
        }
        let left = tries - 1;
        self.pins.get_mut(id).tries_left = left;
        self.pins_changed = true;
        self.set_verified(id, false);
        sw(StatusWord::TriesLeft(left.min(15)))
    }

    fn change_reference_data(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0x01 {
            return sw(SW_WRONG_P1P2);
        }
        if cmd.le.is_some() || cmd.data().is_empty() || cmd.data().len() > 16 {
            return sw(SW_WRONG_LENGTH);
        }
        let target = match self.resolve_p2(cmd.p2) {
            Ok(ef) => ef,
            Err(code) => return sw(code),
        };
        let id = match target {
            Ef::Pin(id) => id,
            Ef::BlockedKey => return sw(SW_SECURITY),
            _ => return sw(SW_NOT_ALLOWED),
        };
        if !id.changeable() {
            return sw(SW_NOT_ALLOWED);
        }
        if !self.is_verified(id) {
            return sw(SW_SECURITY);
        }
        if !id.accepts_value(cmd.data()) {
            return sw(SW_WRONG_DATA);
        }
        // accepts_value guarantees ASCII.
        let value = String::from_utf8_lossy(cmd.data()).into_owned();
        let rec = self.pins.get_mut(id);
        rec.value = value;
        rec.tries_left = rec.max;
        self.pins_changed = true;
        sw(SW_OK)
    }

    fn read_binary(&mut self, cmd: &Command) -> Vec<u8> {
        if !cmd.data().is_empty() {
            return sw(SW_WRONG_LENGTH);
        }
        let Some(le) = cmd.le else {
            return sw(SW_WRONG_LENGTH);
        };
        let (ef, offset) = if cmd.p1 & 0x80 != 0 {
            let sfi = cmd.p1 & 0x1F;
            if !self.config.sfi || cmd.p1 & 0x60 != 0 || sfi == 0 {
                return sw(SW_WRONG_P1P2);
            }
            let Some(ef) = self.find_ef(self.df, u16::from(sfi)) else {
                return sw(SW_NOT_FOUND);
            };
            self.ef = Some(ef);
            (ef, cmd.p2 as usize)
        } else {
            let Some(ef) = self.ef else {
                return sw(SW_NOT_ALLOWED);
            };
            (ef, (usize::from(cmd.p1) << 8) | usize::from(cmd.p2))
        };
        let Ef::Binary(bin) = ef else {
            return sw(SW_INCOMPATIBLE_FILE);
        };
        if !self.may_read(bin) {
            return sw(SW_SECURITY);
        }
        let content = self.contents(bin);
        if offset >= content.len() {
            return sw(SW_WRONG_OFFSET);
        }
        let n = le.min(content.len() - offset);
        if self.config.wrong_le_6c && !cmd.extended && n < le {
            return sw(StatusWord::WrongLe(n as u8));
        }
        let out = content[offset..offset + n].to_vec();
        self.respond(out)
    }

    fn compute_signature(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0x00 {
            return sw(SW_WRONG_P1P2);
        }
        let Some(le) = cmd.le else {
            return sw(SW_WRONG_LENGTH);
        };
        if le < 256 {
            if self.config.wrong_le_6c && !cmd.extended {
                return sw(StatusWord::WrongLe(0));
            }
            return sw(SW_WRONG_LENGTH);
        }
        if cmd.data().is_empty() || cmd.data().len() > 245 {
            return sw(SW_WRONG_LENGTH);
        }
        let target = match self.resolve_p2(cmd.p2) {
            Ok(ef) => ef,
            Err(code) => return sw(code),
        };
        let Ef::Key(key) = target else {
            return sw(SW_NOT_ALLOWED);
        };
        if key == KeyId::Sign && self.config.no_sign_cert {
            return sw(SW_CONDITIONS);
        }
        if !self.is_verified(key.pin()) {
            return sw(SW_SECURITY);
        }
        let private = match key {
            KeyId::Auth => &self.data.auth_key,
            KeyId::Sign => &self.data.sign_key,
        };
        let Ok(signature) = private.sign(Pkcs1v15Sign::new_unprefixed(), cmd.data()) else {
            return sw(SW_UNKNOWN);
        };
        if self.config.sign_needs_fresh_verify {
            self.set_verified(key.pin(), false);
        }
        self.respond(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::{BlockedSw, VerifiedQuery};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::RsaPublicKey;
    use sha2::{Digest, Sha256};

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    fn card_with(config: SimConfig) -> VirtualCard {
        let data = CardData::default_fixture();
        let pins = PinStore::defaults(&data);
        VirtualCard::new(config, data, pins)
    }

    fn card() -> VirtualCard {
        card_with(SimConfig::default())
    }

    /// Send hex; return (data, SW).
    fn tx(c: &mut VirtualCard, apdu: &str) -> (Vec<u8>, u16) {
        let r = c.transmit(&h(apdu));
        assert!(r.len() >= 2, "short response {r:?}");
        let n = r.len();
        (r[..n - 2].to_vec(), u16::from_be_bytes([r[n - 2], r[n - 1]]))
    }

    fn sw_of(c: &mut VirtualCard, apdu: &str) -> u16 {
        tx(c, apdu).1
    }

    const AP: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
    const TXT: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
    const VIS: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02";
    const Q: &str = "00 20 00 80";

    fn sel(fid: &str) -> String {
        format!("00 A4 02 0C 02 {fid}")
    }

    fn verify_apdu(pin: &str) -> String {
        format!("00 20 00 80 {:02X} {}", pin.len(), hex::encode(pin))
    }

    fn sha256_digest_info(msg: &[u8]) -> Vec<u8> {
        let mut di = h("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
        di.extend_from_slice(&Sha256::digest(msg));
        di
    }

    fn cert_public_key(der: &[u8]) -> RsaPublicKey {
        let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        RsaPublicKey::from_public_key_der(cert.public_key().raw).unwrap()
    }

    /// Read a whole EF with short 256-byte reads until 6B00 or a short chunk.
    fn read_all(c: &mut VirtualCard) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let off = out.len();
            let (d, s) = tx(c, &format!("00 B0 {:02X} {:02X} 00", off >> 8, off & 0xFF));
            if s == 0x6B00 {
                break;
            }
            assert_eq!(s, 0x9000);
            out.extend_from_slice(&d);
            if d.len() < 256 {
                break;
            }
        }
        out
    }

    // ---- framing ----

    #[test]
    fn malformed_framing_is_6700() {
        let mut c = card();
        assert_eq!(sw_of(&mut c, "00 A4 02"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 A4 04 0C 0B D3 92"), 0x6700);
        assert_eq!(c.transmit(&[]), vec![0x67, 0x00]);
    }

    #[test]
    fn unknown_cla_and_ins() {
        let mut c = card();
        assert_eq!(sw_of(&mut c, "A0 A4 04 0C 02 00 00"), 0x6E00);
        assert_eq!(sw_of(&mut c, "00 CA 00 00 00"), 0x6D00);
        assert_eq!(sw_of(&mut c, "80 A4 04 0C 02 00 00"), 0x6E00);
        assert_eq!(sw_of(&mut c, "00 C0 00 00 00"), 0x6D00); // GET RESPONSE off
    }

    #[test]
    fn fuzz_never_panics() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let heads: [[u8; 2]; 8] = [
            [0x00, 0xA4],
            [0x00, 0xB0],
            [0x00, 0x20],
            [0x00, 0x24],
            [0x80, 0x2A],
            [0x00, 0xC0],
            [0x00, 0x00],
            [0xFF, 0xFF],
        ];
        let configs = [
            SimConfig::default(),
            SimConfig {
                get_response: true,
                wrong_le_6c: true,
                sfi: false,
                extended_length: false,
                ..SimConfig::default()
            },
        ];
        for cfg in configs {
            let mut c = card_with(cfg);
            for i in 0..20_000u32 {
                let len = (next() % 24) as usize + if i % 50 == 0 { 300 } else { 0 };
                let mut v: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                if v.len() >= 2 && i % 3 != 0 {
                    let hd = heads[(next() % 8) as usize];
                    v[0] = hd[0];
                    v[1] = hd[1];
                }
                if i % 7 == 0 {
                    // Drive the card into interesting states.
                    c.transmit(&h(AP));
                    c.transmit(&h(&sel(["0018", "001B", "000A", "0017", "001A", "0001"][(next() % 6) as usize])));
                }
                let r = c.transmit(&v);
                assert!(r.len() >= 2);
            }
        }
    }

    // ---- power and selection ----

    #[test]
    fn power_on_state_and_select_mf() {
        let mut c = card();
        assert_eq!(c.current_applet(), Applet::Isd);
        assert_eq!(sw_of(&mut c, "00 A4 00 00"), 0x6A86);
        assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82); // nothing of JPKI selected
        assert_eq!(sw_of(&mut c, AP), 0x9000);
        assert_eq!(sw_of(&mut c, "00 A4 00 00"), 0x9000);
        assert_eq!(c.current_applet(), Applet::Jpki); // unchanged
        assert_eq!(sw_of(&mut c, "00 A4 00 00 02 3F 00"), 0x6A82);
        assert_eq!(sw_of(&mut c, &sel("000A")), 0x9000);
        c.reset();
        assert_eq!(c.current_applet(), Applet::Isd);
        assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82);
    }

    #[test]
    fn select_rules() {
        let mut c = card();
        assert_eq!(sw_of(&mut c, "00 A4 04 0C 09 D3 92 F0 00 26 01 00 00 00"), 0x6A82); // prefix
        assert_eq!(sw_of(&mut c, "00 A4 04 0C 05 A0 00 00 00 03"), 0x6A82);
        assert_eq!(sw_of(&mut c, "00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01 00"), 0x6A86);
        assert_eq!(sw_of(&mut c, AP), 0x9000);
        assert_eq!(sw_of(&mut c, &sel("3F00")), 0x6A82);
        assert_eq!(sw_of(&mut c, &sel("0009")), 0x6A82);
        assert_eq!(sw_of(&mut c, "00 A4 02 0C 01 00"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 A4 02 04 02 00 0A"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 A4 08 0C 02 00 0A"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 A4 04 0C 07 A0 00 00 01 51 00 00"), 0x9000);
        assert_eq!(c.current_applet(), Applet::Isd);
        assert_eq!(sw_of(&mut c, TXT), 0x9000);
        assert_eq!(c.current_applet(), Applet::Text);
        assert_eq!(sw_of(&mut c, VIS), 0x9000);
        assert_eq!(c.current_applet(), Applet::Visual);
    }

    #[test]
    fn power_off_clears_pins_and_selection() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
        assert!(c.is_verified(PinId::Sign));
        c.power_off();
        c.power_on();
        assert!(!c.is_verified(PinId::Sign));
        assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
        tx(&mut c, AP);
        tx(&mut c, &sel("0001"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
    }

    #[test]
    fn reselect_keeps_pins_by_default_and_clears_with_switch() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
        tx(&mut c, AP);
        assert!(c.is_verified(PinId::Auth));
        tx(&mut c, TXT); // another applet does not clear it either
        assert!(c.is_verified(PinId::Auth));

        let mut c = card_with(SimConfig { reselect_clears_pin: true, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
        tx(&mut c, TXT);
        assert!(c.is_verified(PinId::Auth));
        tx(&mut c, AP);
        assert!(!c.is_verified(PinId::Auth));
    }

    #[test]
    fn first_apdu_after_power_6f00() {
        let mut c = card_with(SimConfig { first_apdu_after_power_6f00: true, ..SimConfig::default() });
        assert_eq!(sw_of(&mut c, AP), 0x6F00);
        assert_eq!(c.current_applet(), Applet::Isd);
        assert_eq!(sw_of(&mut c, AP), 0x9000);
        c.power_off();
        c.power_on();
        assert_eq!(sw_of(&mut c, AP), 0x6F00);
        assert_eq!(sw_of(&mut c, AP), 0x9000);
        let mut d = card();
        assert_eq!(sw_of(&mut d, AP), 0x9000);
    }

    // ---- retry query and VERIFY ----

    #[test]
    fn retry_query_spends_nothing() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        for _ in 0..10 {
            assert_eq!(sw_of(&mut c, Q), 0x63C3);
        }
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, Q), 0x63C5);
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
        assert!(!c.take_pin_changes());
    }

    #[test]
    fn retry_query_with_le_is_6700() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, "00 20 00 80 00"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 20 00 80 00 00 00"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 20 00 80 04 31 32 33 34 00"), 0x6700);
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
    }

    #[test]
    fn verify_without_pin_ef() {
        let mut c = card();
        assert_eq!(sw_of(&mut c, Q), 0x6986);
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, Q), 0x6986);
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, Q), 0x6986);
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x6986);
        assert_eq!(sw_of(&mut c, "00 20 01 80"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 20 00 00"), 0x6A86);
    }

    #[test]
    fn wrong_pin_costs_exactly_one_and_success_resets() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("0000")), 0x63C2);
        assert!(c.take_pin_changes());
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 2);
        assert_eq!(sw_of(&mut c, Q), 0x63C2);
        assert_eq!(sw_of(&mut c, &verify_apdu("1111")), 0x63C1);
        assert_eq!(sw_of(&mut c, Q), 0x63C1);
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
        assert!(c.take_pin_changes());
        assert!(c.is_verified(PinId::Auth));
        // A wrong try after success clears the verified state.
        assert_eq!(sw_of(&mut c, &verify_apdu("9999")), 0x63C2);
        assert!(!c.is_verified(PinId::Auth));
    }

    #[test]
    fn last_try_then_each_blocked_sw() {
        for (blocked, want) in [(BlockedSw::Sw63C0, 0x63C0), (BlockedSw::Sw6983, 0x6983), (BlockedSw::Sw6984, 0x6984)] {
            let mut c = card_with(SimConfig { blocked_sw: blocked, ..SimConfig::default() });
            tx(&mut c, AP);
            tx(&mut c, &sel("001B"));
            for left in (0..5u16).rev() {
                assert_eq!(sw_of(&mut c, &verify_apdu("WRONG1")), 0x63C0 | left);
            }
            assert_eq!(c.pin_store().tries_left(PinId::Sign), 0);
            assert_eq!(sw_of(&mut c, Q), 0x63C0);
            assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), want); // even the right one
            assert_eq!(sw_of(&mut c, &verify_apdu("WRONG1")), want);
            assert_eq!(c.pin_store().tries_left(PinId::Sign), 0);
            assert!(!c.is_verified(PinId::Sign));
        }
        assert_eq!(BlockedSw::default(), BlockedSw::Sw6984);
    }

    #[test]
    fn verified_query_switch() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        tx(&mut c, &verify_apdu("1234"));
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
        let mut c = card_with(SimConfig { verified_query: VerifiedQuery::Sw9000, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
        tx(&mut c, &verify_apdu("1234"));
        assert_eq!(sw_of(&mut c, Q), 0x9000);
        // A blocked PIN still answers 63C0 to the query.
        tx(&mut c, &sel("001B"));
        c.pin_store_mut().set_tries(PinId::Sign, 0).unwrap();
        assert_eq!(sw_of(&mut c, Q), 0x63C0);
    }

    #[test]
    fn wrong_length_pin() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("12345")), 0x6700);
        assert_eq!(sw_of(&mut c, &verify_apdu("12345678901234567")), 0x6700);
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
        let mut c = card_with(SimConfig { wrong_length_counts: true, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("12345")), 0x63C2);
        assert_eq!(sw_of(&mut c, &verify_apdu("12345678901234567")), 0x6700);
        assert_eq!(c.pin_store().tries_left(PinId::Auth), 2);
    }

    #[test]
    fn lower_case_sign_password_burns_a_try() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, &verify_apdu("abc123")), 0x63C4);
    }

    #[test]
    fn sfi_forms() {
        let mut c = card();
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, "00 20 00 98"), 0x63C3);
        assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x63C5);
        assert_eq!(sw_of(&mut c, "00 20 00 9B 06 41 42 43 31 32 33"), 0x9000);
        assert_eq!(sw_of(&mut c, "00 20 00 8A"), 0x6986); // not a PIN
        assert_eq!(sw_of(&mut c, "00 20 00 89"), 0x6A82); // no such EF
                                                          // SFI READ BINARY makes the EF current.
        let (d, s) = tx(&mut c, "00 B0 81 00 04");
        assert_eq!(s, 0x9000);
        assert_eq!(d[0], 0x30);
        let (d2, _) = tx(&mut c, "00 B0 00 00 04");
        assert_eq!(d, d2);
        let di = sha256_digest_info(b"sfi");
        let (sig, s) = tx(&mut c, &format!("80 2A 00 9A 33 {} 00", hex::encode(&di)));
        assert_eq!((sig.len(), s), (256, 0x9000));
        assert_eq!(sw_of(&mut c, &format!("80 2A 00 97 33 {} 00", hex::encode(&di))), 0x6982);
        tx(&mut c, TXT);
        assert_eq!(sw_of(&mut c, "00 20 00 91"), 0x63C3);

        let mut c = card_with(SimConfig { sfi: false, ..SimConfig::default() });
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, "00 20 00 98"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 20 00 9B 06 41 42 43 31 32 33"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 B0 8A 00 04"), 0x6A86);
        assert_eq!(sw_of(&mut c, &format!("80 2A 00 9A 33 {} 00", hex::encode(&di))), 0x6A86);
        assert_eq!(c.pin_store().tries_left(PinId::Sign), 5);
    }

    // ---- CHANGE REFERENCE DATA ----

    #[test]
    fn change_reference_data() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x6982);
        tx(&mut c, &verify_apdu("1234"));
        assert_eq!(sw_of(&mut c, "00 24 01 80 05 39 38 37 36 35"), 0x6A80);
        assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 41"), 0x6A80);
        assert_eq!(sw_of(&mut c, "00 24 00 80 04 39 38 37 36"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 24 01 80"), 0x6700);
        c.take_pin_changes();
        assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x9000);
        assert!(c.take_pin_changes());
        assert_eq!(c.pin_store().get(PinId::Auth).value, "9876");
        c.power_off();
        c.power_on();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x63C2);
        assert_eq!(sw_of(&mut c, &verify_apdu("9876")), 0x9000);
        // Sign password rules.
        tx(&mut c, &sel("001B"));
        tx(&mut c, &verify_apdu("ABC123"));
        assert_eq!(sw_of(&mut c, &format!("00 24 01 80 06 {}", hex::encode("abc123"))), 0x6A80);
        assert_eq!(sw_of(&mut c, &format!("00 24 01 80 08 {}", hex::encode("NEWPASS9"))), 0x9000);
        assert_eq!(c.pin_store().get(PinId::Sign).value, "NEWPASS9");
        // Not a PIN EF.
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x6986);
        // 照合番号A cannot be changed.
        tx(&mut c, TXT);
        tx(&mut c, &sel("0014"));
        tx(&mut c, &verify_apdu("314159265352"));
        assert_eq!(sw_of(&mut c, &format!("00 24 01 80 0C {}", hex::encode("123456789018"))), 0x6986);
    }

    // ---- READ BINARY ----

    #[test]
    fn sign_cert_needs_sign_pin() {
        let mut c = card();
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, &sel("0001")), 0x9000);
        assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
        tx(&mut c, &sel("0018"));
        tx(&mut c, &verify_apdu("1234")); // the auth PIN does not open it
        tx(&mut c, &sel("0001"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
        tx(&mut c, &sel("0001"));
        let all = read_all(&mut c);
        let der = &c.data().sign_cert.clone();
        assert_eq!(&all[..der.len()], &der[..]);
        assert!(all[der.len()..].iter().all(|&b| b == 0xFF));
    }

    #[test]
    fn free_certs_with_filler_and_eof() {
        let mut c = card();
        tx(&mut c, AP);
        for (fid, der) in [
            ("000A", c.data().auth_cert.clone()),
            ("000B", c.data().auth_ca_cert.clone()),
            ("0002", c.data().sign_ca_cert.clone()),
        ] {
            tx(&mut c, &sel(fid));
            let (hdr, s) = tx(&mut c, "00 B0 00 00 04");
            assert_eq!(s, 0x9000);
            assert_eq!(hdr[..2], [0x30, 0x82]);
            let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize + 4;
            assert_eq!(len, der.len());
            let all = read_all(&mut c);
            assert_eq!(all.len(), 2048);
            assert_eq!(&all[..len], &der[..]);
            // At and past end of file.
            assert_eq!(sw_of(&mut c, "00 B0 08 00 01"), 0x6B00);
            assert_eq!(sw_of(&mut c, "00 B0 7F FF 01"), 0x6B00);
            // Up to end of file.
            let (tail, s) = tx(&mut c, "00 B0 07 F0 00");
            assert_eq!((tail.len(), s), (16, 0x9000));
        }
        tx(&mut c, &sel("0006"));
        let (tok, s) = tx(&mut c, "00 B0 00 00 20");
        assert_eq!(s, 0x9000);
        assert_eq!(&tok, b"JPKIAPICCTOKEN2                 ");
        let (tok, _) = tx(&mut c, "00 B0 00 00 00");
        assert_eq!(tok.len(), 160);
        tx(&mut c, &sel("0008"));
        assert_eq!(tx(&mut c, "00 B0 00 00 00"), (vec![0x8F, 0x8F, 0x00], 0x9000));
    }

    #[test]
    fn read_binary_errors() {
        let mut c = card();
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6986); // no current EF
        tx(&mut c, &sel("0017"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6981);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6981);
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 B0 00 00 01 00"), 0x6700);
        assert_eq!(sw_of(&mut c, "00 B0 A1 00 00"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 B0 80 00 00"), 0x6A86);
        assert_eq!(sw_of(&mut c, "00 B0 89 00 00"), 0x6A82);
    }

    #[test]
    fn extended_vs_short_reads() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("000A"));
        let (all, s) = tx(&mut c, "00 B0 00 00 00 00 00");
        assert_eq!((all.len(), s), (2048, 0x9000));
        let (part, s) = tx(&mut c, "00 B0 00 10 00 03 00");
        assert_eq!((part.len(), s), (768, 0x9000));
        assert_eq!(part[..], all[16..16 + 768]);
        let (short, _) = tx(&mut c, "00 B0 00 00 00");
        assert_eq!(short.len(), 256);
        // SFI + extended (jsapdu style).
        let (sfi, s) = tx(&mut c, "00 B0 8A 00 00 00 00");
        assert_eq!((sfi.len(), s), (2048, 0x9000));

        let mut c = card_with(SimConfig { extended_length: false, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 00 00 00"), 0x6700);
        assert_eq!(tx(&mut c, "00 B0 00 00 00").0.len(), 256);
        assert_eq!(c.atr(), crate::sim::config::ATR_SHORT.to_vec());
    }

    #[test]
    fn wrong_le_6c_switch() {
        let mut c = card_with(SimConfig { wrong_le_6c: true, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("0008"));
        assert_eq!(tx(&mut c, "00 B0 00 00 00"), (vec![], 0x6C03));
        assert_eq!(tx(&mut c, "00 B0 00 00 03"), (vec![0x8F, 0x8F, 0x00], 0x9000));
        assert_eq!(tx(&mut c, "00 B0 00 00 02"), (vec![0x8F, 0x8F], 0x9000));
        let mut d = card();
        tx(&mut d, AP);
        tx(&mut d, &sel("0008"));
        assert_eq!(tx(&mut d, "00 B0 00 00 00"), (vec![0x8F, 0x8F, 0x00], 0x9000));
    }

    #[test]
    fn get_response_switch() {
        let mut c = card_with(SimConfig { get_response: true, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 C0 00 00 00"), 0x6985); // nothing pending
        assert_eq!(tx(&mut c, "00 B0 00 00 04"), (vec![], 0x6104));
        let (d, s) = tx(&mut c, "00 C0 00 00 04");
        assert_eq!((d[..2].to_vec(), s), (vec![0x30, 0x82], 0x9000));
        // A 2048-byte extended read comes back in 256-byte chunks.
        assert_eq!(tx(&mut c, "00 B0 00 00 00 00 00"), (vec![], 0x6100));
        let mut got = Vec::new();
        loop {
            let (d, s) = tx(&mut c, "00 C0 00 00 00");
            got.extend_from_slice(&d);
            if s == 0x9000 {
                break;
            }
            assert_eq!(s & 0xFF00, 0x6100);
        }
        assert_eq!(got.len(), 2048);
        // Partial GET RESPONSE then another command discards the rest.
        tx(&mut c, "00 B0 00 00 10");
        assert_eq!(tx(&mut c, "00 C0 00 00 08"), (c.data().auth_cert[..8].to_vec(), 0x6108));
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 C0 00 00 08"), 0x6985);
        // Status-only answers are unchanged.
        assert_eq!(sw_of(&mut c, &sel("0018")), 0x9000);
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
    }

    // ---- COMPUTE DIGITAL SIGNATURE ----

    #[test]
    fn signatures_verify_with_certificate_keys() {
        let mut c = card();
        let msg = b"hello jpki";
        let di = sha256_digest_info(msg);
        tx(&mut c, AP);
        tx(&mut c, &sel("0017"));
        let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(&di));
        assert_eq!(sw_of(&mut c, &cmd), 0x6982);
        tx(&mut c, &sel("0018"));
        tx(&mut c, &verify_apdu("1234"));
        tx(&mut c, &sel("0017"));
        let (sig, s) = tx(&mut c, &cmd);
        assert_eq!((sig.len(), s), (256, 0x9000));
        let auth_pub = cert_public_key(&c.data().auth_cert);
        auth_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).unwrap();
        // The sign key needs the sign PIN.
        tx(&mut c, &sel("001A"));
        assert_eq!(sw_of(&mut c, &cmd), 0x6982);
        tx(&mut c, &sel("001B"));
        tx(&mut c, &verify_apdu("ABC123"));
        tx(&mut c, &sel("001A"));
        let ext = format!("80 2A 00 80 00 00 33 {} 00 00", hex::encode(&di));
        let (sig, s) = tx(&mut c, &ext);
        assert_eq!((sig.len(), s), (256, 0x9000));
        let sign_pub = cert_public_key(&c.data().sign_cert);
        sign_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).unwrap();
        assert!(auth_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).is_err());
        // Two in a row work by default (open question 2).
        assert_eq!(sw_of(&mut c, &cmd), 0x9000);
    }

    #[test]
    fn signature_input_rules() {
        let mut c = card();
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        tx(&mut c, &verify_apdu("1234"));
        tx(&mut c, &sel("0017"));
        let data245 = "AB".repeat(245);
        assert_eq!(sw_of(&mut c, &format!("80 2A 00 80 F5 {data245} 00")), 0x9000);
        let data246 = "AB".repeat(246);
        assert_eq!(sw_of(&mut c, &format!("80 2A 00 80 F6 {data246} 00")), 0x6700);
        assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD"), 0x6700); // no Le
        assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD 80"), 0x6700); // Le too small
        assert_eq!(sw_of(&mut c, "80 2A 01 80 02 AB CD 00"), 0x6A86);
        assert_eq!(sw_of(&mut c, "80 2A 00 00 02 AB CD 00"), 0x6A86);
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD 00"), 0x6986);
        assert_eq!(sw_of(&mut c, "00 2A 00 80 02 AB CD 00"), 0x6E00);
    }

    #[test]
    fn sign_needs_fresh_verify_switch() {
        let mut c = card_with(SimConfig { sign_needs_fresh_verify: true, ..SimConfig::default() });
        let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(sha256_digest_info(b"x")));
        tx(&mut c, AP);
        tx(&mut c, &sel("001B"));
        tx(&mut c, &verify_apdu("ABC123"));
        tx(&mut c, &sel("001A"));
        assert_eq!(sw_of(&mut c, &cmd), 0x9000);
        assert_eq!(sw_of(&mut c, &cmd), 0x6982);
        tx(&mut c, &sel("001B"));
        tx(&mut c, &verify_apdu("ABC123"));
        tx(&mut c, &sel("001A"));
        assert_eq!(sw_of(&mut c, &cmd), 0x9000);
    }

    #[test]
    fn no_sign_cert_switch() {
        let mut c = card_with(SimConfig { no_sign_cert: true, ..SimConfig::default() });
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
        assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x6A82);
        tx(&mut c, &sel("0008"));
        assert_eq!(tx(&mut c, "00 B0 00 00 00").0, vec![0x00, 0x8F, 0x00]);
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
        tx(&mut c, &sel("001A"));
        let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(sha256_digest_info(b"x")));
        assert_eq!(sw_of(&mut c, &cmd), 0x6985);
        // The auth side is unaffected.
        tx(&mut c, &sel("000A"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x9000);
    }

    #[test]
    fn applets_can_be_absent() {
        let mut c = card_with(SimConfig { without_applets: vec![OptionalApplet::Visual], ..SimConfig::default() });
        assert_eq!(sw_of(&mut c, VIS), 0x6A82);
        assert_eq!(sw_of(&mut c, TXT), 0x9000);
        let mut c = card_with(SimConfig { without_applets: vec![OptionalApplet::CardInfo], ..SimConfig::default() });
        assert_eq!(sw_of(&mut c, TXT), 0x6A82);
        assert_eq!(sw_of(&mut c, VIS), 0x9000);
        assert_eq!(sw_of(&mut c, AP), 0x9000);
    }

    #[test]
    fn unissued_sign_pin_models() {
        let model = |m| card_with(SimConfig { no_sign_cert: true, unissued_sign_pin: m, ..SimConfig::default() });
        let mut c = model(UnissuedSignPin::Unusable);
        tx(&mut c, AP);
        tx(&mut c, &sel("001B"));
        assert_eq!(sw_of(&mut c, Q), 0x6984);
        assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x6984);
        assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x6984);
        assert_eq!(c.pins.tries_left(PinId::Sign), 5, "nothing counted");
        let mut c = model(UnissuedSignPin::Absent);
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, &sel("001B")), 0x6A82);
        assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x6A82);
        // The auth PIN is unaffected by either model.
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
        // Without --no-sign-cert the model is ignored.
        let mut c = card_with(SimConfig { unissued_sign_pin: UnissuedSignPin::Absent, ..SimConfig::default() });
        tx(&mut c, AP);
        assert_eq!(sw_of(&mut c, &sel("001B")), 0x9000);
    }

    // ---- 券面事項入力補助 AP and 券面事項確認 AP ----

    #[test]
    fn text_ap_my_number_and_attributes() {
        let mut c = card();
        tx(&mut c, TXT);
        tx(&mut c, &sel("0011"));
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
        tx(&mut c, &sel("0001"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 11"), 0x6982);
        tx(&mut c, &sel("0002"));
        assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6982);
        tx(&mut c, &sel("0011"));
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
        tx(&mut c, &sel("0001"));
        let (mn, s) = tx(&mut c, "00 B0 00 00 11");
        assert_eq!(s, 0x9000);
        assert_eq!(mn, c.data().my_number_ef());
        assert_eq!(tx(&mut c, "00 B0 00 00 00").0.len(), 17);
        tx(&mut c, &sel("0002"));
        let (attr, _) = tx(&mut c, "00 B0 00 00 00");
        assert_eq!(&attr[..2], &[0xFF, 0x20]);
        assert_eq!(attr, c.data().attributes_ef()[..attr.len()]);
    }

    #[test]
    fn text_ap_verification_codes_open_one_ef_each() {
        let mut c = card();
        tx(&mut c, TXT);
        assert_eq!(sw_of(&mut c, "00 20 00 94"), 0x63CA);
        assert_eq!(sw_of(&mut c, "00 20 00 95"), 0x63CA);
        tx(&mut c, &sel("0014"));
        assert_eq!(sw_of(&mut c, &verify_apdu("314159265352")), 0x9000);
        assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x9000);
        assert_eq!(sw_of(&mut c, "00 B0 82 00 00"), 0x6982);
        c.power_off();
        c.power_on();
        tx(&mut c, TXT);
        tx(&mut c, &sel("0015"));
        assert_eq!(sw_of(&mut c, &verify_apdu("55021720354821")), 0x9000);
        assert_eq!(sw_of(&mut c, "00 B0 82 00 00"), 0x9000);
        assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x6982);
    }

    #[test]
    fn text_ap_pre_blocked_key() {
        for (blocked, want) in [(BlockedSw::Sw6984, 0x6984), (BlockedSw::Sw6983, 0x6983)] {
            let mut c = card_with(SimConfig { blocked_sw: blocked, ..SimConfig::default() });
            tx(&mut c, TXT);
            tx(&mut c, &sel("0012"));
            assert_eq!(sw_of(&mut c, Q), 0x63C0);
            assert_eq!(sw_of(&mut c, &verify_apdu("1234")), want);
        }
    }

    #[test]
    fn visual_ap_retry_queries() {
        let mut c = card();
        tx(&mut c, VIS);
        for fid in ["0011", "0012", "0013"] {
            tx(&mut c, &sel(fid));
            assert_eq!(sw_of(&mut c, Q), 0x63C3, "{fid}");
        }
        assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
        assert_eq!(sw_of(&mut c, &sel("0002")), 0x6A82);
        tx(&mut c, &sel("0011"));
        assert_eq!(sw_of(&mut c, &verify_apdu("550217")), 0x9000);
        assert_eq!(sw_of(&mut c, &verify_apdu("550218")), 0x63C2);
        // JPKI EFs are not visible from here.
        assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82);
    }

    #[test]
    fn pin_store_mut_marks_changes() {
        let mut c = card();
        assert!(!c.take_pin_changes());
        c.pin_store_mut().set_tries(PinId::Auth, 1).unwrap();
        assert!(c.take_pin_changes());
        assert!(!c.take_pin_changes());
        tx(&mut c, AP);
        tx(&mut c, &sel("0018"));
        assert_eq!(sw_of(&mut c, Q), 0x63C1);
    }

    #[test]
    fn opensc_style_session() {
        // The sequence OpenSC's jpki driver sends for list-pins and reading the auth cert.
        let mut c = card();
        assert_eq!(sw_of(&mut c, AP), 0x9000);
        assert_eq!(sw_of(&mut c, &sel("0018")), 0x9000);
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
        assert_eq!(sw_of(&mut c, &sel("001B")), 0x9000);
        assert_eq!(sw_of(&mut c, Q), 0x63C5);
        assert_eq!(sw_of(&mut c, &sel("000A")), 0x9000);
        let (hdr, _) = tx(&mut c, "00 B0 00 00 04");
        let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize + 4;
        let mut der = Vec::new();
        while der.len() < len {
            let off = der.len();
            let want = (len - off).min(256);
            let (d, s) = tx(&mut c, &format!("00 B0 {:02X} {:02X} {:02X}", off >> 8, off & 0xFF, want & 0xFF));
            assert_eq!(s, 0x9000);
            der.extend_from_slice(&d);
        }
        assert_eq!(der, c.data().auth_cert);
    }
}
