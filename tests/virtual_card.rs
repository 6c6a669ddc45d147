//! The virtual card's answers, APDU by APDU, through its public API: what
//! it says to each command under each switch. The card is the oracle the
//! client is tested against, so these bytes are written out by hand from
//! the reference notes rather than built with the client's code.

use jpki::sim::card::Applet;
use jpki::sim::{
    BlockedSw, CardData, OptionalApplet, PinId, PinStore, SimConfig, UnissuedSignPin, VerifiedQuery, VirtualCard,
};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn card_with(config: SimConfig) -> VirtualCard {
    let data = CardData::default_fixture();
    let pins = PinStore::defaults(&data);
    VirtualCard::new(config, data, pins)
}

fn card() -> VirtualCard {
    card_with(SimConfig::default())
}

/// Send hex; return (data, SW).
fn tx(c: &mut VirtualCard, apdu: &str) -> (Vec<u8>, u16) {
    let r = c.transmit(&h(apdu));
    assert!(r.len() >= 2, "short response {r:?}");
    let n = r.len();
    (r[..n - 2].to_vec(), u16::from_be_bytes([r[n - 2], r[n - 1]]))
}

fn sw_of(c: &mut VirtualCard, apdu: &str) -> u16 {
    tx(c, apdu).1
}

const AP: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const TXT: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
const VIS: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02";
const Q: &str = "00 20 00 80";

fn sel(fid: &str) -> String {
    format!("00 A4 02 0C 02 {fid}")
}

fn verify_apdu(pin: &str) -> String {
    format!("00 20 00 80 {:02X} {}", pin.len(), hex::encode(pin))
}

fn sha256_digest_info(msg: &[u8]) -> Vec<u8> {
    let mut di = h("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
    di.extend_from_slice(&Sha256::digest(msg));
    di
}

fn cert_public_key(der: &[u8]) -> RsaPublicKey {
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    RsaPublicKey::from_public_key_der(cert.public_key().raw).unwrap()
}

/// Read a whole EF with short 256-byte reads until 6B00 or a short chunk.
fn read_all(c: &mut VirtualCard) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let off = out.len();
        let (d, s) = tx(c, &format!("00 B0 {:02X} {:02X} 00", off >> 8, off & 0xFF));
        if s == 0x6B00 {
            break;
        }
        assert_eq!(s, 0x9000);
        out.extend_from_slice(&d);
        if d.len() < 256 {
            break;
        }
    }
    out
}

// ---- framing ----

#[test]
fn malformed_framing_is_6700() {
    let mut c = card();
    assert_eq!(sw_of(&mut c, "00 A4 02"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 A4 04 0C 0B D3 92"), 0x6700);
    assert_eq!(c.transmit(&[]), vec![0x67, 0x00]);
}

#[test]
fn unknown_cla_and_ins() {
    let mut c = card();
    assert_eq!(sw_of(&mut c, "A0 A4 04 0C 02 00 00"), 0x6E00);
    assert_eq!(sw_of(&mut c, "00 CA 00 00 00"), 0x6D00);
    assert_eq!(sw_of(&mut c, "80 A4 04 0C 02 00 00"), 0x6E00);
    assert_eq!(sw_of(&mut c, "00 C0 00 00 00"), 0x6D00); // GET RESPONSE off
}

#[test]
fn fuzz_never_panics() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let heads: [[u8; 2]; 8] = [
        [0x00, 0xA4],
        [0x00, 0xB0],
        [0x00, 0x20],
        [0x00, 0x24],
        [0x80, 0x2A],
        [0x00, 0xC0],
        [0x00, 0x00],
        [0xFF, 0xFF],
    ];
    let configs = [
        SimConfig::default(),
        SimConfig { get_response: true, wrong_le_6c: true, sfi: false, extended_length: false, ..SimConfig::default() },
    ];
    for cfg in configs {
        let mut c = card_with(cfg);
        for i in 0..20_000u32 {
            let len = (next() % 24) as usize + if i % 50 == 0 { 300 } else { 0 };
            let mut v: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if v.len() >= 2 && i % 3 != 0 {
                let hd = heads[(next() % 8) as usize];
                v[0] = hd[0];
                v[1] = hd[1];
            }
            if i % 7 == 0 {
                // Drive the card into interesting states.
                c.transmit(&h(AP));
                c.transmit(&h(&sel(["0018", "001B", "000A", "0017", "001A", "0001"][(next() % 6) as usize])));
            }
            let r = c.transmit(&v);
            assert!(r.len() >= 2);
        }
    }
}

// ---- power and selection ----

#[test]
fn power_on_state_and_select_mf() {
    let mut c = card();
    assert_eq!(c.current_applet(), Applet::Isd);
    assert_eq!(sw_of(&mut c, "00 A4 00 00"), 0x6A86);
    assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82); // nothing of JPKI selected
    assert_eq!(sw_of(&mut c, AP), 0x9000);
    assert_eq!(sw_of(&mut c, "00 A4 00 00"), 0x9000);
    assert_eq!(c.current_applet(), Applet::Jpki); // unchanged
    assert_eq!(sw_of(&mut c, "00 A4 00 00 02 3F 00"), 0x6A82);
    assert_eq!(sw_of(&mut c, &sel("000A")), 0x9000);
    c.reset();
    assert_eq!(c.current_applet(), Applet::Isd);
    assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82);
}

