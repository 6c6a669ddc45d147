//! Hostile or broken card answers, over the card client's public API.
//!
//! The faithful virtual card, behind a hook that rewrites its answers, plays
//! the cards the simulator cannot: each case must end in an error (never a
//! panic), in a bounded number of APDUs, without a try spent that the user
//! did not choose, and never with a signature that passes the self-check.

use std::cell::RefCell;
use std::rc::Rc;

use jpki::card::{CertKind, Counter, ExtendedLength, JpkiCard, KeyKind, Signer};
use jpki::digest::{HashAlgorithm, MessageDigest};
use jpki::pin::{Pin, PinKind};
use jpki::sim::{CardData, PinId, PinStore, SimConfig, VirtualCard};
use jpki::transport::{Transport, TransportError};
use jpki::{Error, Result};

/// Hook: (APDU number from 1, command, the card's real answer) -> what the host sees.
type Hook = Box<dyn FnMut(usize, &[u8], Vec<u8>) -> Result<Vec<u8>, TransportError>>;

struct Inner {
    card: VirtualCard,
    hook: Hook,
    apdus: usize,
    /// VERIFY commands with data (PIN tries) the host sent.
    verifies: usize,
}

/// The link to the tampered card. Its twins share the card and the counts,
/// so a flow can hand a session to the library's Signer and the test still
/// sees what happened.
struct Tampered(Rc<RefCell<Inner>>);

impl Tampered {
    fn twin(&self) -> Tampered {
        Tampered(Rc::clone(&self.0))
    }
    fn apdus(&self) -> usize {
        self.0.borrow().apdus
    }
    fn verifies(&self) -> usize {
        self.0.borrow().verifies
    }
}

/// More APDUs than any flow below may need: a loop that passes it is unbounded.
const APDU_BUDGET: usize = 1_000;

impl Transport for Tampered {
    fn transmit_raw(&mut self, command: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
        let inner = &mut *self.0.borrow_mut();
        inner.apdus += 1;
        inner.verifies += usize::from(command.len() > 5 && command[1] == 0x20);
        assert!(inner.apdus <= APDU_BUDGET, "more than {APDU_BUDGET} APDUs: an unbounded loop");
        let real = inner.card.transmit(command);
        (inner.hook)(inner.apdus, command, real)
    }
}

fn tampered(hook: Hook) -> JpkiCard<Tampered> {
    let data = CardData::default_fixture();
    let pins = PinStore::defaults(&data);
    let card = VirtualCard::new(SimConfig::default(), data, pins);
    JpkiCard::new(Tampered(Rc::new(RefCell::new(Inner { card, hook, apdus: 0, verifies: 0 }))), ExtendedLength::On)
}

fn tries(card: &JpkiCard<Tampered>, id: PinId) -> u8 {
    card.transport().0.borrow().card.pin_store().tries_left(id)
}

fn yes(_: PinKind) -> bool {
    true
}

fn no(_: PinKind) -> bool {
    false
}

fn digest() -> MessageDigest {
    MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(b"hostile")).unwrap()
}

/// What `jpki sign --key sign` does, through the library's Signer: verify,
/// read the certificate, sign, and check the signature against the
/// certificate before anything is output. `Ok` means a signature would be
/// printed. The signer gets this session; `card` is left a twin over the
/// same tampered card.
fn sign_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
    let twin = JpkiCard::new(card.transport().twin(), card.extended_length());
    let session = std::mem::replace(card, twin);
    let pin = Pin::new(PinKind::Sign, "ABC123").unwrap();
    Signer::open(session, KeyKind::Sign, &pin, &mut yes)?.sign(&digest())
}

fn status_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
    let a = card.pin_state(PinKind::Auth)?;
    let s = card.pin_state(PinKind::Sign)?;
    Ok(format!("{a:?} {s:?}").into_bytes())
}

/// What plain `jpki status` reads: EF 0008 and all seven counters, by
/// short EF identifier behind detection.
fn all_counters_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
    card.allow_short_form();
    let issued = card.has_sign_certificate()?;
    let mut out = format!("{issued:?}");
    for counter in &Counter::ALL {
        // As the CLI does: a lost link or garbled answer ends the flow,
        // any other odd answer is shown for that counter only.
        match card.counter_state(counter) {
            Err(e @ (Error::Transport(_) | Error::BadCardData(_))) => return Err(e),
            state => out.push_str(&format!(" {state:?}")),
        }
    }
    Ok(out.into_bytes())
}

fn cert_flow(card: &mut JpkiCard<Tampered>) -> Result<Vec<u8>> {
    let der = card.read_certificate(CertKind::Auth)?;
    jpki::cert::summarize(&der, 1_800_000_000).map_err(|e| Error::BadCardData(e.into()))?;
    Ok(der)
}

