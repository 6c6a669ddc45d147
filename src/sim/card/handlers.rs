//! The commands the card understands, one handler each.

use rsa::Pkcs1v15Sign;

use crate::apdu::{Command, StatusWord};

use super::super::config::{OptionalApplet, UnissuedSignPin, VerifiedQuery};
use super::super::state::PinId;
use super::files::{Applet, Ef, KeyId, AID_ISD, AID_JPKI, AID_TEXT, AID_VISUAL};
use super::{
    sw, VirtualCard, SW_CONDITIONS, SW_INCOMPATIBLE_FILE, SW_NOT_ALLOWED, SW_NOT_FOUND, SW_OK, SW_SECURITY, SW_UNKNOWN,
    SW_WRONG_DATA, SW_WRONG_LENGTH, SW_WRONG_OFFSET, SW_WRONG_P1P2,
};

impl VirtualCard {
    pub(super) fn select(&mut self, cmd: &Command) -> Vec<u8> {
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
                // A smartphone carries the JPKI applet alone.
                let lacking = |a: OptionalApplet| {
                    (self.config.smartphone.is_some() && a != OptionalApplet::Jpki)
                        || self.config.without_applets.contains(&a)
                };
                if (df == Applet::Text && lacking(OptionalApplet::CardInfo))
                    || (df == Applet::Visual && lacking(OptionalApplet::Visual))
                    || (df == Applet::Jpki && lacking(OptionalApplet::Jpki))
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

    /// The PIN file a VERIFY or a CHANGE REFERENCE DATA names, after the
    /// checks both make, in this order: P1 must be `p1`, the lengths must be
    /// right (`lengths_ok`), P2 must name a PIN (the current EF or by short EF
    /// identifier). `None`: the blocked key file, which each answers its own way.
    fn pin_reference(&self, cmd: &Command, p1: u8, lengths_ok: bool) -> Result<Option<PinId>, StatusWord> {
        if cmd.p1 != p1 {
            return Err(SW_WRONG_P1P2);
        }
        if !lengths_ok {
            return Err(SW_WRONG_LENGTH);
        }
        match self.resolve_p2(cmd.p2)? {
            Ef::Pin(id) => Ok(Some(id)),
            Ef::BlockedKey => Ok(None),
            _ => Err(SW_NOT_ALLOWED),
        }
    }

    pub(super) fn verify(&mut self, cmd: &Command) -> Vec<u8> {
        let id = match self.pin_reference(cmd, 0x00, cmd.le.is_none()) {
            Ok(Some(id)) => id,
            Err(code) => return sw(code),
            Ok(None) => {
                return if cmd.data().is_empty() {
                    sw(StatusWord::from_u16(self.config.blocked_query_sw.sw()))
                } else if cmd.data().len() > 16 {
                    sw(SW_WRONG_LENGTH)
                } else {
                    sw(StatusWord::from_u16(self.config.blocked_sw.sw()))
                };
            }
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
            if self.is_verified(id) && self.config.verified_query == VerifiedQuery::Sw9000 {
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

    pub(super) fn change_reference_data(&mut self, cmd: &Command) -> Vec<u8> {
        let lengths_ok = cmd.le.is_none() && !cmd.data().is_empty() && cmd.data().len() <= 16;
        let id = match self.pin_reference(cmd, 0x01, lengths_ok) {
            Ok(Some(id)) => id,
            Ok(None) => return sw(SW_SECURITY),
            Err(code) => return sw(code),
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

    pub(super) fn read_binary(&mut self, cmd: &Command) -> Vec<u8> {
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

    pub(super) fn compute_signature(&mut self, cmd: &Command) -> Vec<u8> {
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
