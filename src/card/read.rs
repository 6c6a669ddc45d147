//! Chunked reads: certificates, the card-info applet's files, EF 0008.

use super::*;

/// What the certificate-availability file (EF 0008) says of the signing
/// certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignCertificate {
    Issued,
    NotIssued,
    /// No such file, or a value that is neither.
    Unknown,
}

impl SignCertificate {
    /// `None` when unknown.
    pub fn issued(self) -> Option<bool> {
        match self {
            SignCertificate::Issued => Some(true),
            SignCertificate::NotIssued => Some(false),
            SignCertificate::Unknown => None,
        }
    }
}

impl<T: Transport> JpkiCard<T> {
    /// Read a certificate, sized from its DER header (EFs carry filler). On
    /// a smartphone the auth certificate answers [`Error::PinNotVerified`]
    /// until the auth PIN is verified (see [`CertKind::required_pin_on`]).
    pub fn read_certificate(&mut self, kind: CertKind) -> Result<Vec<u8>> {
        match self.select_file(Applet::Jpki, kind.fid())? {
            StatusWord::Success => {}
            StatusWord::FileNotFound if kind == CertKind::Sign => {
                return Err(Error::SignCertNotIssued { wrong_pin: None })
            }
            sw => return Err(Error::UnexpectedStatus { operation: "SELECT of the certificate file", sw }),
        }
        let pin = kind.required_pin();
        let first = match self.read_first_chunk(pin) {
            // The smartphone certificate keeps its auth certificate behind the
            // auth PIN; the token is read only now, so a card pays nothing.
            Err(e) if kind == CertKind::Auth && e.unexpected_sw() == Some(StatusWord::SecurityStatusNotSatisfied) => {
                return Err(match self.device()? {
                    d if d.is_smartphone() => Error::PinNotVerified { kind: PinKind::Auth },
                    _ => e,
                });
            }
            other => other?,
        };
        // An empty or erased (all FF) file holds no certificate.
        if first.iter().all(|&b| b == 0xFF) {
            return Err(match kind {
                CertKind::Sign => Error::SignCertNotIssued { wrong_pin: None },
                _ => BadData::EmptyCertificateFile { kind }.into(),
            });
        }
        match self.read_der_rest(first, pin) {
            // Not a certificate, where EF 0008 says none was issued: that is the answer.
            Err(e @ Error::BadCardData(_)) if kind == CertKind::Sign => match self.has_sign_certificate() {
                Ok(SignCertificate::NotIssued) => Err(Error::SignCertNotIssued { wrong_pin: None }),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Read the rest of the DER object in the current EF, whose first chunk is `data`.
    pub(super) fn read_der_rest(&mut self, mut data: Vec<u8>, pin: Option<PinKind>) -> Result<Vec<u8>> {
        let total = der_sequence_len(&data).map_err(BadData::CertificateHeader)?;
        self.read_rest(&mut data, total, pin)?;
        data.truncate(total);
        Ok(data)
    }

    /// Read on from the end of `data` until it holds `total` bytes, in short reads.
    pub(super) fn read_rest(&mut self, data: &mut Vec<u8>, total: usize, pin: Option<PinKind>) -> Result<()> {
        while data.len() < total {
            let want = (total - data.len()).min(MAX_SHORT_LE);
            let chunk = self.read_binary(data.len(), want, pin)?;
            // A short answer means the end of the file: stop, rather than creep
            // through a hostile card's 1-byte answers (bounded time).
            if chunk.len() < want {
                return Err(BadData::FileEndedEarly { got: data.len() + chunk.len(), total }.into());
            }
            data.extend_from_slice(&chunk);
        }
        Ok(())
    }

    /// The first read: the whole file with extended Le when allowed, else 256 bytes.
    pub(super) fn read_first_chunk(&mut self, pin: Option<PinKind>) -> Result<Vec<u8>> {
        if self.extended == ExtendedLength::On {
            let cmd = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(MAX_EXTENDED_LE);
            match self.send(&cmd) {
                // 6282: the card read up to the end of the file, as asked.
                Ok(r) if matches!(r.sw, StatusWord::Success | StatusWord::EndOfFile(_)) && !r.data.is_empty() => {
                    return Ok(r.data)
                }
                Ok(r) if r.sw == StatusWord::SecurityStatusNotSatisfied => {
                    return Err(not_verified(pin));
                }
                // 6700 or a reader refusing the size: use short reads from now on.
                Ok(r) if matches!(r.sw, StatusWord::WrongLength | StatusWord::IncorrectParameters(_)) => {}
                Err(Error::Transport(TransportError::Refused(_))) => {}
                Ok(r) => return Err(Error::UnexpectedStatus { operation: "READ BINARY", sw: r.sw }),
                Err(e) => return Err(e),
            }
            log::debug!("extended-length READ BINARY refused; using 256-byte reads");
            self.extended = ExtendedLength::Off;
        }
        self.read_binary(0, MAX_SHORT_LE, pin)
    }

    pub(super) fn read_binary(&mut self, offset: usize, le: usize, pin: Option<PinKind>) -> Result<Vec<u8>> {
        if offset >= MAX_EF_OBJECT {
            return Err(BadData::ReadOffsetOutOfRange { offset }.into());
        }
        let [p1, p2] = (offset as u16).to_be_bytes();
        let response = self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(le))?;
        match response.sw {
            StatusWord::Success if response.data.len() <= le => Ok(response.data),
            StatusWord::Success => Err(BadData::ReadTooLong { got: response.data.len(), le }.into()),
            StatusWord::EndOfFile(_) | StatusWord::IncorrectParameters(0x6B00) => Ok(response.data),
            StatusWord::SecurityStatusNotSatisfied => Err(not_verified(pin)),
            sw => Err(Error::UnexpectedStatus { operation: "READ BINARY", sw }),
        }
    }

    /// 個人番号 from the card-info applet (needs the card-info PIN verified).
    pub fn read_my_number(&mut self) -> Result<zeroize::Zeroizing<String>> {
        self.select_file_or_fail(Applet::CardInfo, 0x0001, "SELECT of the My Number file")?;
        let data = zeroize::Zeroizing::new(self.read_binary(0, 17, Some(PinKind::CardInfo))?);
        Ok(crate::cardinfo::parse_my_number(&data).map_err(BadData::from)?)
    }

    /// The basic four attributes (needs the card-info PIN verified).
    pub fn read_attributes(&mut self) -> Result<crate::cardinfo::Attributes> {
        self.select_file_or_fail(Applet::CardInfo, 0x0002, "SELECT of the attributes file")?;
        let mut data = zeroize::Zeroizing::new(self.read_first_chunk(Some(PinKind::CardInfo))?);
        let total = crate::cardinfo::attributes_len(&data).map_err(BadData::from)?;
        self.read_rest(&mut data, total, Some(PinKind::CardInfo))?;
        Ok(crate::cardinfo::parse_attributes(&data[..total]).map_err(BadData::from)?)
    }

    /// Token label from EF 0006 (`JPKIAPICCTOKEN2` on a plastic card).
    pub fn token_label(&mut self) -> Result<String> {
        self.select_file_or_fail(Applet::Jpki, 0x0006, "SELECT of the token-info file")?;
        let data = self.read_binary(0, 32, None)?;
        Ok(String::from_utf8_lossy(&data).trim_end_matches([' ', '\0']).to_string())
    }

    /// Whether a signing certificate was issued, from EF 0008 byte 0: `8F`
    /// yes, `00` no, another value (or no such file) unknown. An
    /// answer cut short of the file's 3 bytes, or an odd status word, is an
    /// error: it must not pass for "unknown". Read once per session.
    pub fn has_sign_certificate(&mut self) -> Result<SignCertificate> {
        if let Some(known) = self.sign_certificate {
            return Ok(known);
        }
        match self.select_file(Applet::Jpki, 0x0008)? {
            StatusWord::Success => {}
            StatusWord::FileNotFound => {
                self.sign_certificate = Some(SignCertificate::Unknown);
                return Ok(SignCertificate::Unknown);
            }
            sw => return Err(Error::UnexpectedStatus { operation: "SELECT of the certificate-availability file", sw }),
        }
        let data = self.read_binary(0, 3, None)?;
        if data.len() < 3 {
            return Err(BadData::AvailabilityFileShort { got: data.len() }.into());
        }
        let issued = match data.first() {
            Some(0x8F) => SignCertificate::Issued,
            Some(0x00) => SignCertificate::NotIssued,
            _ => SignCertificate::Unknown,
        };
        self.sign_certificate = Some(issued);
        Ok(issued)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    #[test]
    fn an_extended_read_that_reaches_the_end_of_the_file_is_data() {
        // The attributes file answered with its data and 6282 (end of file).
        let mut file = vec![0xFF, 0x20, 0x0B, 0xDF, 0x22, 0x02, 0x41, 0x42];
        file.extend([0xDF, 0x23, 0x01, 0x43]);
        let answer = hex::encode_upper(&file) + "6282";
        let t = Scripted::new(&[(TXT, "9000"), ("00A4020C020002", "9000"), ("00B00000000000", &answer)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let first = {
            card.select_file_or_fail(Applet::CardInfo, 0x0002, "SELECT").unwrap();
            card.read_first_chunk(Some(PinKind::CardInfo)).unwrap()
        };
        assert_eq!(first, file);
    }
    #[test]
    fn a_signing_certificate_file_without_a_certificate_means_not_issued() {
        let sign = |steps: &[(&str, &str)]| {
            let mut all = vec![(AP, "9000"), ("00A4020C020001", "9000")];
            all.extend_from_slice(steps);
            JpkiCard::new(Scripted::new(&all), ExtendedLength::On).read_certificate(CertKind::Sign)
        };
        let erased = format!("{}9000", "FF".repeat(2048));
        // Empty or erased: the file itself says so, whatever EF 0008 holds.
        let empty = [("00B00000000000", "6B00"), ("00B0000000", "6B00")];
        for steps in [&empty[..], &[empty[0], ("00B0000000", "9000")], &[("00B00000000000", erased.as_str())]] {
            let result = sign(steps);
            let read = steps.last().unwrap().1;
            assert!(matches!(result, Err(Error::SignCertNotIssued { .. })), "{read}: {result:?}");
        }
        // Junk: "not issued" only where EF 0008 says so.
        let junk = [("00B00000000000", "0102039000"), ("00A4020C020008", "9000")];
        let result = sign(&[junk[0], junk[1], ("00B0000003", "008F009000")]);
        assert!(matches!(result, Err(Error::SignCertNotIssued { .. })), "{result:?}");
        let result = sign(&[junk[0], junk[1], ("00B0000003", "8F8F009000")]);
        assert!(matches!(result, Err(Error::BadCardData(_))), "{result:?}");
        // The auth certificate is always issued: an empty file is bad data.
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C02000A", "9000"), empty[0], empty[1]]);
        let result = JpkiCard::new(t, ExtendedLength::On).read_certificate(CertKind::Auth);
        assert!(matches!(result, Err(Error::BadCardData(_))), "{result:?}");
    }
    #[test]
    fn certificate_availability_file() {
        let cases = [("8F8F009000", Some(true)), ("008F009000", Some(false)), ("018F009000", None)];
        for (answer, issued) in cases {
            let t = Scripted::new(&[(AP, "9000"), ("00A4020C020008", "9000"), ("00B0000003", answer)]);
            let mut card = JpkiCard::new(t, ExtendedLength::On);
            // Only 00 means "not issued"; an odd value is unknown.
            assert_eq!(card.has_sign_certificate().unwrap().issued(), issued, "{answer}");
            // Asked again, the card is not: the script has nothing more to answer.
            assert_eq!(card.has_sign_certificate().unwrap().issued(), issued, "{answer}");
            assert_eq!(card.traffic().apdus, 3);
        }
        // No such file: unknown. Cut short or an odd status word: an error, never "unknown".
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020008", "6A82")]);
        assert_eq!(JpkiCard::new(t, ExtendedLength::On).has_sign_certificate().unwrap(), SignCertificate::Unknown);
        for (select, answer) in
            [("9000", "9000"), ("9000", "8F9000"), ("9000", "8F8F6282"), ("9000", "6F00"), ("6F00", "")]
        {
            let mut steps = vec![(AP, "9000"), ("00A4020C020008", select)];
            if !answer.is_empty() {
                steps.push(("00B0000003", answer));
            }
            let mut card = JpkiCard::new(Scripted::new(&steps), ExtendedLength::On);
            let result = card.has_sign_certificate();
            assert!(
                matches!(result, Err(Error::BadCardData(_) | Error::UnexpectedStatus { .. })),
                "{answer}: {result:?}"
            );
        }
    }
    #[test]
    fn reads_with_short_apdus_sized_from_header() {
        let mut cert = vec![0x30, 0x82, 0x01, 0x2C];
        cert.resize(0x130, 0xAB);
        let first = format!("{}9000", hex::encode_upper(&cert[..256]));
        let rest = format!("{}9000", hex::encode_upper(&cert[256..]));
        let t =
            Scripted::new(&[(AP, "9000"), ("00A4020C02000A", "9000"), ("00B0000000", &first), ("00B0010030", &rest)]);
        let mut card = JpkiCard::new(t, ExtendedLength::Off);
        assert_eq!(card.read_certificate(CertKind::Auth).unwrap(), cert);
        assert_eq!(card.traffic().apdus, 4);
    }
    #[test]
    fn extended_read_falls_back_and_trims_filler() {
        let mut cert = vec![0x30, 0x81, 0x10];
        cert.resize(0x13, 0x01);
        let mut ef = cert.clone();
        ef.extend_from_slice(&[0xFF; 40]);
        let whole = format!("{}9000", hex::encode_upper(&ef));
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C02000B", "9000"), ("00B00000000000", &whole)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.read_certificate(CertKind::AuthCa).unwrap(), cert);

        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C02000B", "9000"),
            ("00B00000000000", "6700"),
            ("00B0000000", &whole),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.read_certificate(CertKind::AuthCa).unwrap(), cert);
        assert_eq!(card.extended_length(), ExtendedLength::Off);
    }
    #[test]
    fn bad_headers_are_errors() {
        for body in ["00000000", "30000000", "3084FFFFFFFF", "3082FFFF"] {
            let t = Scripted::new(&[
                (AP, "9000"),
                ("00A4020C02000A", "9000"),
                ("00B0000000", &format!("{body}9000")),
                ("00B0000400", "6B00"),
            ]);
            let mut card = JpkiCard::new(t, ExtendedLength::Off);
            assert!(card.read_certificate(CertKind::Auth).is_err(), "{body}");
        }
    }
}