#[test]
fn select_rules() {
    let mut c = card();
    assert_eq!(sw_of(&mut c, "00 A4 04 0C 09 D3 92 F0 00 26 01 00 00 00"), 0x6A82); // prefix
    assert_eq!(sw_of(&mut c, "00 A4 04 0C 05 A0 00 00 00 03"), 0x6A82);
    assert_eq!(sw_of(&mut c, "00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01 00"), 0x6A86);
    assert_eq!(sw_of(&mut c, AP), 0x9000);
    assert_eq!(sw_of(&mut c, &sel("3F00")), 0x6A82);
    assert_eq!(sw_of(&mut c, &sel("0009")), 0x6A82);
    assert_eq!(sw_of(&mut c, "00 A4 02 0C 01 00"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 A4 02 04 02 00 0A"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 A4 08 0C 02 00 0A"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 A4 04 0C 07 A0 00 00 01 51 00 00"), 0x9000);
    assert_eq!(c.current_applet(), Applet::Isd);
    assert_eq!(sw_of(&mut c, TXT), 0x9000);
    assert_eq!(c.current_applet(), Applet::Text);
    assert_eq!(sw_of(&mut c, VIS), 0x9000);
    assert_eq!(c.current_applet(), Applet::Visual);
}

#[test]
fn power_off_clears_pins_and_selection() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
    assert!(c.is_verified(PinId::Sign));
    c.power_off();
    c.power_on();
    assert!(!c.is_verified(PinId::Sign));
    assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
    tx(&mut c, AP);
    tx(&mut c, &sel("0001"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
}

#[test]
fn reselect_keeps_pins_by_default_and_clears_with_switch() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
    tx(&mut c, AP);
    assert!(c.is_verified(PinId::Auth));
    tx(&mut c, TXT); // another applet does not clear it either
    assert!(c.is_verified(PinId::Auth));

    let mut c = card_with(SimConfig { reselect_clears_pin: true, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
    tx(&mut c, TXT);
    assert!(c.is_verified(PinId::Auth));
    tx(&mut c, AP);
    assert!(!c.is_verified(PinId::Auth));
}

#[test]
fn first_apdu_after_power_6f00() {
    let mut c = card_with(SimConfig { first_apdu_after_power_6f00: true, ..SimConfig::default() });
    assert_eq!(sw_of(&mut c, AP), 0x6F00);
    assert_eq!(c.current_applet(), Applet::Isd);
    assert_eq!(sw_of(&mut c, AP), 0x9000);
    c.power_off();
    c.power_on();
    assert_eq!(sw_of(&mut c, AP), 0x6F00);
    assert_eq!(sw_of(&mut c, AP), 0x9000);
    let mut d = card();
    assert_eq!(sw_of(&mut d, AP), 0x9000);
}

// ---- retry query and VERIFY ----

#[test]
fn retry_query_spends_nothing() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    for _ in 0..10 {
        assert_eq!(sw_of(&mut c, Q), 0x63C3);
    }
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, Q), 0x63C5);
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
    assert!(!c.take_pin_changes());
}

#[test]
fn retry_query_with_le_is_6700() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, "00 20 00 80 00"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 20 00 80 00 00 00"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 20 00 80 04 31 32 33 34 00"), 0x6700);
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
}

