//! Opening the card for one command.

use std::time::Duration;

use jpki::card::{ExtendedLength, JpkiCard};
use jpki::pcsc::{atr_advertises_extended_length, Access, Pcsc, PcscTransport};
use jpki::pin::Pin;
use jpki::Error;

use super::exit::Failure;
use super::pin_input;
use super::{ExtendedChoice, Global};

pub type Card = JpkiCard<PcscTransport>;

/// Connect to the chosen reader. `Access::Verifying` holds the card
/// exclusively and powers it down when the returned card is dropped.
pub fn open(global: &Global, access: Access) -> Result<Card, Failure> {
    let pcsc = Pcsc::establish()?;
    let transport = pcsc.connect_waiting(global.reader.as_deref(), access, Duration::from_secs(global.wait))?;
    let extended = match global.extended_length {
        ExtendedChoice::On => ExtendedLength::On,
        ExtendedChoice::Off => ExtendedLength::Off,
        ExtendedChoice::Auto if atr_advertises_extended_length(transport.atr()) => ExtendedLength::On,
        ExtendedChoice::Auto => ExtendedLength::Off,
    };
    Ok(JpkiCard::new(transport, extended))
}

/// Put the reader's name into errors that lack it.
pub fn in_reader(card: &Card, e: Error) -> Failure {
    match e {
        Error::NotJpki { reader } if reader.is_empty() => {
            Error::NotJpki { reader: card.transport().reader().to_string() }.into()
        }
        other => other.into(),
    }
}

/// Verify behind the lockout guard, asking for consent on the last try.
pub fn verify(card: &mut Card, pin: &Pin, force: bool) -> Result<(), Failure> {
    let mut consent = pin_input::last_try_consent(force);
    card.verify(pin, &mut consent).map_err(|e| in_reader(card, e))
}
