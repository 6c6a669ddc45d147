//! Signing with one of the two private keys.

use super::*;

impl<T: Transport> JpkiCard<T> {
    /// Ask the card to sign a DigestInfo with a key whose PIN is verified.
    /// The card pads (PKCS#1 v1.5); the answer is the raw signature.
    pub fn sign_digest_info(&mut self, key: KeyKind, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.select_file_or_fail(Applet::Jpki, key.fid(), "SELECT of the key file")?;
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(digest_info).with_le(MAX_SHORT_LE);
        let response = self.send(&cmd)?;
        match response.sw {
            StatusWord::Success if !response.data.is_empty() => Ok(response.data),
            StatusWord::Success => Err(Error::BadCardData("COMPUTE DIGITAL SIGNATURE returned no data".into())),
            StatusWord::SecurityStatusNotSatisfied => Err(Error::PinNotVerified { kind: key.pin() }),
            sw => Err(Error::UnexpectedStatus { operation: "COMPUTE DIGITAL SIGNATURE", sw }),
        }
    }
}