#[test]
fn verify_without_pin_ef() {
    let mut c = card();
    assert_eq!(sw_of(&mut c, Q), 0x6986);
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, Q), 0x6986);
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, Q), 0x6986);
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x6986);
    assert_eq!(sw_of(&mut c, "00 20 01 80"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 20 00 00"), 0x6A86);
}

#[test]
fn wrong_pin_costs_exactly_one_and_success_resets() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("0000")), 0x63C2);
    assert!(c.take_pin_changes());
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 2);
    assert_eq!(sw_of(&mut c, Q), 0x63C2);
    assert_eq!(sw_of(&mut c, &verify_apdu("1111")), 0x63C1);
    assert_eq!(sw_of(&mut c, Q), 0x63C1);
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
    assert!(c.take_pin_changes());
    assert!(c.is_verified(PinId::Auth));
    // A wrong try after success clears the verified state.
    assert_eq!(sw_of(&mut c, &verify_apdu("9999")), 0x63C2);
    assert!(!c.is_verified(PinId::Auth));
}

#[test]
fn last_try_then_each_blocked_sw() {
    for (blocked, want) in [(BlockedSw::Sw63C0, 0x63C0), (BlockedSw::Sw6983, 0x6983), (BlockedSw::Sw6984, 0x6984)] {
        let mut c = card_with(SimConfig { blocked_sw: blocked, ..SimConfig::default() });
        tx(&mut c, AP);
        tx(&mut c, &sel("001B"));
        for left in (0..5u16).rev() {
            assert_eq!(sw_of(&mut c, &verify_apdu("WRONG1")), 0x63C0 | left);
        }
        assert_eq!(c.pin_store().tries_left(PinId::Sign), 0);
        assert_eq!(sw_of(&mut c, Q), 0x63C0);
        assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), want); // even the right one
        assert_eq!(sw_of(&mut c, &verify_apdu("WRONG1")), want);
        assert_eq!(c.pin_store().tries_left(PinId::Sign), 0);
        assert!(!c.is_verified(PinId::Sign));
    }
    assert_eq!(BlockedSw::default(), BlockedSw::Sw6984);
}

#[test]
fn verified_query_switch() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    tx(&mut c, &verify_apdu("1234"));
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
    let mut c = card_with(SimConfig { verified_query: VerifiedQuery::Sw9000, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
    tx(&mut c, &verify_apdu("1234"));
    assert_eq!(sw_of(&mut c, Q), 0x9000);
    // A blocked PIN still answers 63C0 to the query.
    tx(&mut c, &sel("001B"));
    c.pin_store_mut().set_tries(PinId::Sign, 0).unwrap();
    assert_eq!(sw_of(&mut c, Q), 0x63C0);
}

#[test]
fn wrong_length_pin() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("12345")), 0x6700);
    assert_eq!(sw_of(&mut c, &verify_apdu("12345678901234567")), 0x6700);
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 3);
    let mut c = card_with(SimConfig { wrong_length_counts: true, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("12345")), 0x63C2);
    assert_eq!(sw_of(&mut c, &verify_apdu("12345678901234567")), 0x6700);
    assert_eq!(c.pin_store().tries_left(PinId::Auth), 2);
}

#[test]
fn lower_case_sign_password_burns_a_try() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, &verify_apdu("abc123")), 0x63C4);
}

