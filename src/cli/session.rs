//! Opening the card for one command.

use std::time::Duration;

use jpki::card::{ExtendedLength, JpkiCard, KeyKind};
use jpki::pcsc::{atr_advertises_extended_length, Access, Pcsc};
use jpki::pin::Pin;
use jpki::transport::Transport;

use super::exit::Failure;
use super::i18n::tr;
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
        let reader = global.reader.as_deref();
        let wait = global.wait();
        // One look first, so that a wait is announced only when there is one.
        let transport = match jpki::discovery::connect_waiting(&pcsc, reader, access, Duration::ZERO) {
            Err(e) if !wait.is_zero() && jpki::discovery::worth_waiting(&e) => {
                if pin_input::at_terminal() {
                    eprintln!("jpki: {}", waiting_message(&e, wait));
                }
                jpki::discovery::connect_waiting(&pcsc, reader, access, wait)?
            }
            other => other?,
        };
        let extended = match global.extended_length {
            ExtendedChoice::On => ExtendedLength::On,
            ExtendedChoice::Off => ExtendedLength::Off,
            ExtendedChoice::Auto if atr_advertises_extended_length(transport.atr()) => ExtendedLength::On,
            ExtendedChoice::Auto => ExtendedLength::Off,
        };
        Ok(JpkiCard::new(Box::new(transport), extended))
    }
}

/// What `jpki` waits for, and how to stop it.
fn waiting_message(e: &jpki::Error, wait: Duration) -> String {
    let secs = wait.as_secs();
    match e {
        jpki::Error::NoReader => tr!(
            "no reader is connected: connect one. Waiting up to {secs} s (Ctrl-C to stop)",
            "カードリーダーが接続されていません。接続してください。最大{secs}秒待ちます (Ctrl-C で中止)"
        ),
        jpki::Error::Transport(_) => tr!(
            "the card is in use by another program. Waiting up to {secs} s for it (Ctrl-C to stop)",
            "カードは別のプログラムが使用中です。最大{secs}秒待ちます (Ctrl-C で中止)"
        ),
        _ => tr!(
            "insert your My Number Card in the reader, or hold it on the NFC reader. Waiting up to {secs} s (Ctrl-C to stop)",
            "マイナンバーカードをリーダーに挿すか、NFC リーダーにかざしてください。最大{secs}秒待ちます (Ctrl-C で中止)"
        ),
    }
}

/// Verify behind the lockout guard, asking for consent on the last try.
pub fn verify(card: &mut Card, pin: &Pin, force: bool) -> Result<(), Failure> {
    let mut consent = pin_input::last_try_consent(force);
    Ok(card.verify_explained(pin, &mut consent)?)
}

/// A card opened for signing (see [`jpki::card::Signer`]).
pub type Signer = jpki::card::Signer<Box<dyn Transport>>;

/// Open the card and verify the key's PIN for signing.
pub fn signer(global: &Global, connect: &dyn Connect, key: KeyKind, pin: &Pin, force: bool) -> Result<Signer, Failure> {
    let card = connect.open(global, Access::Verifying)?;
    let mut consent = pin_input::last_try_consent(force);
    Ok(Signer::open(card, key, pin, &mut consent)?)
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
