//! How a holder gets out of a blocked or forgotten PIN, from the card's own
//! counters.
//!
//! The two JPKI passwords can each be reset at a convenience-store kiosk
//! after a reservation with J-LIS's smartphone app, but the kiosk asks for
//! the OTHER JPKI password: so the way out depends on whether that one still
//! works. The card-info PIN can be reset only at the municipal office. The
//! smartphone certificate's passwords are reset neither there nor at a
//! kiosk but in the マイナポータル app, which reads the card. The wording is
//! the CLI's; this is the typed answer.

use super::*;

/// The way to a new PIN for a holder who blocked or forgot one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unlock {
    /// Reset at a convenience-store kiosk (free), after a reservation made in
    /// the previous 24 hours with the smartphone app 「JPKI暗証番号リセット」,
    /// with the card and `needs`, the other JPKI PIN, which the card shows usable.
    Kiosk { needs: PinKind },
    /// Only the municipal office (市区町村の窓口) can reset it: the card and
    /// an identity document.
    Office { because: OfficeOnly },
    /// On the smartphone certificate: the マイナポータル app on the phone
    /// resets it, reading the My Number Card (for the signing password, with
    /// the card's own signing password).
    SmartphoneApp,
}

/// Why only the municipal office can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OfficeOnly {
    /// No kiosk resets this PIN (the card-info PIN).
    NoKiosk,
    /// The PIN the kiosk would ask for is blocked too.
    OtherBlocked(PinKind),
    /// The PIN the kiosk would ask for is not in use: the card has no signing
    /// certificate.
    OtherNotInUse(PinKind),
    /// The PIN the kiosk would ask for could not be read, or was not asked.
    OtherUnknown(PinKind),
}

impl Unlock {
    /// The other PIN a kiosk reset of `kind` asks for; `None` where no kiosk
    /// resets it.
    pub const fn kiosk_needs(kind: PinKind) -> Option<PinKind> {
        match kind {
            PinKind::Auth => Some(PinKind::Sign),
            PinKind::Sign => Some(PinKind::Auth),
            PinKind::CardInfo => None,
        }
    }

    /// The way out for `kind`, given what the card said of the PIN a kiosk
    /// would ask for (`None`: not read). A count, even the last try, or a PIN
    /// verified in the card's session, is usable.
    pub fn given(kind: PinKind, other: Option<&CounterReading>) -> Unlock {
        let Some(needs) = Unlock::kiosk_needs(kind) else {
            return Unlock::Office { because: OfficeOnly::NoKiosk };
        };
        let because = match other {
            Some(CounterReading::Read(Ok(PinState::TriesLeft(1..) | PinState::Verified))) => {
                return Unlock::Kiosk { needs }
            }
            Some(CounterReading::Read(Ok(PinState::Blocked | PinState::TriesLeft(0)))) => {
                OfficeOnly::OtherBlocked(needs)
            }
            Some(CounterReading::NotIssued) => OfficeOnly::OtherNotInUse(needs),
            Some(CounterReading::Read(Err(_))) | None => OfficeOnly::OtherUnknown(needs),
        };
        Unlock::Office { because }
    }

    /// The stable name of the way, for JSON: `kiosk`, `office` or `smartphone_app`.
    pub const fn way(self) -> &'static str {
        match self {
            Unlock::Kiosk { .. } => "kiosk",
            Unlock::Office { .. } => "office",
            Unlock::SmartphoneApp => "smartphone_app",
        }
    }
}

impl<T: Transport> JpkiCard<T> {
    /// The way out of a blocked or forgotten `kind`, reading the other JPKI
    /// counter (by SELECT + query, which spends no try). A card that does not
    /// answer that query leaves the office as the only way it can vouch for.
    /// On a smartphone (its token read once per session, here if not yet)
    /// the way is its app, whatever the counters.
    pub fn unlock(&mut self, kind: PinKind) -> Unlock {
        let Some(other) = Unlock::kiosk_needs(kind) else { return Unlock::given(kind, None) };
        if self.device().is_ok_and(|d| d.is_smartphone()) {
            return Unlock::SmartphoneApp;
        }
        // A card without a signing certificate: the password is not in use,
        // whatever its counter says. Only a value already read is used.
        let reading = if other == PinKind::Sign && self.sign_certificate == Some(SignCertificate::NotIssued) {
            CounterReading::NotIssued
        } else {
            CounterReading::Read(self.guard_state(other))
        };
        Unlock::given(kind, Some(&reading))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn read(state: PinState) -> CounterReading {
        CounterReading::Read(Ok(state))
    }

    #[test]
    fn each_jpki_pin_goes_to_the_kiosk_while_the_other_one_works() {
        for (kind, other) in [(PinKind::Sign, PinKind::Auth), (PinKind::Auth, PinKind::Sign)] {
            for usable in [PinState::TriesLeft(3), PinState::TriesLeft(1), PinState::Verified] {
                assert_eq!(Unlock::given(kind, Some(&read(usable))), Unlock::Kiosk { needs: other }, "{usable:?}");
            }
            let office = |because| Unlock::Office { because };
            assert_eq!(Unlock::given(kind, Some(&read(PinState::Blocked))), office(OfficeOnly::OtherBlocked(other)));
            assert_eq!(Unlock::given(kind, None), office(OfficeOnly::OtherUnknown(other)));
            let odd = CounterReading::Read(Err(Error::OddRetryAnswer { sw: StatusWord::FileNotFound }));
            assert_eq!(Unlock::given(kind, Some(&odd)), office(OfficeOnly::OtherUnknown(other)));
            let unissued = Unlock::given(kind, Some(&CounterReading::NotIssued));
            assert_eq!(unissued, office(OfficeOnly::OtherNotInUse(other)));
        }
        let cardinfo = Unlock::given(PinKind::CardInfo, Some(&read(PinState::TriesLeft(3))));
        assert_eq!(cardinfo, Unlock::Office { because: OfficeOnly::NoKiosk });
    }

    #[test]
    fn the_other_counter_is_read_by_select_and_query() {
        let t = Scripted::new(&[(AP, "9000"), (TOKEN, "6A82"), ("00A4020C020018", "9000"), ("00200080", "63C0")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let blocked = Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Auth) };
        assert_eq!(card.unlock(PinKind::Sign), blocked);
        assert!(card.transport().finished());
        // On a smartphone the way is its app, whatever the other counter: not read.
        let label = hex::encode_upper(format!("{:<32}", "JPKIAPIOSTOKEN")) + "9000";
        let t = Scripted::new(&[(AP, "9000"), (TOKEN, "9000"), ("00B0000020", &label)]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.unlock(PinKind::Auth), Unlock::SmartphoneApp);
        assert_eq!(card.unlock(PinKind::Sign), Unlock::SmartphoneApp);
        assert!(card.transport().finished());
        // The card-info PIN needs no APDU at all.
        let mut card = JpkiCard::new(Scripted::new(&[]), ExtendedLength::On);
        assert_eq!(card.unlock(PinKind::CardInfo), Unlock::Office { because: OfficeOnly::NoKiosk });
        // A lost card leaves the office as the only sure way.
        let t = Scripted::new(&[(AP, "9000"), (TOKEN, "6A82"), ("00A4020C02001B", "9000"), ("00200080", "GONE")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        let unknown = Unlock::Office { because: OfficeOnly::OtherUnknown(PinKind::Sign) };
        assert_eq!(card.unlock(PinKind::Auth), unknown);
    }
}