#[test]
fn sfi_forms() {
    let mut c = card();
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, "00 20 00 98"), 0x63C3);
    assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x63C5);
    assert_eq!(sw_of(&mut c, "00 20 00 9B 06 41 42 43 31 32 33"), 0x9000);
    assert_eq!(sw_of(&mut c, "00 20 00 8A"), 0x6986); // not a PIN
    assert_eq!(sw_of(&mut c, "00 20 00 89"), 0x6A82); // no such EF
                                                      // SFI READ BINARY makes the EF current.
    let (d, s) = tx(&mut c, "00 B0 81 00 04");
    assert_eq!(s, 0x9000);
    assert_eq!(d[0], 0x30);
    let (d2, _) = tx(&mut c, "00 B0 00 00 04");
    assert_eq!(d, d2);
    let di = sha256_digest_info(b"sfi");
    let (sig, s) = tx(&mut c, &format!("80 2A 00 9A 33 {} 00", hex::encode(&di)));
    assert_eq!((sig.len(), s), (256, 0x9000));
    assert_eq!(sw_of(&mut c, &format!("80 2A 00 97 33 {} 00", hex::encode(&di))), 0x6982);
    tx(&mut c, TXT);
    assert_eq!(sw_of(&mut c, "00 20 00 91"), 0x63C3);

    let mut c = card_with(SimConfig { sfi: false, ..SimConfig::default() });
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, "00 20 00 98"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 20 00 9B 06 41 42 43 31 32 33"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 B0 8A 00 04"), 0x6A86);
    assert_eq!(sw_of(&mut c, &format!("80 2A 00 9A 33 {} 00", hex::encode(&di))), 0x6A86);
    assert_eq!(c.pin_store().tries_left(PinId::Sign), 5);
}

// ---- CHANGE REFERENCE DATA ----

#[test]
fn change_reference_data() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x6982);
    tx(&mut c, &verify_apdu("1234"));
    assert_eq!(sw_of(&mut c, "00 24 01 80 05 39 38 37 36 35"), 0x6A80);
    assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 41"), 0x6A80);
    assert_eq!(sw_of(&mut c, "00 24 00 80 04 39 38 37 36"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 24 01 80"), 0x6700);
    c.take_pin_changes();
    assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x9000);
    assert!(c.take_pin_changes());
    assert_eq!(c.pin_store().get(PinId::Auth).value, "9876");
    c.power_off();
    c.power_on();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x63C2);
    assert_eq!(sw_of(&mut c, &verify_apdu("9876")), 0x9000);
    // Sign password rules.
    tx(&mut c, &sel("001B"));
    tx(&mut c, &verify_apdu("ABC123"));
    assert_eq!(sw_of(&mut c, &format!("00 24 01 80 06 {}", hex::encode("abc123"))), 0x6A80);
    assert_eq!(sw_of(&mut c, &format!("00 24 01 80 08 {}", hex::encode("NEWPASS9"))), 0x9000);
    assert_eq!(c.pin_store().get(PinId::Sign).value, "NEWPASS9");
    // Not a PIN EF.
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 24 01 80 04 39 38 37 36"), 0x6986);
    // 照合番号A cannot be changed.
    tx(&mut c, TXT);
    tx(&mut c, &sel("0014"));
    tx(&mut c, &verify_apdu("314159265352"));
    assert_eq!(sw_of(&mut c, &format!("00 24 01 80 0C {}", hex::encode("123456789018"))), 0x6986);
}

// ---- READ BINARY ----

#[test]
fn sign_cert_needs_sign_pin() {
    let mut c = card();
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, &sel("0001")), 0x9000);
    assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
    tx(&mut c, &sel("0018"));
    tx(&mut c, &verify_apdu("1234")); // the auth PIN does not open it
    tx(&mut c, &sel("0001"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x6982);
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
    tx(&mut c, &sel("0001"));
    let all = read_all(&mut c);
    let der = &c.data().sign_cert.clone();
    assert_eq!(&all[..der.len()], &der[..]);
    assert!(all[der.len()..].iter().all(|&b| b == 0xFF));
}

