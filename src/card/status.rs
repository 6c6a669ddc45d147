//! Everything `status` shows, read without spending a try.

use super::*;
use crate::cert::CertSummary;

/// Which counters [`JpkiCard::status`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counters {
    /// The auth PIN and the signing password.
    Jpki,
    /// The three PINs the holder set: the two JPKI ones and the card-info PIN.
    Holder,
    /// Every counter in [`Counter::ALL`], with the four 照合番号 that no
    /// holder types.
    All,
}

impl Counters {
    /// Whether this set reads `counter`.
    pub fn includes(self, counter: &Counter) -> bool {
        match self {
            Counters::Jpki => counter.applet == Applet::Jpki,
            Counters::Holder => counter.pin_kind().is_some(),
            Counters::All => true,
        }
    }
}

/// What to read for [`JpkiCard::status`].
#[derive(Debug, Clone, Copy)]
pub struct StatusRequest<'a> {
    pub counters: Counters,
    /// Allow the short form of the retry query (see [`JpkiCard::allow_short_form`]).
    pub short_form: bool,
    /// Read the auth certificate's validity.
    pub certificates: bool,
    /// With `certificates`, also the signing certificate's, behind this
    /// password (verified behind the lockout guard).
    pub sign_pin: Option<&'a Pin>,
    /// The time validity is measured against, in seconds since the epoch.
    pub now: i64,
}

/// One counter as `status` shows it.
#[derive(Debug)]
pub enum CounterReading {
    /// What the retry query said, or why it could not be read.
    Read(Result<PinState>),
    /// The signing password of a card without a signing certificate: not in
    /// use, whatever its file answers.
    NotIssued,
}

/// What [`JpkiCard::status`] found.
#[derive(Debug)]
pub struct CardStatus {
    /// What answered (EF 0006): the card or a smartphone.
    pub device: Device,
    /// EF 0008.
    pub sign_certificate_issued: SignCertificate,
    pub counters: Vec<(Counter, CounterReading)>,
    /// With `certificates`; `None` on a smartphone, which shows it only
    /// after the auth PIN (status asks for no PIN but the signing password).
    pub auth_certificate: Option<CertSummary>,
    /// With `certificates` and a signing password: the certificate, or why it
    /// was not read when that spent no try (a blocked password, the last try
    /// refused, no certificate on the card).
    pub sign_certificate: Option<Result<CertSummary>>,
}

impl CardStatus {
    /// The way out of a blocked or forgotten `kind`, from the counters read
    /// (both JPKI counters are read whatever the request).
    pub fn unlock(&self, kind: PinKind) -> Unlock {
        let Some(other) = Unlock::kiosk_needs(kind) else { return Unlock::given(kind, None) };
        if self.device.is_smartphone() {
            return Unlock::SmartphoneApp;
        }
        // Without a signing certificate its password is not in use, whatever
        // its counter says.
        if other == PinKind::Sign && self.sign_certificate_issued == SignCertificate::NotIssued {
            return Unlock::given(kind, Some(&CounterReading::NotIssued));
        }
        let reading = self.counters.iter().find(|(c, _)| c.pin_kind() == Some(other)).map(|(_, r)| r);
        Unlock::given(kind, reading)
    }
}

impl<T: Transport> JpkiCard<T> {
    /// The counters, EF 0008 and, if asked, the certificates' validity. A lost
    /// card or a garbled answer is an error; one odd counter is not.
    pub fn status(&mut self, request: &StatusRequest, consent: &mut dyn LastTryConsent) -> Result<CardStatus> {
        if request.short_form {
            self.allow_short_form();
        }
        // EF 0008 first: on a card without a signing certificate, an odd
        // signing-password counter is explained rather than shown as blocked.
        let issued = self.has_sign_certificate()?;
        let device = self.device()?;
        let counters: Vec<Counter> = Counter::ALL.into_iter().filter(|c| request.counters.includes(c)).collect();
        let mut states = Vec::new();
        for counter in counters {
            states.push((counter, self.status_counter(&counter)?));
        }
        let mut status = CardStatus {
            device,
            sign_certificate_issued: issued,
            counters: Vec::new(),
            auth_certificate: None,
            sign_certificate: None,
        };
        if request.certificates {
            status.auth_certificate = match self.validity(CertKind::Auth, request.now) {
                Ok(summary) => Some(summary),
                Err(Error::PinNotVerified { kind: PinKind::Auth }) => None,
                Err(e) => return Err(e),
            };
            if let Some(pin) = request.sign_pin {
                let read = self.sign_validity(pin, issued, request.now, consent, &mut states);
                status.sign_certificate = Some(match read {
                    Ok(summary) => Ok(summary),
                    Err(e) if spent_nothing(&e) => Err(e),
                    Err(e) => return Err(e),
                });
            }
        }
        let sign = Counter::of(PinKind::Sign);
        status.counters = states
            .into_iter()
            .map(|(counter, state)| {
                let unissued = issued == SignCertificate::NotIssued
                    && counter == sign
                    && match &state {
                        Ok(s) => *s == PinState::Blocked,
                        Err(e) => e.unexpected_sw().is_some(),
                    };
                (counter, if unissued { CounterReading::NotIssued } else { CounterReading::Read(state) })
            })
            .collect();
        Ok(status)
    }

