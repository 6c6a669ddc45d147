//! What answered on the JPKI applet: the plastic card, the old 住基カード, or
//! the smartphone certificate (スマホ用電子証明書), told apart by the label at
//! the start of the applet's token file (EF 0006).

use super::*;

/// The kind of token behind the JPKI applet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// `JPKIAPICCTOKEN2`: the My Number Card.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: the older 住基カード.
    JukiCard,
    /// `JPKIAPGPSETOKEN`: the smartphone certificate in an Android phone's secure element.
    Android,
    /// `JPKIAPIOSTOKEN`: the smartphone certificate in an iPhone.
    Iphone,
    /// Any other label (kept, trimmed), or none: the token file is missing or
    /// could not be read.
    Unknown(String),
}

impl Device {
    /// Classify a token label; padding (spaces, NULs, or the FF of unwritten
    /// bytes) is ignored, so an erased file is an empty, unknown label.
    pub fn from_label(label: &[u8]) -> Device {
        let end = label.iter().rposition(|b| !matches!(b, b' ' | 0 | 0xFF)).map_or(0, |i| i + 1);
        match String::from_utf8_lossy(&label[..end]).as_ref() {
            "JPKIAPICCTOKEN2" => Device::MyNumberCard,
            "JPKIAPICCTOKEN" => Device::JukiCard,
            "JPKIAPGPSETOKEN" => Device::Android,
            "JPKIAPIOSTOKEN" => Device::Iphone,
            other => Device::Unknown(other.to_string()),
        }
    }

    /// The smartphone certificate (Android or iPhone): its auth certificate
    /// is read only after the auth PIN, and it has no card-info applets.
    pub fn is_smartphone(&self) -> bool {
        matches!(self, Device::Android | Device::Iphone)
    }

    /// Stable, language-neutral name for JSON: `my_number_card`,
    /// `juki_card`, `android`, `ios` or `unknown`.
    pub fn id(&self) -> &'static str {
        match self {
            Device::MyNumberCard => "my_number_card",
            Device::JukiCard => "juki_card",
            Device::Android => "android",
            Device::Iphone => "ios",
            Device::Unknown(_) => "unknown",
        }
    }
}

impl CertKind {
    /// The PIN the device wants before it lets the certificate be read: the
    /// signing password for the signing certificate everywhere, and the auth
    /// PIN for the auth certificate on a smartphone.
    pub fn required_pin_on(self, device: &Device) -> Option<PinKind> {
        match self {
            CertKind::Auth if device.is_smartphone() => Some(PinKind::Auth),
            other => other.required_pin(),
        }
    }
}