#[test]
fn free_certs_with_filler_and_eof() {
    let mut c = card();
    tx(&mut c, AP);
    for (fid, der) in [
        ("000A", c.data().auth_cert.clone()),
        ("000B", c.data().auth_ca_cert.clone()),
        ("0002", c.data().sign_ca_cert.clone()),
    ] {
        tx(&mut c, &sel(fid));
        let (hdr, s) = tx(&mut c, "00 B0 00 00 04");
        assert_eq!(s, 0x9000);
        assert_eq!(hdr[..2], [0x30, 0x82]);
        let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize + 4;
        assert_eq!(len, der.len());
        let all = read_all(&mut c);
        assert_eq!(all.len(), 2048);
        assert_eq!(&all[..len], &der[..]);
        // At and past end of file.
        assert_eq!(sw_of(&mut c, "00 B0 08 00 01"), 0x6B00);
        assert_eq!(sw_of(&mut c, "00 B0 7F FF 01"), 0x6B00);
        // Up to end of file.
        let (tail, s) = tx(&mut c, "00 B0 07 F0 00");
        assert_eq!((tail.len(), s), (16, 0x9000));
    }
    tx(&mut c, &sel("0006"));
    let (tok, s) = tx(&mut c, "00 B0 00 00 20");
    assert_eq!(s, 0x9000);
    assert_eq!(&tok, b"JPKIAPICCTOKEN2                 ");
    let (tok, _) = tx(&mut c, "00 B0 00 00 00");
    assert_eq!(tok.len(), 160);
    tx(&mut c, &sel("0008"));
    assert_eq!(tx(&mut c, "00 B0 00 00 00"), (vec![0x8F, 0x8F, 0x00], 0x9000));
}

