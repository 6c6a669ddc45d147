//! The library's applet client against the card model in-process: fast
//! checks of every flow under every switch. The same flows run through pcscd
//! in tests/cli_e2e.rs; this file does not replace them.

use jpki::card::{CertKind, Counter, ExtendedLength, JpkiCard, KeyKind, PinState};
use jpki::cert::verify_pkcs1;
use jpki::digest::{HashAlgorithm, MessageDigest};
use jpki::pin::{Pin, PinKind};
use jpki::sim::{BlockedSw, CardData, PinId, PinStore, SimConfig, VerifiedQuery, VirtualCard};
use jpki::Error;

fn card(config: SimConfig) -> JpkiCard<VirtualCard> {
    let data = CardData::default_fixture();
    let pins = PinStore::defaults(&data);
    JpkiCard::new(VirtualCard::new(config, data, pins), ExtendedLength::On)
}

fn configs() -> Vec<(&'static str, SimConfig)> {
    let d = SimConfig::default;
    vec![
        ("default", d()),
        ("fresh verify per signature", SimConfig { sign_needs_fresh_verify: true, ..d() }),
        ("61xx chaining", SimConfig { get_response: true, ..d() }),
        ("6Cxx", SimConfig { wrong_le_6c: true, ..d() }),
        ("no extended length", SimConfig { extended_length: false, ..d() }),
        ("9000 after verify", SimConfig { verified_query: VerifiedQuery::Sw9000, ..d() }),
        ("6F00 first", SimConfig { first_apdu_after_power_6f00: true, ..d() }),
        ("reselect clears", SimConfig { reselect_clears_pin: true, ..d() }),
        ("no SFI", SimConfig { sfi: false, ..d() }),
        ("blocked 63C0", SimConfig { blocked_sw: BlockedSw::Sw63C0, ..d() }),
        ("blocked 6983", SimConfig { blocked_sw: BlockedSw::Sw6983, ..d() }),
    ]
}

fn never(_: PinKind) -> bool {
    false
}

#[test]
fn every_flow_under_every_switch() {
    let data = CardData::default_fixture();
    for (name, config) in configs() {
        let mut c = card(config);
        assert_eq!(c.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3), "{name}");
        assert_eq!(c.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5), "{name}");
        assert_eq!(c.read_certificate(CertKind::Auth).unwrap(), data.auth_cert, "{name}");
        assert!(
            matches!(c.read_certificate(CertKind::Sign), Err(Error::PinNotVerified { kind: PinKind::Sign })),
            "{name}"
        );
        for key in [KeyKind::Auth, KeyKind::Sign] {
            let pin = Pin::new(key.pin(), if key == KeyKind::Auth { "1234" } else { "ABC123" }).unwrap();
            c.verify(&pin, &mut never).unwrap();
            let cert = c.read_certificate(key.certificate()).unwrap();
            let digest =
                MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(name.as_bytes())).unwrap();
            let sig = c.sign_digest_info(key, &digest.digest_info()).unwrap();
            verify_pkcs1(&cert, HashAlgorithm::Sha256, &digest.bytes, &sig).unwrap();
        }
        let wrong = Pin::new(PinKind::Auth, "0000").unwrap();
        assert!(matches!(c.verify(&wrong, &mut never), Err(Error::WrongPin { tries_left: 2, .. })), "{name}");
        assert_eq!(c.transport().pin_store().tries_left(PinId::Auth), 2, "{name}");
    }
}

#[test]
fn blocked_pins_are_never_tried_under_any_blocked_status_word() {
    for sw in [BlockedSw::Sw63C0, BlockedSw::Sw6983, BlockedSw::Sw6984] {
        let data = CardData::default_fixture();
        let mut pins = PinStore::defaults(&data);
        pins.set_tries(PinId::Sign, 0).unwrap();
        let mut c = JpkiCard::new(
            VirtualCard::new(SimConfig { blocked_sw: sw, ..SimConfig::default() }, data, pins),
            ExtendedLength::On,
        );
        assert_eq!(c.pin_state(PinKind::Sign).unwrap(), PinState::Blocked);
        let before = c.traffic().apdus;
        let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
        let kiosk = jpki::card::Unlock::Kiosk { needs: PinKind::Auth };
        assert!(matches!(c.verify(&pin, &mut |_| true), Err(Error::PinBlocked { unlock, .. }) if unlock == kiosk));
        // No VERIFY: the guard's query (the PIN file was already selected),
        // then for the way out the token (SELECT + READ: card or smartphone)
        // and the auth PIN's counter (SELECT + query).
        assert_eq!(c.traffic().apdus - before, 5);
    }
}

#[test]
fn a_wrong_pin_that_blocks_reports_blocked() {
    let mut c = card(SimConfig::default());
    let wrong = Pin::new(PinKind::Auth, "0000").unwrap();
    assert!(matches!(c.verify(&wrong, &mut never), Err(Error::WrongPin { tries_left: 2, .. })));
    assert!(matches!(c.verify(&wrong, &mut never), Err(Error::WrongPin { tries_left: 1, .. })));
    assert!(matches!(c.verify(&wrong, &mut never), Err(Error::LastTryNeedsConsent { .. })));
    // The try that blocks it is a wrong PIN with 0 left (a try was spent), then blocked.
    assert!(matches!(c.verify(&wrong, &mut |_| true), Err(Error::WrongPin { tries_left: 0, .. })));
    assert_eq!(c.pin_state(PinKind::Auth).unwrap(), PinState::Blocked);
    assert!(matches!(c.verify(&wrong, &mut |_| true), Err(Error::PinBlocked { .. })));
}

#[test]
fn all_counters_with_and_without_sfi() {
    for sfi in [true, false] {
        let mut c = card(SimConfig { sfi, ..SimConfig::default() });
        c.allow_short_form();
        for counter in Counter::ALL {
            assert!(matches!(c.counter_state(&counter).unwrap(), PinState::TriesLeft(_)), "{}", counter.name);
        }
        assert_eq!(c.short_form_works(), Some(sfi));
        // AP + 2 queries, TXT + 3, VIS + 2 with SFI; one refused try, then SELECT + query each without.
        assert_eq!(c.traffic().apdus, if sfi { 10 } else { 18 });
    }
}

#[test]
fn card_info_reads_and_masks() {
    let data = CardData::default_fixture();
    let mut c = card(SimConfig::default());
    c.verify(&Pin::new(PinKind::CardInfo, "1234").unwrap(), &mut never).unwrap();
    assert_eq!(c.read_my_number().unwrap().as_str(), data.my_number);
    let a = c.read_attributes().unwrap();
    assert_eq!(a.name, data.name);
    assert_eq!(a.address, data.address);
}

#[test]
fn pin_change_in_process() {
    let mut c = card(SimConfig::default());
    let old = Pin::new(PinKind::Sign, "ABC123").unwrap();
    let new = Pin::new_replacement(PinKind::Sign, "NEW12345").unwrap();
    assert!(matches!(c.change_pin(&new), Err(Error::PinNotVerified { .. })));
    c.verify(&old, &mut never).unwrap();
    c.change_pin(&new).unwrap();
    assert_eq!(c.transport().pin_store().get(PinId::Sign).value, "NEW12345");
}