    /// One counter's state; a lost card or a garbled answer ends the command.
    fn status_counter(&mut self, counter: &Counter) -> Result<Result<PinState>> {
        match self.counter_state(counter) {
            Err(e @ (Error::Transport(_) | Error::BadCardData(_))) => Err(e),
            state => Ok(state),
        }
    }

    fn validity(&mut self, kind: CertKind, now: i64) -> Result<CertSummary> {
        let der = self.read_certificate(kind)?;
        Ok(crate::cert::summarize(&der, now).map_err(BadData::from)?)
    }

    fn sign_validity(
        &mut self,
        pin: &Pin,
        issued: SignCertificate,
        now: i64,
        consent: &mut dyn LastTryConsent,
        states: &mut [(Counter, Result<PinState>)],
    ) -> Result<CertSummary> {
        if issued == SignCertificate::NotIssued {
            return Err(Error::SignCertNotIssued { wrong_pin: None });
        }
        self.verify_explained(pin, consent)?;
        // The correct password reset its counter: the count read before the
        // VERIFY is out of date, so ask again. Then the file may still say it
        // holds no certificate.
        let sign = Counter::of(PinKind::Sign);
        let now_state = self.status_counter(&sign)?;
        if let Some((_, state)) = states.iter_mut().find(|(c, _)| *c == sign) {
            *state = now_state;
        }
        self.validity(CertKind::Sign, now)
    }
}

/// A failure around the signing password that spent no try: the guard
/// refused, or the card has no signing certificate and no password was wrong.
fn spent_nothing(e: &Error) -> bool {
    matches!(
        e,
        Error::PinBlocked { .. } | Error::LastTryNeedsConsent { .. } | Error::SignCertNotIssued { wrong_pin: None }
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::virtual_card as card;
    use super::*;
    use crate::sim::{PinId, SimConfig, UnissuedSignPin};

    fn request(pin: Option<&Pin>) -> StatusRequest<'_> {
        StatusRequest {
            counters: Counters::All,
            short_form: true,
            certificates: true,
            sign_pin: pin,
            now: 1_800_000_000,
        }
    }

    #[test]
    fn a_card_without_a_signing_certificate_shows_its_password_not_in_use_and_spends_nothing() {
        let config =
            SimConfig { no_sign_cert: true, unissued_sign_pin: UnissuedSignPin::Unusable, ..SimConfig::default() };
        let mut card = card(config);
        let pin = Pin::new(PinKind::Sign, "WRONG1").unwrap();
        let status = card.status(&request(Some(&pin)), &mut |_| true).unwrap();
        assert_eq!(status.sign_certificate_issued, SignCertificate::NotIssued);
        assert_eq!(status.counters.len(), Counter::ALL.len());
        let sign = status.counters.iter().find(|(c, _)| *c == Counter::of(PinKind::Sign)).unwrap();
        assert!(matches!(sign.1, CounterReading::NotIssued), "{:?}", sign.1);
        assert!(status.auth_certificate.is_some());
        assert!(matches!(status.sign_certificate, Some(Err(Error::SignCertNotIssued { wrong_pin: None }))));
        assert_eq!(card.transport().pin_store().tries_left(PinId::Sign), 5);
    }

    #[test]
    fn the_jpki_counters_alone_and_the_signing_certificate_behind_its_password() {
        let mut card = card(SimConfig::default());
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let status =
            card.status(&StatusRequest { counters: Counters::Jpki, ..request(Some(&pin)) }, &mut |_| true).unwrap();
        let names: Vec<&str> = status.counters.iter().map(|(c, _)| c.name).collect();
        assert_eq!(names, [Counter::of(PinKind::Auth).name, Counter::of(PinKind::Sign).name]);
        assert!(matches!(status.sign_certificate, Some(Ok(_))));
    }
}
