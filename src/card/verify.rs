//! VERIFY behind the lockout guard, and CHANGE REFERENCE DATA.

use super::*;

/// How the user answers "only one try is left, go on?". `unlock` is the
/// way out should that try block the PIN, so the question can say it.
pub trait LastTryConsent {
    fn consent(&mut self, kind: PinKind, unlock: Unlock) -> bool;
}

impl<F: FnMut(PinKind) -> bool> LastTryConsent for F {
    fn consent(&mut self, kind: PinKind, _: Unlock) -> bool {
        self(kind)
    }
}

impl<T: Transport> JpkiCard<T> {
    /// Verify a PIN behind the lockout guard: read the counter first, never
    /// try a blocked PIN, ask before spending the last try, send VERIFY once.
    pub fn verify(&mut self, pin: &Pin, consent: &mut dyn LastTryConsent) -> Result<()> {
        let kind = pin.kind();
        let before = self.guard_state(kind)?;
        match before {
            PinState::Blocked => return Err(Error::PinBlocked { kind, unlock: self.unlock(kind) }),
            PinState::TriesLeft(1) => {
                let unlock = self.unlock(kind);
                if !consent.consent(kind, unlock) {
                    return Err(Error::LastTryNeedsConsent { kind, unlock });
                }
            }
            _ => {}
        }
        self.verify_unguarded(pin, before)
    }

    /// [`verify`](Self::verify), where a failure with the signing password
    /// that a card without a signing certificate explains better becomes
    /// [`Error::SignCertNotIssued`]: the guard found the password blocked or
    /// its last try refused (no VERIFY was sent), the PIN file or counter
    /// could not be read, or the password was wrong (the spent try is kept
    /// in the error). An odd answer to the VERIFY itself is left as it is.
    pub fn verify_explained(&mut self, pin: &Pin, consent: &mut dyn LastTryConsent) -> Result<()> {
        let e = match self.verify(pin, consent) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let may_mean_no_certificate = matches!(
            e,
            Error::PinBlocked { .. }
                | Error::LastTryNeedsConsent { .. }
                | Error::WrongPin { .. }
                | Error::PinFileNotSelected { .. }
                | Error::OddRetryAnswer { .. }
        );
        // A failure to read EF 0008 leaves the first error as it is.
        if pin.kind() != PinKind::Sign
            || !may_mean_no_certificate
            || !matches!(self.has_sign_certificate(), Ok(SignCertificate::NotIssued))
        {
            return Err(e);
        }
        let wrong_pin = match e {
            Error::WrongPin { tries_left, .. } => Some(tries_left),
            _ => None,
        };
        Err(Error::SignCertNotIssued { wrong_pin })
    }

    /// The counter as the lockout guard reads it: always by SELECT + query,
    /// because the short-EF-identifier form is only inferred to address it.
    pub(super) fn guard_state(&mut self, kind: PinKind) -> Result<PinState> {
        let short_form = self.short_form.take();
        let state = self.pin_state(kind);
        self.short_form = short_form;
        state
    }

    /// VERIFY again with a PIN proven correct earlier in this session, for a
    /// card that wants one per signature. The counter is read first and must
    /// still be full; anything else means the card counted something it
    /// should not have, and we stop. Full is the documented maximum on a
    /// card; on a smartphone, whose maximum no source gives, the count read
    /// the first time here, right after the proven VERIFY.
    pub fn reverify(&mut self, pin: &Pin) -> Result<()> {
        let kind = pin.kind();
        // The token first, so that the PIN file stays selected for the VERIFY.
        let phone = self.device()?.is_smartphone();
        let before = self.guard_state(kind)?;
        match before {
            PinState::Verified => {}
            PinState::Blocked => return Err(Error::PinBlocked { kind, unlock: self.unlock(kind) }),
            PinState::TriesLeft(n) => {
                let full = match self.phone_full_counts.iter().find(|(k, _)| *k == kind) {
                    _ if !phone => kind.max_tries(),
                    Some(&(_, full)) => full,
                    None => {
                        self.phone_full_counts.push((kind, n));
                        n
                    }
                };
                if n < full {
                    return Err(BadData::CounterFellAfterVerify { kind, tries_left: n }.into());
                }
            }
        }
        self.verify_unguarded(pin, before)
    }

    /// VERIFY without the counter check; callers run the guard first and
    /// pass what it read.
    pub(super) fn verify_unguarded(&mut self, pin: &Pin, before: PinState) -> Result<()> {
        let kind = pin.kind();
        let (applet, fid) = pin_location(kind);
        self.select_pin_file(applet, fid)?;
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_secret_data(pin.as_bytes());
        let response = match self.send(&cmd) {
            Ok(r) => r,
            // Stopped before sending: nothing happened.
            Err(e @ Error::Transport(TransportError::Cancelled)) => return Err(e),
            Err(Error::Transport(_)) | Err(Error::BadCardData(_)) => return Err(Error::VerifyOutcomeUnknown { kind }),
            Err(e) => return Err(e),
        };
        match response.sw {
            StatusWord::Success => Ok(()),
            StatusWord::TriesLeft(n) => Err(self.wrong_pin(kind, n)),
            // The guard saw tries left, so this answer means this try blocked it.
            sw if sw.means_blocked() => Err(self.wrong_pin(kind, 0)),
            // Any other answer may come after the card counted the try (or even
            // accepted the PIN): ask the counter again, which spends no try.
            sw => {
                let after = self.guard_state(kind).ok();
                Err(Error::VerifyUnexpectedAnswer { kind, sw, before, after })
            }
        }
    }

