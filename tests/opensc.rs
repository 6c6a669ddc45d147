//! The virtual card against code we did not write: OpenSC's JPKI driver
//! (`pkcs15-tool`, `pkcs11-tool` with `opensc-pkcs11.so`) and `openssl`, all
//! through the real pcscd and vpcd. Counters are read from the card's state
//! file, APDUs from its log.
//!
//! `pkcs15-tool --reader` talks to one reader only. OpenSC's PKCS#11 module
//! binds the card in *every* reader, so the tests that use `pkcs11-tool` hold
//! both vpcd slots: no other test's card is present while they run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use sha2::{Digest, Sha256};

/// Where distributions put OpenSC's PKCS#11 module.
const PKCS11_MODULES: [&str; 5] = [
    "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so",
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib64/pkcs11/opensc-pkcs11.so",
    "/usr/lib/pkcs11/opensc-pkcs11.so",
];

/// DER prefix of a SHA-256 DigestInfo (RFC 8017, §9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: &str = "3031300D060960864801650304020105000420";

// ---------------------------------------------------------------------------
// Running the tools

fn pkcs11_module() -> &'static str {
    PKCS11_MODULES.iter().copied().find(|p| Path::new(p).is_file()).unwrap_or_else(|| {
        panic!("OpenSC's PKCS#11 module is not installed (looked in {PKCS11_MODULES:?}): apt-get install opensc")
    })
}

/// An OpenSC configuration for this card: no file caching, so every
/// certificate really comes from the card.
fn opensc_conf(sim: &Sim) -> PathBuf {
    let path = sim.state.path().join("opensc.conf");
    let conf = "app default {\n\tframework pkcs15 {\n\t\tuse_file_caching = no;\n\t}\n}\n";
    std::fs::write(&path, conf).expect("write opensc.conf");
    path
}

fn tool(sim: &Sim, program: &str) -> Command {
    let mut c = Command::new(program);
    c.env("OPENSC_CONF", opensc_conf(sim)).env_remove("OPENSC_DRIVER").stdin(Stdio::null());
    c
}

/// `pkcs15-tool --reader <the sim's reader>`.
fn pkcs15_tool(sim: &Sim) -> Command {
    let mut c = tool(sim, "pkcs15-tool");
    c.arg("--reader").arg(&sim.reader);
    c
}

/// `pkcs11-tool --module <OpenSC>`.
fn pkcs11_tool(sim: &Sim) -> Command {
    let mut c = tool(sim, "pkcs11-tool");
    c.arg("--module").arg(pkcs11_module());
    c
}

/// Run a tool; a missing tool is a loud failure, never a skip.
fn run_tool(cmd: &mut Command) -> Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is not installed ({e}). These tests need OpenSC and openssl: \
             apt-get install opensc openssl (or run `bash scripts/test.sh`)"
        ),
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