type Flow = fn(&mut JpkiCard<Tampered>) -> Result<Vec<u8>>;
const FLOWS: [(&str, Flow); 4] =
    [("sign", sign_flow), ("status", status_flow), ("status, all counters", all_counters_flow), ("cert", cert_flow)];

/// APDUs a flow uses against the honest card.
fn honest_count(flow: Flow) -> usize {
    let mut card = tampered(Box::new(|_, _, r| Ok(r)));
    flow(&mut card).expect("the honest card works");
    card.transport().apdus()
}

/// Run `flow` with answer number `at` rewritten by `rewrite`; check the
/// common promises and return the result.
fn with_answer_at(flow: Flow, at: usize, rewrite: fn(Vec<u8>) -> Vec<u8>) -> (Result<Vec<u8>>, usize) {
    let mut card = tampered(Box::new(move |n, _, r| Ok(if n == at { rewrite(r) } else { r })));
    let result = flow(&mut card);
    assert_eq!(tries(&card, PinId::Sign), 5, "a try was spent (answer {at} rewritten)");
    assert_eq!(tries(&card, PinId::Auth), 3, "a try was spent (answer {at} rewritten)");
    (result, card.transport().apdus())
}

#[test]
#[allow(clippy::type_complexity)]
fn truncated_answers_at_every_position_are_errors() {
    let cuts: [(&str, fn(Vec<u8>) -> Vec<u8>); 4] = [
        ("empty", |_| Vec::new()),
        ("one byte", |r| r[..1].to_vec()),
        ("half", |r| r[..r.len() / 2].to_vec()),
        ("status word lost", |r| r[..r.len() - 2].to_vec()),
    ];
    let mut cases = 0;
    for (name, flow) in FLOWS {
        let n = honest_count(flow);
        let honest = {
            let mut card = tampered(Box::new(|_, _, r| Ok(r)));
            flow(&mut card).expect("the honest card works")
        };
        for at in 1..=n {
            for (cut, rewrite) in cuts {
                let (result, apdus) = with_answer_at(flow, at, rewrite);
                cases += 1;
                // Anything that succeeds despite the cut must be the full,
                // checked result, never a partial or different one.
                if let Ok(out) = &result {
                    if name == "sign" {
                        panic!("{name}: a signature came out although answer {at} was cut ({cut})");
                    }
                    assert_eq!(out, &honest, "{name} {cut} at {at}: a different result");
                }
                assert!(apdus <= n + 2, "{name} {cut} at {at}: {apdus} APDUs");
            }
        }
    }
    assert!(cases >= 60, "{cases}");
    println!("CASES hostile: truncated answers at every APDU: {cases}");
}

#[test]
fn a_lost_or_garbled_verify_answer_is_outcome_unknown() {
    // The sign flow's APDU 4 is the VERIFY with the password.
    for rewrite in [|_| Vec::new(), |r: Vec<u8>| r[..1].to_vec()] as [fn(Vec<u8>) -> Vec<u8>; 2] {
        let (result, _) = with_answer_at(sign_flow, 4, rewrite);
        assert!(matches!(result, Err(Error::VerifyOutcomeUnknown { kind: PinKind::Sign })), "{:?}", result.err());
    }
    let mut card = tampered(Box::new(|n, _, r| if n == 4 { Err(TransportError::CardGone) } else { Ok(r) }));
    assert!(matches!(sign_flow(&mut card), Err(Error::VerifyOutcomeUnknown { .. })));
    assert_eq!(card.transport().apdus(), 4, "nothing is sent after a lost VERIFY");
    println!("CASES hostile: lost or garbled VERIFY answer: 3");
}

#[test]
fn unexpected_status_words_at_every_position_end_cleanly() {
    let sws: [[u8; 2]; 12] = [
        [0x6F, 0x00],
        [0x6A, 0x82],
        [0x69, 0x82],
        [0x69, 0x85],
        [0x6E, 0x00],
        [0x6D, 0x00],
        [0x64, 0x00],
        [0x65, 0x81],
        [0x62, 0x83],
        [0x6A, 0x86],
        [0x67, 0x00],
        [0x12, 0x34],
    ];
    let mut cases = 0;
    for (name, flow) in FLOWS {
        let n = honest_count(flow);
        for at in 1..=n {
            for sw in sws {
                cases += 1;
                let mut card = tampered(Box::new(move |k, _, mut r| {
                    if k == at {
                        let len = r.len();
                        r[len - 2..].copy_from_slice(&sw);
                    }
                    Ok(r)
                }));
                // An Ok result has passed the flow's own checks (for `sign`, the
                // signature verifies): a refused extended READ falls back to short
                // reads, and a 6F00 to the first SELECT gets one more SELECT.
                let _ = flow(&mut card);
                let t = card.transport();
                assert!(t.apdus() <= n + 10, "{name} {sw:02X?} at {at}: {} APDUs", t.apdus());
                assert!(t.verifies() <= 1, "{name} {sw:02X?} at {at}: VERIFY resent");
                assert_eq!(tries(&card, PinId::Sign), 5, "{name} {sw:02X?} at {at}");
            }
        }
    }
    println!("CASES hostile: unexpected status words at every APDU: {cases}");
}