#[test]
fn read_binary_errors() {
    let mut c = card();
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6986); // no current EF
    tx(&mut c, &sel("0017"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6981);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6981);
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 B0 00 00 01 00"), 0x6700);
    assert_eq!(sw_of(&mut c, "00 B0 A1 00 00"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 B0 80 00 00"), 0x6A86);
    assert_eq!(sw_of(&mut c, "00 B0 89 00 00"), 0x6A82);
}

#[test]
fn extended_vs_short_reads() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("000A"));
    let (all, s) = tx(&mut c, "00 B0 00 00 00 00 00");
    assert_eq!((all.len(), s), (2048, 0x9000));
    let (part, s) = tx(&mut c, "00 B0 00 10 00 03 00");
    assert_eq!((part.len(), s), (768, 0x9000));
    assert_eq!(part[..], all[16..16 + 768]);
    let (short, _) = tx(&mut c, "00 B0 00 00 00");
    assert_eq!(short.len(), 256);
    // SFI + extended (jsapdu style).
    let (sfi, s) = tx(&mut c, "00 B0 8A 00 00 00 00");
    assert_eq!((sfi.len(), s), (2048, 0x9000));

    let mut c = card_with(SimConfig { extended_length: false, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 00 00 00"), 0x6700);
    assert_eq!(tx(&mut c, "00 B0 00 00 00").0.len(), 256);
    assert_eq!(c.atr(), jpki::sim::config::ATR_SHORT.to_vec());
}

#[test]
fn wrong_le_6c_switch() {
    let mut c = card_with(SimConfig { wrong_le_6c: true, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("0008"));
    assert_eq!(tx(&mut c, "00 B0 00 00 00"), (vec![], 0x6C03));
    assert_eq!(tx(&mut c, "00 B0 00 00 03"), (vec![0x8F, 0x8F, 0x00], 0x9000));
    assert_eq!(tx(&mut c, "00 B0 00 00 02"), (vec![0x8F, 0x8F], 0x9000));
    let mut d = card();
    tx(&mut d, AP);
    tx(&mut d, &sel("0008"));
    assert_eq!(tx(&mut d, "00 B0 00 00 00"), (vec![0x8F, 0x8F, 0x00], 0x9000));
}

#[test]
fn get_response_switch() {
    let mut c = card_with(SimConfig { get_response: true, ..SimConfig::default() });
    tx(&mut c, AP);
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 C0 00 00 00"), 0x6985); // nothing pending
    assert_eq!(tx(&mut c, "00 B0 00 00 04"), (vec![], 0x6104));
    let (d, s) = tx(&mut c, "00 C0 00 00 04");
    assert_eq!((d[..2].to_vec(), s), (vec![0x30, 0x82], 0x9000));
    // A 2048-byte extended read comes back in 256-byte chunks.
    assert_eq!(tx(&mut c, "00 B0 00 00 00 00 00"), (vec![], 0x6100));
    let mut got = Vec::new();
    loop {
        let (d, s) = tx(&mut c, "00 C0 00 00 00");
        got.extend_from_slice(&d);
        if s == 0x9000 {
            break;
        }
        assert_eq!(s & 0xFF00, 0x6100);
    }
    assert_eq!(got.len(), 2048);
    // Partial GET RESPONSE then another command discards the rest.
    tx(&mut c, "00 B0 00 00 10");
    assert_eq!(tx(&mut c, "00 C0 00 00 08"), (c.data().auth_cert[..8].to_vec(), 0x6108));
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 C0 00 00 08"), 0x6985);
    // Status-only answers are unchanged.
    assert_eq!(sw_of(&mut c, &sel("0018")), 0x9000);
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
}

// ---- COMPUTE DIGITAL SIGNATURE ----

#[test]
fn signatures_verify_with_certificate_keys() {
    let mut c = card();
    let msg = b"hello jpki";
    let di = sha256_digest_info(msg);
    tx(&mut c, AP);
    tx(&mut c, &sel("0017"));
    let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(&di));
    assert_eq!(sw_of(&mut c, &cmd), 0x6982);
    tx(&mut c, &sel("0018"));
    tx(&mut c, &verify_apdu("1234"));
    tx(&mut c, &sel("0017"));
    let (sig, s) = tx(&mut c, &cmd);
    assert_eq!((sig.len(), s), (256, 0x9000));
    let auth_pub = cert_public_key(&c.data().auth_cert);
    auth_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).unwrap();
    // The sign key needs the sign PIN.
    tx(&mut c, &sel("001A"));
    assert_eq!(sw_of(&mut c, &cmd), 0x6982);
    tx(&mut c, &sel("001B"));
    tx(&mut c, &verify_apdu("ABC123"));
    tx(&mut c, &sel("001A"));
    let ext = format!("80 2A 00 80 00 00 33 {} 00 00", hex::encode(&di));
    let (sig, s) = tx(&mut c, &ext);
    assert_eq!((sig.len(), s), (256, 0x9000));
    let sign_pub = cert_public_key(&c.data().sign_cert);
    sign_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).unwrap();
    assert!(auth_pub.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &sig).is_err());
    // Two in a row work by default; `sign_needs_fresh_verify` models a card that refuses.
    assert_eq!(sw_of(&mut c, &cmd), 0x9000);
}

#[test]
fn signature_input_rules() {
    let mut c = card();
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    tx(&mut c, &verify_apdu("1234"));
    tx(&mut c, &sel("0017"));
    let data245 = "AB".repeat(245);
    assert_eq!(sw_of(&mut c, &format!("80 2A 00 80 F5 {data245} 00")), 0x9000);
    let data246 = "AB".repeat(246);
    assert_eq!(sw_of(&mut c, &format!("80 2A 00 80 F6 {data246} 00")), 0x6700);
    assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD"), 0x6700); // no Le
    assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD 80"), 0x6700); // Le too small
    assert_eq!(sw_of(&mut c, "80 2A 01 80 02 AB CD 00"), 0x6A86);
    assert_eq!(sw_of(&mut c, "80 2A 00 00 02 AB CD 00"), 0x6A86);
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "80 2A 00 80 02 AB CD 00"), 0x6986);
    assert_eq!(sw_of(&mut c, "00 2A 00 80 02 AB CD 00"), 0x6E00);
}

