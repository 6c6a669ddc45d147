//! The virtual My Number Card ("jpki-sim").
//!
//! * [`card`]: the card itself, a pure state machine ([`VirtualCard`]) that
//!   answers command APDUs the way the reference notes say the real card does.
//! * [`config`]: the behaviour switches ([`SimConfig`]) for the places where
//!   real cards differ or the facts are unknown.
//! * [`data`]: the contents of the card ([`CardData`]): embedded certificates,
//!   keys and the 券面事項入力補助 data.
//! * [`state`]: the PIN values and counters ([`PinStore`]) and the state
//!   directory that keeps them across runs ([`StateDir`]).
//! * [`log`]: the APDU log line format, with PINs redacted.
//! * [`vpcd`]: the bridge that plugs the card into pcscd's vpcd driver.
//!
//! `docs/virtual-card.md` describes the behaviour and every guess.

pub mod card;
pub mod config;
pub mod data;
pub mod log;
pub mod state;
pub mod vpcd;

pub use card::VirtualCard;

/// The virtual card as an in-process [`crate::transport::Transport`], for fast
/// library tests. It does not replace the tests through pcscd.
impl crate::transport::Transport for VirtualCard {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
        Ok(self.transmit(command))
    }
}
pub use config::{
    BlockedSw, ForcedAnswer, OptionalApplet, SignCertFile, SimConfig, Smartphone, UnissuedSignPin, VerifiedQuery,
};
pub use data::{jst_end_of_day, CardData, HolderFieldError, LeafCert};
pub use state::{PinId, PinRecord, PinStore, PinStoreError, StateDir, StateError};