    /// A wrong PIN; at the last try or blocked, with the way out should it
    /// be forgotten.
    fn wrong_pin(&mut self, kind: PinKind, tries_left: u8) -> Error {
        let unlock = (tries_left <= 1).then(|| self.unlock(kind));
        Error::WrongPin { kind, tries_left, unlock }
    }

    /// CHANGE REFERENCE DATA for a PIN verified in this session.
    pub fn change_pin(&mut self, new: &Pin) -> Result<()> {
        let kind = new.kind();
        let (applet, fid) = pin_location(kind);
        self.select_pin_file(applet, fid)?;
        let cmd = Command::new(0x00, 0x24, 0x01, 0x80).with_secret_data(new.as_bytes());
        let response = self.send(&cmd)?;
        match response.sw {
            StatusWord::Success => Ok(()),
            StatusWord::SecurityStatusNotSatisfied => Err(Error::PinNotVerified { kind }),
            // The card may have stored the new PIN before failing.
            sw => Err(Error::ChangeUnexpectedAnswer { kind, sw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    #[test]
    fn the_guard_never_uses_the_short_form() {
        // Proven and allowed, yet the guard before VERIFY selects the PIN file.
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("002000800431323334", "9000"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&Pin::new(PinKind::Auth, "1234").unwrap(), &mut no).unwrap();
        assert!(card.transport().finished());
        assert_eq!(card.short_form_works(), Some(true));
    }
    #[test]
    fn the_guard_selects_the_pin_file_again_after_a_short_query() {
        // VERIFY sign leaves 001B current; then a short query for auth. What
        // a short query leaves current is unknown, so the next guard selects
        // 001B again rather than query (and VERIFY) whatever file is current.
        let verify_sign = "0020008006414243313233";
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
            (verify_sign, "9000"),
            ("00200098", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
            (verify_sign, "9000"),
        ]);
        let sign = Pin::new(PinKind::Sign, "ABC123").unwrap();
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&sign, &mut no).unwrap();
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        card.verify(&sign, &mut no).unwrap();
        assert!(card.transport().finished());
    }
    #[test]
    fn blocked_pin_is_never_tried_and_the_other_counter_gives_the_way_out() {
        for sw in ["63C0", "6983", "6984"] {
            // The other JPKI counter is read (free) so the advice is exact.
            for (other, unlock) in [
                ("63C5", Unlock::Kiosk { needs: PinKind::Sign }),
                (sw, Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Sign) }),
            ] {
                let t = Scripted::new(&[
                    (AP, "9000"),
                    ("00A4020C020018", "9000"),
                    ("00200080", sw),
                    (TOKEN, "6A82"),
                    ("00A4020C02001B", "9000"),
                    ("00200080", other),
                ]);
                let mut card = JpkiCard::new(t, ExtendedLength::On);
                let pin = Pin::new(PinKind::Auth, "1234").unwrap();
                let got = card.verify(&pin, &mut yes);
                assert!(matches!(got, Err(Error::PinBlocked { unlock: u, .. }) if u == unlock), "{got:?}");
                assert!(card.into_transport().finished());
            }
        }
    }
    #[test]
    fn last_try_needs_consent_and_the_question_knows_the_way_out() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C1"),
            (TOKEN, "6A82"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let mut asked = None;
        let mut consent = |kind: PinKind, unlock: Unlock| {
            asked = Some((kind, unlock));
            false
        };
        struct Ask<'a>(&'a mut dyn FnMut(PinKind, Unlock) -> bool);
        impl LastTryConsent for Ask<'_> {
            fn consent(&mut self, kind: PinKind, unlock: Unlock) -> bool {
                (self.0)(kind, unlock)
            }
        }
        let kiosk = Unlock::Kiosk { needs: PinKind::Auth };
        let got = card.verify(&pin, &mut Ask(&mut consent));
        assert!(matches!(got, Err(Error::LastTryNeedsConsent { unlock, .. }) if unlock == kiosk), "{got:?}");
        assert_eq!(asked, Some((PinKind::Sign, kiosk)));
        assert!(card.into_transport().finished());
    }
    #[test]
    fn a_wrong_pin_that_leaves_one_try_or_none_comes_with_the_way_out() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C2"),
            ("0020008006414243313233", "63C1"),
            (TOKEN, "6A82"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C0"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let office = Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Auth) };
        let got = card.verify(&pin, &mut no);
        assert!(matches!(got, Err(Error::WrongPin { tries_left: 1, unlock: Some(u), .. }) if u == office), "{got:?}");
        assert!(card.into_transport().finished());
        // Tries to spare: no other counter is read.
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
            ("0020008006414243313233", "63C4"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let got = card.verify(&pin, &mut no);
        assert!(matches!(got, Err(Error::WrongPin { tries_left: 4, unlock: None, .. })), "{got:?}");
        assert!(card.into_transport().finished());
    }
    #[test]
    fn wrong_pin_and_lost_card() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("002000800431313131", "63C2"),
            ("00200080", "63C2"),
            ("002000800431313131", "GONE"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let pin = Pin::new(PinKind::Auth, "1111").unwrap();
        assert!(matches!(card.verify(&pin, &mut yes), Err(Error::WrongPin { tries_left: 2, .. })));
        assert!(matches!(card.verify(&pin, &mut yes), Err(Error::VerifyOutcomeUnknown { .. })));
    }
}