fn both(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

#[track_caller]
fn assert_success(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed ({})\nstdout: {}\nstderr: {}", o.status, stdout(o), stderr(o));
}

#[track_caller]
fn assert_failure(o: &Output, what: &str) {
    assert!(!o.status.success(), "{what} should have failed\nstdout: {}\nstderr: {}", stdout(o), stderr(o));
}

/// The sim in slot 0 with both slot locks held (see the module comment). Keep
/// the returned lock alive for the whole test.
fn sim_alone(args: &[&str]) -> (Sim, SlotLock) {
    let mut locks = SlotLock::all();
    let other = locks.pop().expect("slot 1 lock");
    let mine = locks.pop().expect("slot 0 lock");
    assert_eq!((mine.index, other.index), (0, 1));
    (Sim::start_in(mine, 0, args), other)
}

// ---------------------------------------------------------------------------
// pkcs15-tool output

/// One object in `pkcs15-tool --list-*` output: a header line such as
/// `PIN [User Authentication PIN]`, then indented `Key : value` lines.
#[derive(Debug)]
struct Object {
    header: String,
    fields: Vec<(String, String)>,
}

/// A field name without case, spaces or punctuation: `Tries left` → `triesleft`.
fn norm_key(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

impl Object {
    fn get(&self, key: &str) -> Option<&str> {
        let key = norm_key(key);
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    fn label(&self) -> &str {
        let start = self.header.find('[').map_or(0, |i| i + 1);
        let end = self.header.rfind(']').unwrap_or(self.header.len());
        &self.header[start..end.max(start)]
    }

    /// The `ID` field, as lower-case hex without spaces.
    fn id(&self) -> String {
        let id = self.get("ID").unwrap_or_else(|| panic!("no ID in {self:?}"));
        id.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
    }
}

/// The objects whose header line starts with `kind` (`PIN`, `X.509 Certificate`, …).
fn objects(text: &str, kind: &str) -> Vec<Object> {
    let mut out: Vec<Object> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let indented = line.starts_with(char::is_whitespace);
        if !indented {
            inside = line.starts_with(kind);
            if inside {
                out.push(Object { header: line.trim().to_string(), fields: Vec::new() });
            }
        } else if inside {
            if let Some((k, v)) = line.split_once(':') {
                out.last_mut().unwrap().fields.push((norm_key(k), v.trim().to_string()));
            }
        }
    }
    out
}

/// `--list-pins`: (ID, label, tries left) for each PIN object.
fn pins_listed(text: &str) -> Vec<(String, String, u64)> {
    objects(text, "PIN")
        .iter()
        .map(|o| {
            let tries = o.get("Tries left").unwrap_or_else(|| panic!("no \"Tries left\" for {o:?} in:\n{text}"));
            let tries = tries.split_whitespace().next().and_then(|t| t.parse().ok());
            let tries = tries.unwrap_or_else(|| panic!("unreadable \"Tries left\" for {o:?}"));
            (o.id(), o.label().to_string(), tries)
        })
        .collect()
}

/// Tries left of the auth PIN (ID 01) and the signing password (ID 02), as
/// `pkcs15-tool --list-pins` shows them.
fn opensc_tries(sim: &Sim) -> (u64, u64) {
    let o = run_tool(pkcs15_tool(sim).arg("--list-pins"));
    assert_success(&o, "pkcs15-tool --list-pins");
    let text = stdout(&o);
    let pins = pins_listed(&text);
    assert_eq!(pins.len(), 2, "expected exactly the two JPKI PINs:\n{text}");
    let find = |id: &str, label: &str| {
        let (_, l, tries) = pins.iter().find(|(i, _, _)| i == id).unwrap_or_else(|| panic!("no PIN {id}:\n{text}"));
        assert!(l.contains(label), "PIN {id} is {l:?}, expected {label:?}");
        *tries
    };
    (find("01", "User Authentication"), find("02", "Digital Signature"))
}

/// The ID of the certificate stored in EF `fid` (e.g. `000a`), from `--list-certificates`.
fn certificate_id(sim: &Sim, fid: &str) -> String {
    let o = run_tool(pkcs15_tool(sim).arg("--list-certificates"));
    assert_success(&o, "pkcs15-tool --list-certificates");
    let text = stdout(&o);
    let certs = objects(&text, "X.509 Certificate");
    assert_eq!(certs.len(), 4, "the JPKI AP holds four certificates:\n{text}");
    let cert = certs
        .iter()
        .find(|c| c.get("Path").is_some_and(|p| p.to_ascii_lowercase().ends_with(fid)))
        .unwrap_or_else(|| panic!("no certificate with path {fid}:\n{text}"));
    cert.id()
}

/// The ID of the private key whose label contains `label`, from `--list-keys`.
fn key_id(sim: &Sim, label: &str) -> String {
    let o = run_tool(pkcs15_tool(sim).arg("--list-keys"));
    assert_success(&o, "pkcs15-tool --list-keys");
    let text = stdout(&o);
    let keys = objects(&text, "Private RSA Key");
    assert_eq!(keys.len(), 2, "{text}");
    let key = keys.iter().find(|k| k.label().contains(label)).unwrap_or_else(|| panic!("no key {label:?}:\n{text}"));
    key.id()
}

/// The single certificate in PEM text, as DER.
fn pem_to_der(pem: &str) -> Vec<u8> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    assert_eq!(pem.matches(BEGIN).count(), 1, "expected one PEM certificate:\n{pem}");
    let start = pem.find(BEGIN).unwrap() + BEGIN.len();
    let end = pem[start..].find(END).map(|i| start + i).unwrap_or_else(|| panic!("no PEM end line:\n{pem}"));
    let body: String = pem[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(body).expect("PEM body is base64")
}

// ---------------------------------------------------------------------------
// pkcs11-tool slots

#[derive(Debug)]
struct P11Slot {
    id: u64,
    description: String,
    token_label: Option<String>,
}

/// Parse `pkcs11-tool -L`: `Slot N (0xID): DESCRIPTION` then `  token label : …`.
fn p11_slots(text: &str) -> Vec<P11Slot> {
    let mut out: Vec<P11Slot> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Slot ") {
            let open = rest.find("(0x").unwrap_or_else(|| panic!("no slot ID in {line:?}"));
            let close = rest[open..].find(')').map(|i| open + i).unwrap_or_else(|| panic!("bad slot line {line:?}"));
            let id =
                u64::from_str_radix(&rest[open + 3..close], 16).unwrap_or_else(|e| panic!("slot ID in {line:?}: {e}"));
            let description = rest[close + 1..].trim_start_matches(':').trim().to_string();
            out.push(P11Slot { id, description, token_label: None });
        } else if let (Some(slot), Some((k, v))) = (out.last_mut(), line.split_once(':')) {
            if norm_key(k) == "tokenlabel" {
                slot.token_label = Some(v.trim().to_string());
            }
        }
    }
    out
}

