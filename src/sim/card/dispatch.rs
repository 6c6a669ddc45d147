//! Framing and routing: one command APDU in, one response out.

use crate::apdu::{Command, StatusWord};

use super::super::config::ForcedAnswer;
use super::{sw, VirtualCard, SW_CLA, SW_CONDITIONS, SW_INS, SW_OK, SW_UNKNOWN, SW_WRONG_LENGTH, SW_WRONG_P1P2};

impl VirtualCard {
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
    pub(super) fn forced(&mut self, forced: ForcedAnswer, run: impl FnOnce(&mut Self) -> Vec<u8>) -> Vec<u8> {
        if forced.done {
            run(self);
        }
        sw(StatusWord::from_u16(forced.sw))
    }

    /// Wrap response data according to the GET RESPONSE switch.
    pub(super) fn respond(&mut self, data: Vec<u8>) -> Vec<u8> {
        if self.config.get_response && !data.is_empty() {
            let n = data.len().min(256);
            self.pending = data;
            return sw(StatusWord::BytesRemaining(n as u8));
        }
        let mut out = data;
        out.extend_from_slice(&SW_OK.to_bytes());
        out
    }

    pub(super) fn get_response(&mut self, cmd: &Command) -> Vec<u8> {
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
}
