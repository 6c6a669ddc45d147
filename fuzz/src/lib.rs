//! Bodies of the fuzz targets. Each takes arbitrary bytes, must never panic
//! (other than on a broken invariant, which is the finding), and checks a few
//! invariants of its parser.
//!
//! Used twice: by the cargo-fuzz harnesses in `fuzz_targets/` (libFuzzer,
//! `scripts/fuzz.sh`), and by the stable-Rust bounded run in
//! `tests/robustness.rs`, which includes this file and feeds it mutations of
//! the committed corpus in `fuzz/corpus/<target>/`.

use std::sync::OnceLock;

use jpki::apdu::{Response, StatusWord};
use jpki::cardinfo::{attributes_len, mask_my_number, parse_attributes, parse_my_number};
use jpki::cert::{check_certificate, der_from_pem_or_der, der_sequence_len, rsa_public_key, summarize, MAX_EF_OBJECT};
use jpki::sim::{BlockedSw, CardData, PinId, PinStore, SimConfig, VerifiedQuery, VirtualCard};

/// The target names, as in `fuzz/Cargo.toml` and `fuzz/corpus/`.
pub const TARGETS: [&str; 6] = ["response_parse", "der_length", "cert_decode", "cardinfo", "sim_card", "pdf_read"];

/// Run the named target on one input.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "response_parse" => response_parse(data),
        "der_length" => der_length(data),
        "cert_decode" => cert_decode(data),
        "cardinfo" => cardinfo(data),
        "sim_card" => sim_card(data),
        "pdf_read" => pdf_read(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// `apdu::Response::parse` and `StatusWord`.
pub fn response_parse(data: &[u8]) {
    match Response::parse(data) {
        Ok(r) => {
            assert!(data.len() >= 2);
            assert_eq!(r.data, data[..data.len() - 2]);
            let (sw1, sw2) = (data[data.len() - 2], data[data.len() - 1]);
            assert_eq!(r.sw.to_u16(), u16::from_be_bytes([sw1, sw2]), "status word round trip");
            assert_eq!(StatusWord::from_bytes(sw1, sw2), r.sw);
            assert_eq!(r.is_ok(), [sw1, sw2] == [0x90, 0x00]);
            if r.sw.means_blocked() {
                assert!(matches!([sw1, sw2], [0x63, 0xC0] | [0x69, 0x83] | [0x69, 0x84]));
            }
            let shown = r.sw.to_string();
            assert!(shown.starts_with(&format!("{:04X}", u16::from_be_bytes([sw1, sw2]))));
            let _ = format!("{r:?}");
        }
        Err(e) => {
            assert!(data.len() < 2);
            assert_eq!(e.len, data.len());
        }
    }
}

/// `cert::der_sequence_len`, the size of a certificate EF's DER object.
pub fn der_length(data: &[u8]) {
    if let Ok(total) = der_sequence_len(data) {
        assert_eq!(data[0], 0x30);
        assert!((3..=MAX_EF_OBJECT).contains(&total), "{total}");
        // The header is fully inside the input.
        let header = if data[1] < 0x80 { 2 } else { 2 + (data[1] & 0x7F) as usize };
        assert!(header <= data.len() && header < total);
    }
}

/// Far enough from the fixtures' validity for both signs of `days_left`.
const NOW: i64 = 1_900_000_000;

/// `cert::summarize` (with the JPKI subjectAltName holder data), PEM/DER
/// input, the offline checks and the RSA key extraction.
pub fn cert_decode(data: &[u8]) {
    if let Ok(s) = summarize(data, NOW) {
        let _ = format!("{s:?}");
        if let Some(h) = &s.holder {
            if let Some(iso) = &h.birth_date {
                assert_eq!(iso.len(), 10, "{iso}");
            }
        }
        assert_eq!(s.sha256_fingerprint.len(), 64);
    }
    let _ = check_certificate(data, None, NOW);
    let _ = check_certificate(data, Some(data), NOW);
    let _ = rsa_public_key(data);
    if let Ok(der) = der_from_pem_or_der(data) {
        let _ = summarize(&der, 0);
    }
}

/// The card-info parsers (My Number EF, attributes EF) and the masking.
pub fn cardinfo(data: &[u8]) {
    if let Ok(n) = parse_my_number(data) {
        assert_eq!(n.len(), 12);
        assert!(n.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Ok(total) = attributes_len(data) {
        assert!(total <= 0x8000);
        if total <= data.len() {
            if let Ok(a) = parse_attributes(&data[..total]) {
                assert!(!a.name.is_empty() && !a.birth_date.is_empty());
                assert_eq!(format!("{a:?}"), "Attributes(<redacted>)", "attributes leak through Debug");
            }
        }
    }
    let _ = parse_attributes(data);
    let text = String::from_utf8_lossy(data);
    let masked = mask_my_number(&text);
    assert_eq!(masked.chars().count(), text.chars().count());
}

fn fixture() -> &'static (CardData, PinStore) {
    static FIXTURE: OnceLock<(CardData, PinStore)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let data = CardData::default_fixture();
        let pins = PinStore::defaults(&data);
        (data, pins)
    })
}