/// The PKCS#11 slot ID of the sim's token whose label contains `token`
/// (OpenSC shows one token per JPKI PIN, both in the sim's reader).
fn p11_slot(sim: &Sim, token: &str) -> u64 {
    let o = run_tool(pkcs11_tool(sim).arg("-L"));
    assert_success(&o, "pkcs11-tool -L");
    let text = stdout(&o);
    let slots = p11_slots(&text);
    let mine: Vec<&P11Slot> = slots
        .iter()
        .filter(|s| s.description == sim.reader && s.token_label.as_deref().is_some_and(|l| l.contains(token)))
        .collect();
    assert_eq!(mine.len(), 1, "expected one slot in {:?} with token {token:?}:\n{text}", sim.reader);
    mine[0].id
}

/// `pkcs11-tool --slot S --login --pin PIN --sign --mechanism SHA256-RSA-PKCS --id ID -i data -o sig`.
fn p11_sign(sim: &Sim, slot: u64, pin: &str, key: &str, data: &Path, sig: &Path) -> Output {
    let mut cmd = pkcs11_tool(sim);
    cmd.args(["--slot", &slot.to_string(), "--login", "--pin", pin, "--sign", "--mechanism", "SHA256-RSA-PKCS"])
        .args(["--id", key, "-i"])
        .arg(data)
        .arg("-o")
        .arg(sig);
    run_tool(&mut cmd)
}

// ---------------------------------------------------------------------------
// openssl

/// Extract the public key of a certificate (`inform` DER or PEM) into a PEM file.
fn openssl_pubkey(cert: &Path, inform: &str, out: &Path) {
    let o = run_tool(
        Command::new("openssl")
            .args(["x509", "-inform", inform, "-noout", "-pubkey", "-in"])
            .arg(cert)
            .arg("-out")
            .arg(out),
    );
    assert_success(&o, "openssl x509 -pubkey");
}