#[test]
fn sign_needs_fresh_verify_switch() {
    let mut c = card_with(SimConfig { sign_needs_fresh_verify: true, ..SimConfig::default() });
    let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(sha256_digest_info(b"x")));
    tx(&mut c, AP);
    tx(&mut c, &sel("001B"));
    tx(&mut c, &verify_apdu("ABC123"));
    tx(&mut c, &sel("001A"));
    assert_eq!(sw_of(&mut c, &cmd), 0x9000);
    assert_eq!(sw_of(&mut c, &cmd), 0x6982);
    tx(&mut c, &sel("001B"));
    tx(&mut c, &verify_apdu("ABC123"));
    tx(&mut c, &sel("001A"));
    assert_eq!(sw_of(&mut c, &cmd), 0x9000);
}

#[test]
fn no_sign_cert_switch() {
    let mut c = card_with(SimConfig { no_sign_cert: true, ..SimConfig::default() });
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
    assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x6A82);
    tx(&mut c, &sel("0008"));
    assert_eq!(tx(&mut c, "00 B0 00 00 00").0, vec![0x00, 0x8F, 0x00]);
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x9000);
    tx(&mut c, &sel("001A"));
    let cmd = format!("80 2A 00 80 33 {} 00", hex::encode(sha256_digest_info(b"x")));
    assert_eq!(sw_of(&mut c, &cmd), 0x6985);
    // The auth side is unaffected.
    tx(&mut c, &sel("000A"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 04"), 0x9000);
}

#[test]
fn applets_can_be_absent() {
    let mut c = card_with(SimConfig { without_applets: vec![OptionalApplet::Visual], ..SimConfig::default() });
    assert_eq!(sw_of(&mut c, VIS), 0x6A82);
    assert_eq!(sw_of(&mut c, TXT), 0x9000);
    let mut c = card_with(SimConfig { without_applets: vec![OptionalApplet::CardInfo], ..SimConfig::default() });
    assert_eq!(sw_of(&mut c, TXT), 0x6A82);
    assert_eq!(sw_of(&mut c, VIS), 0x9000);
    assert_eq!(sw_of(&mut c, AP), 0x9000);
}

#[test]
fn unissued_sign_pin_models() {
    let model = |m| card_with(SimConfig { no_sign_cert: true, unissued_sign_pin: m, ..SimConfig::default() });
    let mut c = model(UnissuedSignPin::Unusable);
    tx(&mut c, AP);
    tx(&mut c, &sel("001B"));
    assert_eq!(sw_of(&mut c, Q), 0x6984);
    assert_eq!(sw_of(&mut c, &verify_apdu("ABC123")), 0x6984);
    assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x6984);
    assert_eq!(c.pin_store().tries_left(PinId::Sign), 5, "nothing counted");
    let mut c = model(UnissuedSignPin::Absent);
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, &sel("001B")), 0x6A82);
    assert_eq!(sw_of(&mut c, "00 20 00 9B"), 0x6A82);
    // The auth PIN is unaffected by either model.
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
    // Without --no-sign-cert the model is ignored.
    let mut c = card_with(SimConfig { unissued_sign_pin: UnissuedSignPin::Absent, ..SimConfig::default() });
    tx(&mut c, AP);
    assert_eq!(sw_of(&mut c, &sel("001B")), 0x9000);
}

// ---- 券面事項入力補助 AP and 券面事項確認 AP ----