/// At most this many APDUs per input, so one input stays cheap.
pub const SIM_MAX_APDUS: usize = 48;

/// `sim::card::VirtualCard::transmit`. Input: one byte of switches, one of
/// more switches, then commands, each as a length byte and that many bytes
/// (a length of 0 power-cycles the card, 0xFF resets it).
pub fn sim_card(data: &[u8]) {
    let [flags, more, rest @ ..] = data else { return };
    let (flags, more) = (*flags, *more);
    let config = SimConfig {
        extended_length: flags & 0x01 == 0,
        sfi: flags & 0x02 == 0,
        sign_needs_fresh_verify: flags & 0x04 != 0,
        reselect_clears_pin: flags & 0x08 != 0,
        wrong_length_counts: flags & 0x10 != 0,
        no_sign_cert: flags & 0x20 != 0,
        get_response: flags & 0x40 != 0,
        wrong_le_6c: flags & 0x80 != 0,
        first_apdu_after_power_6f00: more & 0x01 != 0,
        verified_query: if more & 0x02 != 0 { VerifiedQuery::Sw9000 } else { VerifiedQuery::default() },
        blocked_sw: match (more >> 2) & 0x03 {
            1 => BlockedSw::Sw63C0,
            2 => BlockedSw::Sw6983,
            _ => BlockedSw::Sw6984,
        },
        ..SimConfig::default()
    };
    let (card_data, pins) = fixture();
    let mut pins = pins.clone();
    if more & 0x10 != 0 {
        // Start with the auth PIN on its last try and the sign PIN blocked.
        pins.get_mut(PinId::Auth).tries_left = 1;
        pins.get_mut(PinId::Sign).tries_left = 0;
    }
    let mut card = VirtualCard::new(config, card_data.clone(), pins);
    let mut rest = rest;
    for _ in 0..SIM_MAX_APDUS {
        let Some((&len, tail)) = rest.split_first() else { break };
        let before: Vec<u8> = PinId::ALL.iter().map(|id| card.pin_store().tries_left(*id)).collect();
        match len {
            0 => {
                card.power_off();
                card.power_on();
                rest = tail;
                continue;
            }
            0xFF => {
                card.reset();
                rest = tail;
                continue;
            }
            _ => {}
        }
        let len = (len as usize).min(tail.len());
        let (apdu, tail) = tail.split_at(len);
        rest = tail;
        let response = card.transmit(apdu);
        assert!(response.len() >= 2 && response.len() <= 65_538, "response of {} bytes", response.len());
        for (id, was) in PinId::ALL.iter().zip(before) {
            let now = card.pin_store().tries_left(*id);
            let max = card.pin_store().get(*id).max;
            assert!(now <= max, "{id:?}: {now} tries of {max}");
            // A counter drops by at most one per APDU, and only on a VERIFY
            // (INS 20) with data; it never rises without one (or a CHANGE, INS 24).
            if now < was {
                assert_eq!(was - now, 1, "{id:?} dropped by more than one");
                assert!(apdu.len() > 5 && apdu[1] == 0x20, "{id:?} dropped on {apdu:02X?}");
            }
            if now > was {
                assert!(apdu.len() > 5 && (apdu[1] == 0x20 || apdu[1] == 0x24), "{id:?} rose on {apdu:02X?}");
            }
        }
    }
}

/// The PDF reading path of `pdf sign` and `pdf verify`: planning the update,
/// and reading signatures back. The byte range of an update must leave out
/// exactly the /Contents string, and when the signatures of a file can be
/// read, those of the signed file can too, the new field among them.
pub fn pdf_read(data: &[u8]) {
    let readable = jpki::pdf::signatures::check_all(data, None, 1_700_000_000).is_ok();
    let Ok(plan) = jpki::pdf::plan(data) else { return };
    let fields =
        jpki::pdf::SignatureFields { reason: Some("r".into()), signing_time: 1_700_000_000, ..Default::default() };
    let Ok(mut ready) = plan.prepare(jpki::pdf::Profile::Adbe, &fields, 16) else { return };
    ready.embed(data.len(), &[0x30, 0x03, 0x02, 0x01, 0x00]).expect("a 5-byte CMS fits a 16-byte space");
    let [a, b, c, d] = ready.byte_range;
    let total = data.len() + ready.update.len();
    assert_eq!((a, b, c + d), (0, ready.contents.0, total));
    let mut signed = data.to_vec();
    signed.extend_from_slice(&ready.update);
    assert_eq!(signed[b], b'<');
    assert_eq!(signed[c - 1], b'>');
    if !readable {
        return;
    }
    let found = jpki::pdf::signatures::find(&signed).expect("the update made on a readable file is readable");
    assert!(found.iter().any(|s| s.field == plan.field_name), "the new field {} is not found", plan.field_name);
}