/// `openssl dgst -sha256 -verify PUB -signature SIG DATA`.
fn openssl_verify(pubkey: &Path, sig: &Path, data: &Path) -> Output {
    run_tool(
        Command::new("openssl").args(["dgst", "-sha256", "-verify"]).arg(pubkey).arg("-signature").arg(sig).arg(data),
    )
}

#[track_caller]
fn assert_openssl_accepts(pubkey: &Path, sig: &Path, data: &Path) {
    let o = openssl_verify(pubkey, sig, data);
    assert_success(&o, "openssl dgst -verify");
    assert!(stdout(&o).contains("Verified OK"), "{}", both(&o));
}

#[track_caller]
fn assert_openssl_rejects(pubkey: &Path, sig: &Path, data: &Path) {
    let o = openssl_verify(pubkey, sig, data);
    assert_failure(&o, "openssl dgst -verify");
    assert!(stdout(&o).contains("Verification failure"), "{}", both(&o));
}

/// The public key of one of the sim's certificates (`auth` or `sign`), from its state file.
fn sim_pubkey(sim: &Sim, cert: &str) -> PathBuf {
    let out = sim.state.path().join(format!("{cert}.pub.pem"));
    openssl_pubkey(&sim.state_file(&format!("{cert}.crt.der")), "DER", &out);
    out
}

// ---------------------------------------------------------------------------
// APDU log

/// The COMPUTE DIGITAL SIGNATURE OpenSC sends for SHA256-RSA-PKCS over `data`:
/// the DigestInfo as command data, short Le 00.
fn expected_sign_apdu(data: &[u8]) -> String {
    let digest_info = format!("{SHA256_DIGEST_INFO_PREFIX}{}", hex::encode_upper(Sha256::digest(data)));
    format!("802A0080{:02X}{digest_info}00", digest_info.len() / 2)
}

/// In `lines`: exactly one signature, equal to `expected`, answered with 256
/// bytes and 9000, right after the SELECT of `key_fid`.
#[track_caller]
fn assert_one_signature(apdus: &[LoggedApdu], expected: &str, key_fid: &str) {
    let sigs = apdus_where(apdus, LoggedApdu::is_signature);
    assert_eq!(sigs.len(), 1, "expected one COMPUTE DIGITAL SIGNATURE: {apdus:#?}");
    assert_eq!(sigs[0].command_hex(), expected, "{apdus:#?}");
    assert_eq!((sigs[0].sw, sigs[0].data_len, sigs[0].delivery), (0x9000, 256, Delivery::Normal), "{:?}", sigs[0]);
    let at = apdus.iter().position(LoggedApdu::is_signature).unwrap();
    assert!(
        at > 0 && apdus[at - 1].command_hex() == format!("00A4020C02{key_fid}"),
        "the key {key_fid} was not selected right before signing: {apdus:#?}"
    );
}