impl<T: Transport> JpkiCard<T> {
    /// What answered on the JPKI applet, from the first 32 bytes of EF 0006.
    /// Read once per session. A missing or unreadable token file is
    /// [`Device::Unknown`]; a lost link or a card without the JPKI applet is
    /// an error.
    pub fn device(&mut self) -> Result<Device> {
        if let Some(known) = &self.device {
            return Ok(known.clone());
        }
        let device = match self.select_file(Applet::Jpki, 0x0006)? {
            StatusWord::Success => match self.read_binary(0, 32, None) {
                Ok(label) => Device::from_label(&label),
                Err(e @ (Error::Transport(_) | Error::BadCardData(_))) => return Err(e),
                Err(e) => {
                    log::debug!("token file unreadable: {e}");
                    Device::Unknown(String::new())
                }
            },
            sw => {
                log::debug!("token file not selected: {sw}");
                Device::Unknown(String::new())
            }
        };
        self.device = Some(device.clone());
        Ok(device)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn labels_are_classified_whatever_their_padding() {
        let cases: [(&[u8], &str); 9] = [
            (b"JPKIAPICCTOKEN2                 ", "my_number_card"),
            (b"JPKIAPICCTOKEN\0\0", "juki_card"),
            (b"JPKIAPGPSETOKEN", "android"),
            (b"JPKIAPIOSTOKEN  ", "ios"),
            // A prefix or a longer label is another token.
            (b"JPKIAPICCTOKEN3", "unknown"),
            (b" JPKIAPGPSETOKEN", "unknown"),
            (b"", "unknown"),
            // Unwritten bytes read as FF.
            (b"JPKIAPGPSETOKEN\xFF\xFF\xFF\xFF", "android"),
            (b"JPKIAPICCTOKEN2 \0\xFF", "my_number_card"),
        ];
        for (label, id) in cases {
            assert_eq!(Device::from_label(label).id(), id, "{label:?}");
        }
        // Erased or short: no label, not 32 replacement characters.
        assert_eq!(Device::from_label(&[0xFF; 32]), Device::Unknown(String::new()));
        assert_eq!(Device::from_label(b"JP\xFF"), Device::Unknown("JP".into()));
        assert!(Device::Android.is_smartphone() && Device::Iphone.is_smartphone());
        assert!(!Device::MyNumberCard.is_smartphone() && !Device::Unknown("x".into()).is_smartphone());
        assert_eq!(CertKind::Auth.required_pin_on(&Device::Android), Some(PinKind::Auth));
        assert_eq!(CertKind::Auth.required_pin_on(&Device::MyNumberCard), None);
        assert_eq!(CertKind::Sign.required_pin_on(&Device::MyNumberCard), Some(PinKind::Sign));
        assert_eq!(CertKind::AuthCa.required_pin_on(&Device::Iphone), None);
    }

    #[test]
    fn the_token_is_read_once_and_an_odd_token_file_is_unknown() {
        let label = hex::encode_upper(format!("{:<32}", "JPKIAPGPSETOKEN")) + "9000";
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020006", "9000"), ("00B0000020", &label)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.device().unwrap(), Device::Android);
        assert_eq!(card.device().unwrap(), Device::Android);
        assert!(card.transport().finished());
        for steps in [&[("00A4020C020006", "6A82")][..], &[("00A4020C020006", "9000"), ("00B0000020", "6982")]] {
            let mut all = vec![(AP, "9000")];
            all.extend_from_slice(steps);
            let mut card = JpkiCard::new(Scripted::new(&all), ExtendedLength::On);
            assert_eq!(card.device().unwrap(), Device::Unknown(String::new()), "{steps:?}");
        }
        // A lost card is an error, not an unknown device.
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020006", "GONE")]);
        assert!(matches!(JpkiCard::new(t, ExtendedLength::On).device(), Err(Error::Transport(_))));
    }

    /// A session over an in-process virtual smartphone; `max` sets the
    /// counters' maxima, which no source gives for a phone.
    fn phone(config: crate::sim::SimConfig, max: Option<(u8, u8)>) -> JpkiCard<crate::sim::VirtualCard> {
        use crate::sim::{CardData, PinId, PinStore, VirtualCard};
        let data = CardData::default_fixture();
        let mut pins = PinStore::defaults(&data);
        if let Some((auth, sign)) = max {
            pins.set_max(PinId::Auth, auth).unwrap();
            pins.set_max(PinId::Sign, sign).unwrap();
        }
        let extended = if config.extended_length { ExtendedLength::On } else { ExtendedLength::Off };
        JpkiCard::new(VirtualCard::new(config, data, pins), extended)
    }

    #[test]
    fn a_smartphone_is_served_under_every_unknown_it_may_have() {
        use crate::sim::{SimConfig, Smartphone};
        let auth = Pin::new(PinKind::Auth, "1234").unwrap();
        let sign = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let fixture = crate::sim::CardData::default_fixture();
        let mut cases = 0;
        for (smartphone, device) in [(Smartphone::Android, Device::Android), (Smartphone::Ios, Device::Iphone)] {
            for extended_length in [true, false] {
                for sfi in [true, false] {
                    for max in [None, Some((5, 10)), Some((2, 3))] {
                        cases += 1;
                        let what = format!("{smartphone:?} extended {extended_length} sfi {sfi} max {max:?}");
                        let config =
                            SimConfig { smartphone: Some(smartphone), extended_length, sfi, ..SimConfig::default() };
                        let mut card = phone(config.clone(), max);
                        let request = StatusRequest {
                            counters: crate::card::Counters::All,
                            short_form: true,
                            certificates: true,
                            sign_pin: None,
                            now: 1_800_000_000,
                        };
                        let status = card.status(&request, &mut no).unwrap();
                        assert_eq!(status.device, device, "{what}");
                        assert!(status.auth_certificate.is_none(), "{what}");
                        let (auth_max, sign_max) = max.unwrap_or((3, 5));
                        for (counter, reading) in &status.counters {
                            let CounterReading::Read(state) = reading else { panic!("{what}: {reading:?}") };
                            match counter.applet {
                                // The counts as the phone gives them, whatever its maximum.
                                Applet::Jpki => {
                                    let want = if counter.name == "auth" { auth_max } else { sign_max };
                                    assert_eq!(state.as_ref().ok(), Some(&PinState::TriesLeft(want)), "{what}");
                                }
                                // No card-info applets: absent, not an error.
                                _ => assert!(matches!(state, Err(Error::AppletMissing { .. })), "{what}: {state:?}"),
                            }
                        }
                        // The auth certificate only after the auth PIN; no try spent by asking.
                        let refused = card.read_certificate(CertKind::Auth);
                        assert!(matches!(refused, Err(Error::PinNotVerified { kind: PinKind::Auth })), "{what}");
                        assert_eq!(card.transport().pin_store().tries_left(crate::sim::PinId::Auth), auth_max);
                        card.verify(&auth, &mut no).unwrap();
                        assert_eq!(card.read_certificate(CertKind::Auth).unwrap(), fixture.auth_cert, "{what}");
                        // Both keys sign, each checked against its certificate.
                        for (key, pin) in [(KeyKind::Auth, &auth), (KeyKind::Sign, &sign)] {
                            let digest = crate::digest::MessageDigest::new(
                                crate::digest::HashAlgorithm::Sha256,
                                crate::digest::HashAlgorithm::Sha256.hash(b"phone"),
                            )
                            .unwrap();
                            let mut signer = Signer::open(phone(config.clone(), max), key, pin, &mut no).unwrap();
                            signer.sign(&digest).unwrap();
                        }
                        // The guard still asks before the last try, whatever the maximum.
                        let mut card = phone(config.clone(), max);
                        let wrong = Pin::new(PinKind::Auth, "9999").unwrap();
                        for left in (1..auth_max).rev() {
                            let result = card.verify(&wrong, &mut no);
                            assert!(
                                matches!(result, Err(Error::WrongPin { tries_left, .. }) if tries_left == left),
                                "{what}"
                            );
                        }
                        // ... and names the phone's own way out, not the card's kiosk.
                        assert!(
                            matches!(
                                card.verify(&wrong, &mut no),
                                Err(Error::LastTryNeedsConsent { unlock: Unlock::SmartphoneApp, .. })
                            ),
                            "{what}"
                        );
                        assert_eq!(status.unlock(PinKind::Sign), Unlock::SmartphoneApp, "{what}");
                    }
                }
            }
        }
        assert_eq!(cases, 24);
    }

    #[test]
    fn a_plastic_card_pays_nothing_for_the_smartphone_check() {
        // The auth certificate read without a PIN sends no token query.
        let mut card = super::super::testing::virtual_card(crate::sim::SimConfig::default());
        card.read_certificate(CertKind::Auth).unwrap();
        assert_eq!(card.traffic().apdus, 3);
        assert_eq!(card.device().unwrap(), Device::MyNumberCard);
    }
}
