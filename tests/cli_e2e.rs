//! `jpki` end to end: the binary, through the real pcscd and vpcd, against
//! `jpki-sim`. Counters are read from the card's state file, APDUs from its log.

mod common;

use std::process::Command;

use common::*;

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_reports_the_holders_pins_in_nine_apdus_and_spends_nothing() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = run(sim.jpki().args(["--json", "status"]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert_eq!(doc["schema_version"], 6);
    assert_eq!(doc["command"], "status");
    assert_eq!(doc["pins"][0]["pin"], "auth");
    assert_eq!(doc["pins"][0]["tries_left"], 3);
    assert_eq!(doc["pins"][0]["max_tries"], 3);
    assert_eq!(doc["pins"][1]["pin"], "sign");
    assert_eq!(doc["pins"][1]["tries_left"], 5);
    assert_eq!(doc["pins"][1]["max_tries"], 5);
    let names: Vec<&str> = doc["pins"].as_array().unwrap().iter().map(|p| p["pin"].as_str().unwrap()).collect();
    assert_eq!(names, ["auth", "sign", "cardinfo"]);
    assert_eq!(doc["pins"][2]["tries_left"], 3);
    // Seven for the three counters and EF 0008, two for the token label (card or smartphone).
    assert_eq!(doc["device"], "my_number_card");
    assert!(sim.apdu_count() <= 9, "status used {} APDUs: {:?}", sim.apdu_count(), sim.log_lines());
    assert_eq!(verifies_with_data(&sim.apdus_since(0)).len(), 0);
    assert_eq!(sim.tries_left("auth"), 3);
    assert_eq!(sim.tries_left("sign"), 5);

    let o = run(sim.jpki().arg("status"));
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("3 of 3 tries left") && text.contains("5 of 5 tries left"), "{text}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_shows_blocked_for_every_blocked_status_word() {
    pcscd_test!();
    for sw in ["63C0", "6983", "6984"] {
        let sim = Sim::start_blocked(sw, &["sign=0", "auth=1"]);
        let o = run(sim.jpki().args(["--json", "status"]));
        assert_code(&o, 0);
        let doc = json(&o);
        assert_eq!(doc["pins"][0]["state"], "ok", "{sw}");
        assert_eq!(doc["pins"][0]["tries_left"], 1, "{sw}");
        assert_eq!(doc["pins"][1]["state"], "blocked", "{sw}");
        let text = stdout(&run(sim.jpki().arg("status")));
        assert!(text.contains("BLOCKED"), "{text}");

        // A blocked PIN is never tried, whatever the card's blocked status word.
        let before = sim.apdu_count();
        let o = run(&mut sim.with_pin(SIGN_PIN, &["verify", "sign"]));
        assert_code(&o, 5);
        // The auth PIN, at its last try, still works: the kiosk can reset the password.
        assert!(stderr(&o).contains("「JPKI暗証番号リセット」"), "{}", stderr(&o));
        assert_eq!(verifies_with_data(&sim.apdus_since(before)).len(), 0, "{sw}");
        assert_eq!(sim.tries_left("sign"), 0);
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn verify_success_resets_the_counter_in_four_apdus() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=2", "--set-tries", "sign=3"]);
    let o = run(&mut sim.with_pin(AUTH_PIN, &["verify", "auth"]));
    assert_code(&o, 0);
    assert!(stdout(&o).contains("back to 3 of 3"), "{}", stdout(&o));
    assert!(sim.apdu_count() <= 4, "{:?}", sim.log_lines());
    assert_eq!(sim.tries_left("auth"), 3);

    let before = sim.apdu_count();
    let o = run(&mut sim.with_pin(b"abc123\n", &["--json", "verify", "sign"]));
    assert_code(&o, 0);
    assert_eq!(json(&o)["verified"], true);
    assert_eq!(json(&o)["tries_left"], 5);
    assert!(sim.apdu_count() - before <= 4);
    assert_eq!(sim.tries_left("sign"), 5);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn wrong_pin_costs_exactly_one_try() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = run(&mut sim.with_pin(b"9999", &["verify", "auth"]));
    assert_code(&o, 4);
    assert!(stderr(&o).contains("wrong auth PIN"), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 tries left"), "{}", stderr(&o));
    assert_eq!(sim.tries_left("auth"), 2);
    assert_eq!(verifies_with_data(&sim.apdus_since(0)).len(), 1);

    let o = run(&mut sim.with_pin(b"ZZZ999", &["--json", "verify", "sign"]));
    assert_code(&o, 4);
    let doc = json(&o);
    assert_eq!(doc["error"]["kind"], "wrong_pin");
    assert_eq!(doc["error"]["tries_left"], 4);
    assert_eq!(doc["error"]["exit_code"], 4);
    assert_eq!(sim.tries_left("sign"), 4);
    assert_eq!(sim.tries_left("auth"), 2);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn last_try_needs_force() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    let before = sim.apdu_count();
    let o = run(&mut sim.with_pin(b"9999", &["verify", "auth"]));
    assert_code(&o, 5);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(verifies_with_data(&sim.apdus_since(before)).len(), 0);
    assert_eq!(sim.tries_left("auth"), 1);

    let o = run(&mut sim.with_pin(AUTH_PIN, &["verify", "auth", "--force"]));
    assert_code(&o, 0);
    assert_eq!(sim.tries_left("auth"), 3);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn invalid_pins_are_never_sent() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let cases: [(&str, &[u8]); 8] = [
        ("auth", b"123"),
        ("auth", b"12345"),
        ("auth", b"12a4"),
        ("auth", "１２３４".as_bytes()),
        ("auth", b"12\x0034"),
        ("sign", b"ABC12"),
        ("sign", b"ABC-123"),
        ("sign", b""),
    ];
    for (which, pin) in cases {
        let o = run(&mut sim.with_pin(pin, &["verify", which]));
        assert_code(&o, 2);
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    assert_eq!(sim.apdu_count(), 0, "{:?}", sim.log_lines());
    assert_eq!(sim.tries_left("auth"), 3);
    assert_eq!(sim.tries_left("sign"), 5);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pin_sources_env_stdin_and_fd() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = run(sim.jpki().env("JPKI_AUTH_PIN", AUTH_PIN).args(["verify", "auth"]));
    assert_code(&o, 0);

    let o = run_with_stdin(sim.jpki().args(["verify", "sign", "--pin-file", "-"]), b"ABC123\r\n");
    assert_code(&o, 0);

    let path = pin_file(sim.state.path(), "fdpin", b"1234\n");
    let o = run(Command::new("bash").stdin(std::process::Stdio::null()).arg("-c").arg(format!(
        "exec {} --reader '{}' verify auth --pin-file /dev/fd/3 3<'{}'",
        jpki_bin(),
        sim.reader,
        path.display()
    )));
    assert_code(&o, 0);
    // No PIN anywhere and no terminal: a usage error, nothing sent.
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["verify", "auth"]));
    assert_code(&o, 2);
    assert_eq!(sim.apdu_count(), before);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn no_verified_state_outlives_the_command() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = run(&mut sim.with_pin(SIGN_PIN, &["verify", "sign"]));
    assert_code(&o, 0);
    // Another process now reads the signing certificate without a PIN.
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(sim.reader.clone()).unwrap();
    let card = ctx.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY).unwrap();
    let mut buf = [0u8; 300];
    let select_ap = hex::decode("00A4040C0AD392F000260100000001").unwrap();
    assert_eq!(card.transmit(&select_ap, &mut buf).unwrap(), [0x90, 0x00]);
    let select_ef = hex::decode("00A4020C020001").unwrap();
    assert_eq!(card.transmit(&select_ef, &mut buf).unwrap(), [0x90, 0x00]);
    let read = hex::decode("00B0000004").unwrap();
    assert_eq!(card.transmit(&read, &mut buf).unwrap(), [0x69, 0x82]);
    let log = sim.log_lines();
    assert!(log.iter().any(|l| l.contains("power-off")), "the card was not powered down: {log:?}");
}

fn cert_len(sim: &Sim, name: &str) -> usize {
    std::fs::metadata(sim.state_file(&format!("{name}.crt.der"))).unwrap().len() as usize
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn cert_auth_pem_der_file_and_details() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let expected_der = std::fs::read(sim.state_file("auth.crt.der")).unwrap();
    let o = run(sim.jpki().args(["cert", "auth"]));
    assert_code(&o, 0);
    assert!(sim.apdu_count() <= 3, "extended read used {:?}", sim.log_lines());
    let pem = stdout(&o);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(pem, jpki::cert::to_pem(&expected_der));

    let o = run(sim.jpki().args(["cert", "auth", "--der"]));
    assert_code(&o, 0);
    assert_eq!(o.stdout, expected_der);

    let out = sim.state.path().join("out.der");
    let o = run(sim.jpki().args(["cert", "auth-ca", "-o"]).arg(&out));
    assert_code(&o, 0);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(sim.state_file("auth-ca.crt.der")).unwrap());

    let o = run(sim.jpki().args(["cert", "auth", "--details"]));
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("Subject:") && text.contains("days left") && text.contains("RSA 2048"), "{text}");
    let o = run(sim.jpki().args(["--json", "cert", "sign-ca"]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert!(doc["summary"]["subject"].as_str().unwrap().contains("JPKI for digital signature"));
    assert_eq!(doc["summary"]["key_bits"], 2048);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn cert_reads_without_extended_length_at_the_floor() {
    pcscd_test!();
    let sim = Sim::start(&["--extended-length", "off"]);
    let o = run(sim.jpki().args(["cert", "auth", "--der"]));
    assert_code(&o, 0);
    let n = cert_len(&sim, "auth");
    assert_eq!(o.stdout.len(), n);
    assert!(sim.apdu_count() <= 2 + n.div_ceil(256), "{} APDUs for {n} bytes: {:?}", sim.apdu_count(), sim.log_lines());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn extended_length_refused_falls_back_to_short_reads() {
    pcscd_test!();
    let sim = Sim::start(&["--extended-length", "off"]);
    let o = run(sim.jpki().args(["--extended-length", "on", "cert", "auth", "--der"]));
    assert_code(&o, 0);
    assert_eq!(o.stdout, std::fs::read(sim.state_file("auth.crt.der")).unwrap());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn sign_cert_needs_the_password_and_shows_the_holder() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["cert", "sign"]));
    assert_code(&o, 2);
    assert_eq!(sim.apdu_count(), before);
    let o = run(&mut sim.with_pin(SIGN_PIN, &["--json", "cert", "sign"]));
    assert_code(&o, 0);
    let doc = json(&o);
    let holder = &doc["summary"]["holder"];
    assert!(holder["name"].as_str().is_some_and(|n| !n.is_empty()), "{doc}");
    assert!(holder["address"].as_str().is_some_and(|n| !n.is_empty()), "{doc}");
    assert!(holder["birth_date"].as_str().is_some_and(|n| n.len() == 10), "{doc}");
    assert!(holder["sex"].as_str().is_some(), "{doc}");
    assert_eq!(
        doc["pem"].as_str().unwrap(),
        jpki::cert::to_pem(&std::fs::read(sim.state_file("sign.crt.der")).unwrap())
    );
}

fn openssl_verify(sim: &Sim, cert: &str, data: &std::path::Path, sig: &std::path::Path, hash: &str) -> bool {
    let pubkey = sim.state.path().join(format!("{cert}.pub.pem"));
    let ok = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(sim.state_file(&format!("{cert}.crt.der")))
        .arg("-out")
        .arg(&pubkey)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    Command::new("openssl")
        .args(["dgst", &format!("-{hash}"), "-verify"])
        .arg(&pubkey)
        .arg("-signature")
        .arg(sig)
        .arg(data)
        .output()
        .unwrap()
        .status
        .success()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn sign_a_file_with_each_key_and_openssl_accepts_it() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let data = pin_file(sim.state.path(), "data.txt", b"e-Tax filing 2026\n");
    for (key, pin, hash) in [
        ("sign", SIGN_PIN, "sha256"),
        ("auth", AUTH_PIN, "sha256"),
        ("sign", SIGN_PIN, "sha512"),
        ("auth", AUTH_PIN, "sha1"),
    ] {
        let before = sim.apdu_count();
        let sig = sim.state.path().join(format!("{key}-{hash}.sig"));
        let (sig_arg, data_arg) = (sig.to_str().unwrap(), data.to_str().unwrap());
        let o = run(&mut sim.with_pin(pin, &["sign", "--key", key, "--hash", hash, "-o", sig_arg, data_arg]));
        assert_code(&o, 0);
        assert_eq!(std::fs::read(&sig).unwrap().len(), 256);
        assert!(openssl_verify(&sim, key, &data, &sig, hash), "openssl rejected the {key} {hash} signature");
        assert!(sim.apdu_count() - before <= 8, "{:?}", sim.apdus_since(before));
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn sign_a_digest_hex_and_base64() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let digest = hex::encode(jpki::digest::HashAlgorithm::Sha256.hash(b"hello"));
    let o = run(&mut sim.with_pin(SIGN_PIN, &["--json", "sign", "--key", "sign", "--digest", &digest]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert_eq!(doc["digest"], digest);
    assert_eq!(doc["verified_against_certificate"], true);
    let sig = hex::decode(doc["signature"].as_str().unwrap()).unwrap();
    let cert = std::fs::read(sim.state_file("sign.crt.der")).unwrap();
    jpki::cert::verify_pkcs1(&cert, jpki::digest::HashAlgorithm::Sha256, &hex::decode(&digest).unwrap(), &sig).unwrap();

    let o = run(&mut sim.with_pin(AUTH_PIN, &["sign", "--key", "auth", "--format", "base64", "--digest", &digest]));
    assert_code(&o, 0);
    assert_eq!(stdout(&o).trim().len(), 344);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn bad_digests_are_refused_before_the_card() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    for (digest, hash) in [("abcd", "sha256"), ("zz", "sha1"), (&"ab".repeat(32) as &str, "sha512"), ("", "sha256")] {
        let o = run(&mut sim.with_pin(SIGN_PIN, &["sign", "--key", "sign", "--hash", hash, "--digest", digest]));
        assert_code(&o, 2);
    }
    let o = run(&mut sim.with_pin(SIGN_PIN, &["sign", "--key", "sign", "/nonexistent/file"]));
    assert_code(&o, 2);
    assert_eq!(sim.apdu_count(), 0);
    assert_eq!(sim.tries_left("sign"), 5);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn every_command_works_under_every_card_switch() {
    pcscd_test!();
    let switches: [&[&str]; 12] = [
        &[],
        &["--sign-needs-fresh-verify"],
        &["--get-response"],
        &["--wrong-le-6c"],
        &["--extended-length", "off"],
        &["--verified-query", "9000"],
        &["--first-apdu-6f00"],
        &["--reselect-clears-pin"],
        &["--sfi", "off"],
        &["--wrong-length-counts"],
        &["--blocked-sw", "63C0"],
        &["--blocked-sw", "6983"],
    ];
    for args in switches {
        let sim = Sim::start(args);
        let digest = hex::encode(jpki::digest::HashAlgorithm::Sha256.hash(args.join(" ").as_bytes()));
        let o = run(&mut sim.with_pin(SIGN_PIN, &["--json", "sign", "--key", "sign", "--digest", &digest]));
        assert_code(&o, 0);
        let o = run(&mut sim.with_pin(AUTH_PIN, &["--json", "sign", "--key", "auth", "--digest", &digest]));
        assert_code(&o, 0);
        let o = run(&mut sim.with_pin(AUTH_PIN, &["verify", "auth"]));
        assert_code(&o, 0);
        let o = run(&mut sim.with_pin(b"0000", &["verify", "auth"]));
        assert_code(&o, 4);
        assert_eq!(sim.tries_left("auth"), 2, "{args:?}");
        let o = run(sim.jpki().args(["--json", "status"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["pins"][0]["tries_left"], 2, "{args:?}");
        assert_eq!(json(&o)["pins"][1]["tries_left"], 5, "{args:?}");
        let o = run(sim.jpki().args(["cert", "auth", "--der"]));
        assert_code(&o, 0);
        assert_eq!(o.stdout, std::fs::read(sim.state_file("auth.crt.der")).unwrap(), "{args:?}");
        let o = run(&mut sim.with_pin(SIGN_PIN, &["cert", "sign", "--der"]));
        assert_code(&o, 0);
        assert_eq!(o.stdout, std::fs::read(sim.state_file("sign.crt.der")).unwrap(), "{args:?}");
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn readers_and_reader_choice() {
    pcscd_test!();
    let mut slots = SlotLock::all().into_iter();
    let (first, second) = (slots.next().unwrap(), slots.next().unwrap());
    let sim = Sim::start_in(first, 0, &[]);
    let o = run(sim.jpki().env_remove("JPKI_READER").args(["--json", "readers"]));
    assert_code(&o, 0);
    let doc = json(&o);
    let me = doc["readers"].as_array().unwrap().iter().find(|r| r["name"] == sim.reader.as_str()).unwrap().clone();
    assert_eq!(me["card_present"], true);
    assert_eq!(me["jpki"], true);
    // One card present: no --reader needed.
    let o = run(sim.jpki().env_remove("JPKI_READER").arg("status"));
    assert_code(&o, 0);
    // Two cards: an error that lists them.
    let other = Sim::start_in(second, 1, &[]);
    let o = run(sim.jpki().env_remove("JPKI_READER").arg("status"));
    assert_code(&o, 3);
    assert!(stderr(&o).contains(&sim.reader) && stderr(&o).contains(&other.reader), "{}", stderr(&o));
    let o = run(sim.jpki().env_remove("JPKI_READER").args(["--reader", "1", "status"]));
    assert_code(&o, 0);
    let o = run(sim.jpki().env_remove("JPKI_READER").args(["--reader", "no such reader", "status"]));
    assert_code(&o, 3);
    assert!(stderr(&o).contains("jpki readers"));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn no_card_is_a_clear_error() {
    pcscd_test!();
    let _slots = SlotLock::all();
    let o = run(jpki().args(["--reader", "Virtual PCD 00 00", "status"]));
    assert_code(&o, 3);
    assert_eq!(stderr(&o).lines().count(), 1);
    let o = run(jpki().args(["--json", "--reader", "Virtual PCD 00 00", "status"]));
    assert_eq!(json(&o)["error"]["kind"], "no_card");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn interrupt_stops_before_the_next_apdu_and_powers_the_card_down() {
    pcscd_test!();
    let sim = Sim::start(&["--apdu-latency-ms", "150"]);
    let digests: String = (0..40).map(|i| format!("{:064x}\n", i)).collect();
    let pin = pin_file(sim.state.path(), "pin", SIGN_PIN.as_bytes());
    let mut child = sim
        .jpki()
        .args(["sign", "--key", "sign", "--batch", "digests", "--pin-file"])
        .arg(&pin)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(digests.as_bytes()).unwrap();
    // Wait until it has verified and started signing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sim.apdus().iter().any(LoggedApdu::is_signature) {
        assert!(std::time::Instant::now() < deadline, "{:?}", sim.log_lines());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_code(&o, 130);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let signed = count(&sim.apdus(), LoggedApdu::is_signature);
    assert!(signed < 40, "the batch was not stopped");
    let log = sim.log_lines();
    let last_sign = log.iter().rposition(|l| LoggedApdu::parse(l).is_some_and(|a| a.is_signature())).unwrap();
    assert!(log[last_sign..].iter().any(|l| l == "EVENT power-off"), "not powered down after the interrupt: {log:?}");
}