// ---------------------------------------------------------------------------
// Tests

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pkcs15_tool_lists_both_pins_with_the_cards_counters() {
    pcscd_test!();
    let mut sim = Sim::start(&[]);
    assert_eq!(opensc_tries(&sim), (3, 5));
    let log = sim.apdus_since(0);
    assert!(verifies_with_data(&log).is_empty(), "listing PINs sent a PIN: {log:#?}");
    // OpenSC printed what the card answered to the retry query, nothing else.
    let queries = apdus_where(&log, LoggedApdu::is_retry_query);
    assert!(queries.iter().any(|a| a.sw == 0x63C3) && queries.iter().any(|a| a.sw == 0x63C5), "{log:#?}");
    assert!(queries.iter().all(|a| [0x63C3, 0x63C5].contains(&a.sw)), "{log:#?}");
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));

    // Counters preset on the card, including a blocked signing password.
    sim.restart(&["--set-tries", "auth=2", "--set-tries", "sign=0"]);
    let before = sim.apdu_count();
    assert_eq!(opensc_tries(&sim), (2, 0));
    let log = sim.apdus_since(before);
    assert!(verifies_with_data(&log).is_empty(), "{log:#?}");
    assert!(apdus_where(&log, LoggedApdu::is_retry_query).iter().any(|a| a.sw == 0x63C2), "{log:#?}");
    assert!(apdus_where(&log, LoggedApdu::is_retry_query).iter().any(|a| a.sw == 0x63C0), "{log:#?}");
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (2, 0));

    sim.restart(&["--set-tries", "auth=1", "--set-tries", "sign=4"]);
    assert_eq!(opensc_tries(&sim), (1, 4));
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (1, 4));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pkcs15_tool_reads_the_certificates_byte_for_byte() {
    pcscd_test!();
    // Both ATRs: the extended-length one (OpenSC finds the AP by SELECT) and
    // the short one (in OpenSC's own ATR table).
    for args in [&[][..], &["--extended-length", "off"][..]] {
        let sim = Sim::start(args);
        let auth_id = certificate_id(&sim, "000a");
        assert_eq!(auth_id, "01", "{args:?}");
        let before = sim.apdu_count();
        let o = run_tool(pkcs15_tool(&sim).args(["--read-certificate", &auth_id]));
        assert_success(&o, "pkcs15-tool --read-certificate");
        let der = std::fs::read(sim.state_file("auth.crt.der")).unwrap();
        assert_eq!(pem_to_der(&stdout(&o)), der, "{args:?}");
        let log = sim.apdus_since(before);
        assert!(log.iter().any(|a| a.command_hex() == "00A4020C02000A"), "{log:#?}");
        // Every READ BINARY was answered with data: the card never made OpenSC retry or stop early.
        let reads: Vec<&LoggedApdu> = log.iter().filter(|a| a.header[1] == 0xB0).collect();
        assert!(reads.len() >= der.len().div_ceil(256), "{log:#?}");
        assert!(reads.iter().all(|a| a.sw == 0x9000), "{log:#?}");
        assert!(verifies_with_data(&sim.apdus_since(0)).is_empty());
        assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));

        // The signing certificate is private: the card refuses it without the password …
        let sign_id = certificate_id(&sim, "0001");
        let before = sim.apdu_count();
        let o = run_tool(pkcs15_tool(&sim).args(["--read-certificate", &sign_id]));
        assert_failure(&o, "reading the signing certificate without the password");
        let log = sim.apdus_since(before);
        let reads: Vec<&LoggedApdu> = log.iter().filter(|a| a.header[1] == 0xB0).collect();
        assert_eq!(reads.len(), 1, "{log:#?}");
        assert_eq!(reads[0].sw, 0x6982, "{log:#?}");
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
        // … and hands it over after one VERIFY.
        let before = sim.apdu_count();
        let o = run_tool(pkcs15_tool(&sim).args([
            "--read-certificate",
            &sign_id,
            "--verify-pin",
            "--auth-id",
            "02",
            "--pin",
            SIGN_PIN,
        ]));
        assert_success(&o, "pkcs15-tool --read-certificate --verify-pin");
        assert_eq!(pem_to_der(&stdout(&o)), std::fs::read(sim.state_file("sign.crt.der")).unwrap(), "{args:?}");
        let log = sim.apdus_since(before);
        let verifies = verifies_with_data(&log);
        assert_eq!(verifies.len(), 1, "{log:#?}");
        assert_eq!(verifies[0].sw, 0x9000);
        assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pkcs11_tool_signs_with_both_keys_and_openssl_accepts_them() {
    pcscd_test!();
    let (sim, _other_slot) = sim_alone(&[]);
    let data = pin_file(sim.state.path(), "data.txt", b"OpenSC signs on the virtual My Number Card\n");
    let payload = std::fs::read(&data).unwrap();
    let (auth_pub, sign_pub) = (sim_pubkey(&sim, "auth"), sim_pubkey(&sim, "sign"));
    let auth_key = key_id(&sim, "User Authentication");
    let sign_key = key_id(&sim, "Digital Signature");
    assert_eq!((auth_key.as_str(), sign_key.as_str()), ("01", "02"));
    let auth_slot = p11_slot(&sim, "User Authentication PIN");
    let sign_slot = p11_slot(&sim, "Digital Signature PIN");
    assert_ne!(auth_slot, sign_slot);

    // (slot, PIN, key ID, key EF, public key of this key, public key of the other, PINs sent)
    // OpenSC marks the signing key user_consent, so PKCS#11 logs in twice for
    // it (C_Login, then CKU_CONTEXT_SPECIFIC): two VERIFYs, both correct.
    let cases = [
        (auth_slot, AUTH_PIN, &auth_key, "0017", &auth_pub, &sign_pub, 1),
        (sign_slot, SIGN_PIN, &sign_key, "001A", &sign_pub, &auth_pub, 2),
    ];
    for (slot, pin, key, fid, right, wrong, verifies) in cases {
        let sig = sim.state.path().join(format!("p11-{key}.sig"));
        let before = sim.apdu_count();
        let o = p11_sign(&sim, slot, pin, key, &data, &sig);
        assert_success(&o, &format!("pkcs11-tool --sign with key {key}"));
        let signature = std::fs::read(&sig).unwrap();
        assert_eq!(signature.len(), 256);
        assert_openssl_accepts(right, &sig, &data);
        assert_openssl_rejects(wrong, &sig, &data);
        let tampered = sim.state.path().join("tampered.txt");
        std::fs::write(&tampered, [&payload[..], b"!"].concat()).unwrap();
        assert_openssl_rejects(right, &sig, &tampered);

        let log = sim.apdus_since(before);
        assert_one_signature(&log, &expected_sign_apdu(&payload), fid);
        let sent = verifies_with_data(&log);
        assert_eq!(sent.len(), verifies, "key {key}: {log:#?}");
        assert!(sent.iter().all(|a| a.sw == 0x9000), "{log:#?}");
        assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_wrong_pin_through_opensc_costs_exactly_one_try() {
    pcscd_test!();
    let (sim, _other_slot) = sim_alone(&[]);

    // pkcs15-tool --verify-pin with a wrong auth PIN.
    let before = sim.apdu_count();
    let o = run_tool(pkcs15_tool(&sim).args(["--verify-pin", "--auth-id", "01", "--pin", "9999"]));
    assert_failure(&o, "pkcs15-tool --verify-pin with a wrong PIN");
    assert!(both(&o).to_lowercase().contains("incorrect"), "{}", both(&o));
    let log = sim.apdus_since(before);
    let sent = verifies_with_data(&log);
    assert_eq!(sent.len(), 1, "{log:#?}");
    assert_eq!(sent[0].command_hex(), "00200080[secret]");
    assert_eq!(sent[0].sw, 0x63C2);
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (2, 5));

    // pkcs11-tool --login with a wrong auth PIN: one try, and nothing signed.
    let data = pin_file(sim.state.path(), "data.txt", b"never signed\n");
    let sig = sim.state.path().join("never.sig");
    let slot = p11_slot(&sim, "User Authentication PIN");
    let before = sim.apdu_count();
    let o = p11_sign(&sim, slot, "9999", "01", &data, &sig);
    assert_failure(&o, "pkcs11-tool --login with a wrong PIN");
    assert!(stderr(&o).contains("CKR_PIN_INCORRECT"), "{}", both(&o));
    let log = sim.apdus_since(before);
    let sent = verifies_with_data(&log);
    assert_eq!(sent.len(), 1, "{log:#?}");
    assert_eq!(sent[0].sw, 0x63C1);
    assert!(apdus_where(&log, LoggedApdu::is_signature).is_empty(), "{log:#?}");
    assert!(!sig.exists() || std::fs::read(&sig).unwrap().is_empty());
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (1, 5));
    assert_eq!(opensc_tries(&sim), (1, 5));

    // The right PIN through OpenSC restores the counter.
    let before = sim.apdu_count();
    let o = run_tool(pkcs15_tool(&sim).args(["--verify-pin", "--auth-id", "01", "--pin", AUTH_PIN]));
    assert_success(&o, "pkcs15-tool --verify-pin");
    let log = sim.apdus_since(before);
    let sent = verifies_with_data(&log);
    assert_eq!(sent.len(), 1, "{log:#?}");
    assert_eq!(sent[0].sw, 0x9000);
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));

    // A wrong signing password: one try of the sign PIN only.
    let before = sim.apdu_count();
    let o = run_tool(pkcs15_tool(&sim).args(["--verify-pin", "--auth-id", "02", "--pin", "ZZZ999"]));
    assert_failure(&o, "pkcs15-tool --verify-pin with a wrong password");
    let log = sim.apdus_since(before);
    let sent = verifies_with_data(&log);
    assert_eq!(sent.len(), 1, "{log:#?}");
    assert_eq!(sent[0].command_hex(), "00200080[secret]");
    assert_eq!(sent[0].sw, 0x63C4);
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 4));
    assert_eq!(opensc_tries(&sim), (3, 4));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn jpki_and_opensc_agree_on_the_auth_key() {
    pcscd_test!();
    let (sim, _other_slot) = sim_alone(&[]);
    let data = pin_file(sim.state.path(), "data.txt", b"jpki and OpenSC, same card, same key\n");
    let payload = std::fs::read(&data).unwrap();

    // The certificate as OpenSC reads it from the card.
    let o = run_tool(pkcs15_tool(&sim).args(["--read-certificate", &certificate_id(&sim, "000a")]));
    assert_success(&o, "pkcs15-tool --read-certificate");
    let cert = sim.state.path().join("opensc-auth.pem");
    std::fs::write(&cert, o.stdout).unwrap();
    let pubkey = sim.state.path().join("opensc-auth.pub.pem");
    openssl_pubkey(&cert, "PEM", &pubkey);

    // jpki signs the digest; openssl checks it against OpenSC's certificate.
    let digest = hex::encode(Sha256::digest(&payload));
    let jpki_sig = sim.state.path().join("jpki.sig");
    let pin = pin_file(sim.state.path(), "pin.txt", AUTH_PIN.as_bytes());
    let before = sim.apdu_count();
    let mut cmd = sim.jpki();
    cmd.args(["sign", "--key", "auth", "--hash", "sha256", "--digest", &digest, "-o"])
        .arg(&jpki_sig)
        .arg("--pin-file")
        .arg(&pin);
    let o = run(&mut cmd);
    assert_code(&o, 0);
    assert_openssl_accepts(&pubkey, &jpki_sig, &data);
    let jpki_log = sim.apdus_since(before);
    assert_one_signature(&jpki_log, &expected_sign_apdu(&payload), "0017");
    assert_eq!(verifies_with_data(&jpki_log).len(), 1, "{jpki_log:#?}");

    // OpenSC signs the same data: PKCS#1 v1.5 is deterministic, so the
    // signatures are the same bytes.
    let p11_sig = sim.state.path().join("p11.sig");
    let slot = p11_slot(&sim, "User Authentication PIN");
    let before = sim.apdu_count();
    let o = p11_sign(&sim, slot, AUTH_PIN, "01", &data, &p11_sig);
    assert_success(&o, "pkcs11-tool --sign");
    let p11_log = sim.apdus_since(before);
    assert_one_signature(&p11_log, &expected_sign_apdu(&payload), "0017");
    assert_eq!(std::fs::read(&p11_sig).unwrap(), std::fs::read(&jpki_sig).unwrap());
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (3, 5));
}