#[test]
fn endless_61xx_chains_are_cut_off() {
    for sw2 in [0x00u8, 0x01, 0x10] {
        let mut card =
            tampered(Box::new(move |_, cmd, r| Ok(if cmd[1] == 0xB0 || cmd[1] == 0xC0 { vec![0x61, sw2] } else { r })));
        let err = card.read_certificate(CertKind::Auth).unwrap_err();
        assert!(matches!(err, Error::BadCardData(_)), "{err:?}");
        assert!(card.transport().apdus() <= 3 + jpki::transport::MAX_GET_RESPONSE_ROUNDS + 1);
    }
    // A chain that keeps delivering data stops at the size asked for.
    let mut card = tampered(Box::new(|_, cmd, r| {
        Ok(if cmd[1] == 0xB0 || cmd[1] == 0xC0 {
            let mut v = vec![0x30; 256];
            v.extend_from_slice(&[0x61, 0x00]);
            v
        } else {
            r
        })
    }));
    assert!(card.read_certificate(CertKind::Auth).is_err());
    assert!(card.transport().apdus() < 300);
    println!("CASES hostile: endless or oversized 61xx chains: 4");
}

#[test]
fn wrong_le_6cxx_is_followed_once_only() {
    for sw2 in [0x00u8, 0x10, 0xFF] {
        let mut card = tampered(Box::new(move |_, cmd, r| Ok(if cmd[1] == 0xB0 { vec![0x6C, sw2] } else { r })));
        assert!(card.read_certificate(CertKind::Auth).is_err());
        // SELECT AP, SELECT EF, extended READ + one resend, short READ + one resend.
        assert!(card.transport().apdus() <= 6, "{}", card.transport().apdus());
    }
    // 6Cxx to the signature is resent once with the corrected Le, then refused.
    let mut card = tampered(Box::new(|_, cmd, r| Ok(if cmd[1] == 0x2A { vec![0x6C, 0x00] } else { r })));
    assert!(sign_flow(&mut card).is_err());
    assert_eq!(tries(&card, PinId::Sign), 5);
    println!("CASES hostile: 6Cxx answers: 4");
}

/// A cert EF whose DER header is `header`, then `body` bytes, then nothing.
fn with_cert_ef(ef: Vec<u8>) -> JpkiCard<Tampered> {
    tampered(Box::new(move |_, cmd, r| {
        if cmd[1] != 0xB0 {
            return Ok(r);
        }
        let offset = u16::from_be_bytes([cmd[2], cmd[3]]) as usize;
        let le = match cmd.len() {
            5 => {
                if cmd[4] == 0 {
                    256
                } else {
                    cmd[4] as usize
                }
            }
            7 => match u16::from_be_bytes([cmd[5], cmd[6]]) {
                0 => 65_536,
                n => n as usize,
            },
            _ => 0,
        };
        if offset >= ef.len() {
            return Ok(vec![0x6B, 0x00]);
        }
        let mut out = ef[offset..(offset + le).min(ef.len())].to_vec();
        out.extend_from_slice(&[0x90, 0x00]);
        Ok(out)
    }))
}

#[test]
fn certificate_headers_that_lie_are_errors() {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("length larger than the file", [vec![0x30, 0x82, 0x07, 0x00], vec![0x02; 600]].concat()),
        ("length at the 32 KiB limit", [vec![0x30, 0x82, 0x7F, 0xFB], vec![0x02; 300]].concat()),
        ("length over the limit", [vec![0x30, 0x83, 0x01, 0x00, 0x00], vec![0x02; 300]].concat()),
        ("zero length", vec![0x30, 0x00, 0xFF, 0xFF]),
        ("not DER", vec![0xFF; 2048]),
        ("empty file", vec![]),
        ("header only", vec![0x30]),
        ("indefinite length", vec![0x30, 0x80, 0x00, 0x00]),
    ];
    for (name, ef) in files {
        for extended in [ExtendedLength::On, ExtendedLength::Off] {
            // A fresh session over the same card, with the read size under test.
            let mut card = JpkiCard::new(with_cert_ef(ef.clone()).into_transport(), extended);
            assert!(card.read_certificate(CertKind::Auth).is_err(), "{name}");
            assert!(card.transport().apdus() <= 3 + 2048 / 256 + 2, "{name}: {} APDUs", card.transport().apdus());
        }
    }
    // A well-sized object that is not a certificate reads, and then fails to decode.
    let mut junk = vec![0x30, 0x82, 0x01, 0x00];
    junk.extend_from_slice(&[0xA5; 256]);
    let mut card = with_cert_ef(junk.clone());
    assert_eq!(card.read_certificate(CertKind::Auth).unwrap(), junk);
    assert!(jpki::cert::summarize(&junk, 0).is_err());
    println!("CASES hostile: certificate files that lie or are not DER: 17");
}

