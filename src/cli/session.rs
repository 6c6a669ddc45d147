//! Opening the card for one command.

use std::time::Duration;

use jpki::card::{ExtendedLength, JpkiCard};
use jpki::pcsc::{atr_advertises_extended_length, Access, Pcsc};
use jpki::pin::{Pin, PinKind};
use jpki::transport::Transport;
use jpki::Error;

use super::exit::Failure;
use super::pin_input;
use super::{ExtendedChoice, Global};

/// A card as the commands see it, whatever link it is reached by.
pub type Card = JpkiCard<Box<dyn Transport>>;

/// How the commands reach a card: over PC/SC in the `jpki` binary
/// ([`PcscConnect`]); tests pass one that opens an in-process virtual card.
pub trait Connect {
    /// Open the card chosen by `global` (reader, wait, APDU deadline,
    /// extended length). `Access::Verifying` must hold the card exclusively
    /// and power it down when the returned card is dropped.
    fn open(&self, global: &Global, access: Access) -> Result<Card, Failure>;
}

/// The real path: the card in a PC/SC reader.
pub struct PcscConnect;

impl Connect for PcscConnect {
    fn open(&self, global: &Global, access: Access) -> Result<Card, Failure> {
        let mut pcsc = Pcsc::establish()?;
        pcsc.set_apdu_timeout(Duration::from_secs(global.apdu_timeout));
        let transport = pcsc.connect_waiting(global.reader.as_deref(), access, Duration::from_secs(global.wait))?;
        let extended = match global.extended_length {
            ExtendedChoice::On => ExtendedLength::On,
            ExtendedChoice::Off => ExtendedLength::Off,
            ExtendedChoice::Auto if atr_advertises_extended_length(transport.atr()) => ExtendedLength::On,
            ExtendedChoice::Auto => ExtendedLength::Off,
        };
        Ok(JpkiCard::new(Box::new(transport), extended))
    }
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
    match card.verify(pin, &mut consent) {
        Ok(()) => Ok(()),
        Err(e)
            if pin.kind() == PinKind::Sign
                && may_mean_no_certificate(&e)
                && matches!(card.has_sign_certificate(), Ok(Some(false))) =>
        {
            Err(not_issued(e))
        }
        Err(e) => Err(in_reader(card, e)),
    }
}

/// Signing-password failures that a card without a signing certificate
/// explains better: the guard found the password blocked or missing (no
/// VERIFY was sent), or the password was wrong (the try is reported too).
/// An odd answer to the VERIFY itself is left as it is.
fn may_mean_no_certificate(e: &Error) -> bool {
    match e {
        Error::PinBlocked { .. } | Error::LastTryNeedsConsent { .. } | Error::WrongPin { .. } => true,
        Error::UnexpectedStatus { operation, .. } => {
            [jpki::card::SELECT_PIN_FILE, jpki::card::RETRY_QUERY].contains(operation)
        }
        _ => false,
    }
}

fn not_issued(e: Error) -> Failure {
    let failure = Failure::from(Error::SignCertNotIssued);
    match e {
        // The try is spent all the same: say so, with the wrong-PIN advice.
        Error::WrongPin { tries_left, .. } => {
            let wrong = Failure::from(e);
            Failure {
                message: format!(
                    "{}; the signing password given was also wrong ({tries_left} tries left)",
                    failure.message
                ),
                hint: wrong.hint,
                pin: Some(PinKind::Sign),
                tries_left: Some(tries_left),
                ..failure
            }
        }
        _ => failure,
    }
}

/// A card opened for signing: the key's PIN verified behind the guard, and
/// the key's certificate read, against which every signature is checked.
pub struct Signer {
    pub card: Card,
    pub key: jpki::card::KeyKind,
    pub certificate: Vec<u8>,
}

impl Signer {
    pub fn open(
        global: &Global,
        connect: &dyn Connect,
        key: jpki::card::KeyKind,
        pin: &Pin,
        force: bool,
    ) -> Result<Signer, Failure> {
        let mut card = connect.open(global, Access::Verifying)?;
        verify(&mut card, pin, force)?;
        let certificate = card.read_certificate(key.certificate()).map_err(|e| in_reader(&card, e))?;
        Ok(Signer { card, key, certificate })
    }

    /// Check a signature over `digest` against the card's certificate.
    pub fn check(&self, digest: &jpki::digest::MessageDigest, signature: &[u8]) -> Result<(), Failure> {
        jpki::cert::verify_pkcs1(&self.certificate, digest.algorithm, &digest.bytes, signature)
            .map_err(|e| Error::SelfCheckFailed(e.to_string()).into())
    }

    /// Sign one digest and check the signature before returning it.
    pub fn sign_checked(&mut self, digest: &jpki::digest::MessageDigest) -> Result<Vec<u8>, Failure> {
        let signature =
            self.card.sign_digest_info(self.key, &digest.digest_info()).map_err(|e| in_reader(&self.card, e))?;
        self.check(digest, &signature)?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use jpki::sim::{CardData, PinStore, SimConfig, VirtualCard};

    use super::*;
    use crate::cli::{run, Cli};

    /// Opens a fresh virtual card in-process and counts the opens.
    struct VirtualConnect(std::cell::Cell<usize>);

    impl Connect for VirtualConnect {
        fn open(&self, _: &Global, _: Access) -> Result<Card, Failure> {
            self.0.set(self.0.get() + 1);
            let data = CardData::default_fixture();
            let pins = PinStore::defaults(&data);
            Ok(JpkiCard::new(Box::new(VirtualCard::new(SimConfig::default(), data, pins)), ExtendedLength::Off))
        }
    }

    #[test]
    fn commands_reach_the_card_through_the_given_connector() {
        let connect = VirtualConnect(Default::default());
        let cli = Cli::try_parse_from(["jpki", "status", "--json"]).unwrap();
        let output = run(&cli, &connect).unwrap();
        assert_eq!(connect.0.get(), 1);
        assert_eq!(output.json["sign_certificate_issued"], serde_json::json!(true), "{:?}", output.json);
    }
}
