//! The virtual My Number Card: a pure state machine that answers command
//! APDUs. No I/O and no sleeping happen here; [`crate::sim::vpcd`] connects it
//! to pcscd.
//!
//! * `files`: the applets, their files and who may read them.
//! * `dispatch`: [`VirtualCard::transmit`], which frames each APDU, routes it
//!   by class and instruction, and chains long answers (61xx, GET RESPONSE).
//! * `handlers`: SELECT, VERIFY, CHANGE REFERENCE DATA, READ BINARY and
//!   COMPUTE DIGITAL SIGNATURE.
//!
//! The card keeps its own facts (AIDs, file IDs, status words it answers)
//! rather than importing the client's constants from [`crate::card`]: it is
//! the oracle the client is tested against, and an oracle that shares the
//! client's constants shares its mistakes. Only the ISO 7816-4 framing
//! ([`crate::apdu`]) is common to both.
//!
//! [`VirtualCard::transmit`] never panics, whatever the input.

mod dispatch;
mod files;
mod handlers;

use crate::apdu::StatusWord;

use super::config::{SignCertFile, SimConfig};
use super::data::CardData;
use super::state::{PinId, PinStore};

pub use files::{Applet, AID_ISD, AID_JPKI, AID_TEXT, AID_VISUAL};
use files::{Contents, Ef};

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

/// Whether a command APDU is COMPUTE DIGITAL SIGNATURE (`80 2A`). The vpcd
/// bridge uses this for the signature latency.
pub fn is_signature_command(command: &[u8]) -> bool {
    command.len() >= 2 && command[0] == 0x80 && command[1] == 0x2A
}

fn sw(word: StatusWord) -> Vec<u8> {
    word.to_bytes().to_vec()
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
    pub fn new(config: SimConfig, mut data: CardData, state: PinStore) -> Self {
        if let Some(phone) = config.smartphone {
            data.token_label = phone.token_label().to_string();
        }
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

    fn set_verified(&mut self, id: PinId, on: bool) {
        self.verified.retain(|&p| p != id);
        if on {
            self.verified.push(id);
        }
    }
}
