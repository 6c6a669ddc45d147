//! Signing with one of the two private keys, and the [`Signer`] that checks
//! every signature against the key's certificate before handing it out.

use super::*;
use crate::digest::MessageDigest;

impl<T: Transport> JpkiCard<T> {
    /// Ask the card to sign a DigestInfo with a key whose PIN is verified.
    /// The card pads (PKCS#1 v1.5); the answer is the raw signature.
    pub fn sign_digest_info(&mut self, key: KeyKind, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.select_file_or_fail(Applet::Jpki, key.fid(), "SELECT of the key file")?;
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(digest_info).with_le(MAX_SHORT_LE);
        let response = self.send(&cmd)?;
        match response.sw {
            StatusWord::Success if !response.data.is_empty() => Ok(response.data),
            StatusWord::Success => Err(BadData::EmptySignature.into()),
            StatusWord::SecurityStatusNotSatisfied => Err(Error::PinNotVerified { kind: key.pin() }),
            sw => Err(Error::UnexpectedStatus { operation: "COMPUTE DIGITAL SIGNATURE", sw }),
        }
    }
}

/// A card opened for signing: the key's PIN verified behind the guard, and
/// the key's certificate read, against which every signature is checked, so
/// that a card that signs wrongly never gets a signature out.
pub struct Signer<T: Transport> {
    card: JpkiCard<T>,
    key: KeyKind,
    certificate: Vec<u8>,
    /// The card refused a signature until the PIN was verified again: it
    /// wants a VERIFY before every signature.
    verify_each: bool,
    reverified: usize,
}

impl<T: Transport> Signer<T> {
    /// Verify the key's PIN (see [`JpkiCard::verify_explained`]) and read
    /// the key's certificate.
    pub fn open(mut card: JpkiCard<T>, key: KeyKind, pin: &Pin, consent: &mut dyn LastTryConsent) -> Result<Self> {
        card.verify_explained(pin, consent)?;
        let certificate = card.read_certificate(key.certificate())?;
        Ok(Signer { card, key, certificate, verify_each: false, reverified: 0 })
    }

    pub fn key(&self) -> KeyKind {
        self.key
    }

    /// The key's certificate (DER), as read from the card.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    pub fn card(&self) -> &JpkiCard<T> {
        &self.card
    }

    /// How many times the PIN was verified again for a card that wants it
    /// before every signature.
    pub fn reverified(&self) -> usize {
        self.reverified
    }

    /// Check a signature over `digest` against the key's certificate.
    pub fn check(&self, digest: &MessageDigest, signature: &[u8]) -> Result<()> {
        crate::cert::verify_pkcs1(&self.certificate, digest.algorithm, &digest.bytes, signature)
            .map_err(Error::SelfCheckFailed)
    }

    /// Sign one digest and check the signature before returning it.
    pub fn sign(&mut self, digest: &MessageDigest) -> Result<Vec<u8>> {
        let signature = self.card.sign_digest_info(self.key, &digest.digest_info())?;
        self.check(digest, &signature)?;
        Ok(signature)
    }

    /// [`sign`](Self::sign) for one of several digests. If the card refuses
    /// because it wants a fresh VERIFY per signature, verify again (behind
    /// the counter check) with `pin`, already proven correct by
    /// [`open`](Self::open), and do so before every later signature.
    pub fn sign_reverifying(&mut self, digest: &MessageDigest, pin: &Pin) -> Result<Vec<u8>> {
        if self.verify_each {
            self.reverify(pin)?;
        }
        let signature = match self.card.sign_digest_info(self.key, &digest.digest_info()) {
            Err(Error::PinNotVerified { .. }) if !self.verify_each => {
                self.verify_each = true;
                self.reverify(pin)?;
                self.card.sign_digest_info(self.key, &digest.digest_info())?
            }
            other => other?,
        };
        self.check(digest, &signature)?;
        Ok(signature)
    }

    fn reverify(&mut self, pin: &Pin) -> Result<()> {
        self.card.reverify(pin)?;
        self.reverified += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::virtual_card as card;
    use super::*;
    use crate::digest::HashAlgorithm;
    use crate::sim::{PinId, SimConfig};

    fn digest(text: &[u8]) -> MessageDigest {
        MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(text)).unwrap()
    }

    fn yes(_: PinKind) -> bool {
        true
    }

    #[test]
    fn a_card_that_wants_a_verify_per_signature_gets_one() {
        let config = SimConfig { sign_needs_fresh_verify: true, ..SimConfig::default() };
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let mut signer = Signer::open(card(config), KeyKind::Sign, &pin, &mut yes).unwrap();
        for text in [&b"one"[..], b"two", b"three"] {
            let d = digest(text);
            let signature = signer.sign_reverifying(&d, &pin).unwrap();
            signer.check(&d, &signature).unwrap();
        }
        // The first used the VERIFY of `open`; the second was refused and
        // verified again, the third was preceded by a VERIFY.
        assert_eq!(signer.reverified(), 2);
        assert!(matches!(signer.sign(&digest(b"four")), Err(Error::PinNotVerified { kind: PinKind::Sign })));
    }

    #[test]
    fn a_smartphone_with_fewer_tries_than_the_card_signs_a_batch_and_a_fall_still_stops_it() {
        use crate::sim::{CardData, PinStore, Smartphone, VirtualCard};
        let config =
            SimConfig { sign_needs_fresh_verify: true, smartphone: Some(Smartphone::Android), ..SimConfig::default() };
        let data = CardData::default_fixture();
        let mut pins = PinStore::defaults(&data);
        // Fewer tries than the card's documented 3 (no source gives a phone's).
        pins.set_max(PinId::Auth, 2).unwrap();
        let phone = JpkiCard::new(VirtualCard::new(config, data, pins), crate::card::ExtendedLength::On);
        let pin = Pin::new(PinKind::Auth, "1234").unwrap();
        let mut signer = Signer::open(phone, KeyKind::Auth, &pin, &mut yes).unwrap();
        for text in [&b"one"[..], b"two", b"three"] {
            signer.sign_reverifying(&digest(text), &pin).unwrap();
        }
        assert_eq!(signer.reverified(), 2);
        // A try counted behind our back is still caught, and no VERIFY follows.
        signer.card.transport_mut().pin_store_mut().set_tries(PinId::Auth, 1).unwrap();
        let fell = signer.sign_reverifying(&digest(b"four"), &pin);
        assert!(matches!(fell, Err(Error::BadCardData(BadData::CounterFellAfterVerify { .. }))), "{fell:?}");
        assert_eq!(signer.card().transport().pin_store().tries_left(PinId::Auth), 1);
    }

    #[test]
    fn a_wrong_password_on_a_card_without_a_signing_certificate_says_both() {
        let config = SimConfig { no_sign_cert: true, ..SimConfig::default() };
        let pin = Pin::new(PinKind::Sign, "WRONG1").unwrap();
        let result = Signer::open(card(config), KeyKind::Sign, &pin, &mut yes);
        assert!(matches!(result, Err(Error::SignCertNotIssued { wrong_pin: Some(4) })), "{:?}", result.err());
        // With a certificate the same mistake is a plain wrong password.
        let mut with_cert = card(SimConfig::default());
        let result = with_cert.verify_explained(&pin, &mut yes);
        assert!(matches!(result, Err(Error::WrongPin { tries_left: 4, .. })), "{result:?}");
        assert_eq!(with_cert.transport().pin_store().tries_left(PinId::Sign), 4);
    }
}