#[test]
fn text_ap_my_number_and_attributes() {
    let mut c = card();
    tx(&mut c, TXT);
    tx(&mut c, &sel("0011"));
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
    tx(&mut c, &sel("0001"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 11"), 0x6982);
    tx(&mut c, &sel("0002"));
    assert_eq!(sw_of(&mut c, "00 B0 00 00 00"), 0x6982);
    tx(&mut c, &sel("0011"));
    assert_eq!(sw_of(&mut c, &verify_apdu("1234")), 0x9000);
    tx(&mut c, &sel("0001"));
    let (mn, s) = tx(&mut c, "00 B0 00 00 11");
    assert_eq!(s, 0x9000);
    assert_eq!(mn, c.data().my_number_ef());
    assert_eq!(tx(&mut c, "00 B0 00 00 00").0.len(), 17);
    tx(&mut c, &sel("0002"));
    let (attr, _) = tx(&mut c, "00 B0 00 00 00");
    assert_eq!(&attr[..2], &[0xFF, 0x20]);
    assert_eq!(attr, c.data().attributes_ef()[..attr.len()]);
}

#[test]
fn text_ap_verification_codes_open_one_ef_each() {
    let mut c = card();
    tx(&mut c, TXT);
    assert_eq!(sw_of(&mut c, "00 20 00 94"), 0x63CA);
    assert_eq!(sw_of(&mut c, "00 20 00 95"), 0x63CA);
    tx(&mut c, &sel("0014"));
    assert_eq!(sw_of(&mut c, &verify_apdu("314159265352")), 0x9000);
    assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x9000);
    assert_eq!(sw_of(&mut c, "00 B0 82 00 00"), 0x6982);
    c.power_off();
    c.power_on();
    tx(&mut c, TXT);
    tx(&mut c, &sel("0015"));
    assert_eq!(sw_of(&mut c, &verify_apdu("55021720354821")), 0x9000);
    assert_eq!(sw_of(&mut c, "00 B0 82 00 00"), 0x9000);
    assert_eq!(sw_of(&mut c, "00 B0 81 00 00"), 0x6982);
}

#[test]
fn text_ap_pre_blocked_key() {
    for (blocked, want) in [(BlockedSw::Sw6984, 0x6984), (BlockedSw::Sw6983, 0x6983)] {
        let mut c = card_with(SimConfig { blocked_sw: blocked, ..SimConfig::default() });
        tx(&mut c, TXT);
        tx(&mut c, &sel("0012"));
        assert_eq!(sw_of(&mut c, Q), 0x63C0);
        assert_eq!(sw_of(&mut c, &verify_apdu("1234")), want);
    }
}

#[test]
fn visual_ap_retry_queries() {
    let mut c = card();
    tx(&mut c, VIS);
    for fid in ["0011", "0012", "0013"] {
        tx(&mut c, &sel(fid));
        assert_eq!(sw_of(&mut c, Q), 0x63C3, "{fid}");
    }
    assert_eq!(sw_of(&mut c, &sel("0001")), 0x6A82);
    assert_eq!(sw_of(&mut c, &sel("0002")), 0x6A82);
    tx(&mut c, &sel("0011"));
    assert_eq!(sw_of(&mut c, &verify_apdu("550217")), 0x9000);
    assert_eq!(sw_of(&mut c, &verify_apdu("550218")), 0x63C2);
    // JPKI EFs are not visible from here.
    assert_eq!(sw_of(&mut c, &sel("000A")), 0x6A82);
}

#[test]
fn pin_store_mut_marks_changes() {
    let mut c = card();
    assert!(!c.take_pin_changes());
    c.pin_store_mut().set_tries(PinId::Auth, 1).unwrap();
    assert!(c.take_pin_changes());
    assert!(!c.take_pin_changes());
    tx(&mut c, AP);
    tx(&mut c, &sel("0018"));
    assert_eq!(sw_of(&mut c, Q), 0x63C1);
}

#[test]
fn opensc_style_session() {
    // The sequence OpenSC's jpki driver sends for list-pins and reading the auth cert.
    let mut c = card();
    assert_eq!(sw_of(&mut c, AP), 0x9000);
    assert_eq!(sw_of(&mut c, &sel("0018")), 0x9000);
    assert_eq!(sw_of(&mut c, Q), 0x63C3);
    assert_eq!(sw_of(&mut c, &sel("001B")), 0x9000);
    assert_eq!(sw_of(&mut c, Q), 0x63C5);
    assert_eq!(sw_of(&mut c, &sel("000A")), 0x9000);
    let (hdr, _) = tx(&mut c, "00 B0 00 00 04");
    let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize + 4;
    let mut der = Vec::new();
    while der.len() < len {
        let off = der.len();
        let want = (len - off).min(256);
        let (d, s) = tx(&mut c, &format!("00 B0 {:02X} {:02X} {:02X}", off >> 8, off & 0xFF, want & 0xFF));
        assert_eq!(s, 0x9000);
        der.extend_from_slice(&d);
    }
    assert_eq!(der, c.data().auth_cert);
}