#[test]
fn a_card_that_answers_one_byte_at_a_time_is_stopped() {
    let mut cert = vec![0x30, 0x82, 0x06, 0x00];
    cert.resize(0x604, 0x02);
    let card = tampered(Box::new(move |_, cmd, r| {
        if cmd[1] != 0xB0 {
            return Ok(r);
        }
        let offset = u16::from_be_bytes([cmd[2], cmd[3]]) as usize;
        // The first read gets 256 bytes, every later one a single byte.
        let n = if offset == 0 { 256 } else { 1 };
        let mut out = cert[offset..(offset + n).min(cert.len())].to_vec();
        out.extend_from_slice(&[0x90, 0x00]);
        Ok(out)
    }));
    let mut card = JpkiCard::new(card.into_transport(), ExtendedLength::Off);
    let err = card.read_certificate(CertKind::Auth).unwrap_err();
    assert!(err.to_string().contains("ended"), "{err}");
    assert!(card.transport().apdus() <= 5, "{} APDUs", card.transport().apdus());
    println!("CASES hostile: a card answering one byte at a time: 1");
}

#[test]
#[allow(clippy::type_complexity)]
fn signatures_of_the_wrong_length_or_key_never_pass_the_self_check() {
    use rsa::Pkcs1v15Sign;
    let rewrites: [(&str, Box<dyn Fn(&[u8]) -> Vec<u8>>); 6] = [
        ("empty", Box::new(|_| vec![])),
        ("255 bytes", Box::new(|_| vec![0x5A; 255])),
        ("257 bytes", Box::new(|_| vec![0x5A; 257])),
        ("512 bytes", Box::new(|_| vec![0x01; 512])),
        (
            "by the auth key",
            Box::new(|di: &[u8]| {
                CardData::default_fixture().auth_key.sign(Pkcs1v15Sign::new_unprefixed(), di).unwrap()
            }),
        ),
        (
            "of another digest",
            Box::new(|_| {
                let other = MessageDigest::new(HashAlgorithm::Sha256, HashAlgorithm::Sha256.hash(b"other")).unwrap();
                CardData::default_fixture().sign_key.sign(Pkcs1v15Sign::new_unprefixed(), &other.digest_info()).unwrap()
            }),
        ),
    ];
    for (name, rewrite) in rewrites {
        let mut card = tampered(Box::new(move |_, cmd, r| {
            if cmd[1] != 0x2A {
                return Ok(r);
            }
            let lc = cmd[4] as usize;
            let mut out = rewrite(&cmd[5..5 + lc]);
            out.extend_from_slice(&[0x90, 0x00]);
            Ok(out)
        }));
        let result = sign_flow(&mut card);
        assert!(result.is_err(), "{name}: a bad signature passed");
        assert_eq!(tries(&card, PinId::Sign), 5);
    }
    // The honest card passes the same check.
    let mut card = tampered(Box::new(|_, _, r| Ok(r)));
    assert_eq!(sign_flow(&mut card).unwrap().len(), 256);
    println!("CASES hostile: signatures of the wrong length or key: 6");
}

#[test]
fn odd_retry_answers_never_lead_to_a_blind_verify() {
    // 63Cx above the maximum is taken as given (not the last try); a 63C1 asks for consent; garbage stops.
    for (sw, expect_verify) in
        [([0x63u8, 0xCF], true), ([0x63, 0xC1], false), ([0x63, 0x00], false), ([0x90, 0x00], true)]
    {
        let mut card =
            tampered(Box::new(move |_, cmd, r| Ok(if cmd == [0x00, 0x20, 0x00, 0x80] { sw.to_vec() } else { r })));
        let pin = Pin::new(PinKind::Auth, "1234").unwrap();
        let result = card.verify(&pin, &mut no);
        assert_eq!(result.is_ok(), expect_verify, "{sw:02X?}: {result:?}");
        assert_eq!(tries(&card, PinId::Auth), 3);
    }
    println!("CASES hostile: odd retry-counter answers: 4");
}
