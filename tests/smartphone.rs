//! The smartphone certificate (スマホ用電子証明書) through pcscd: `jpki-sim
//! --smartphone` answers like a phone held on an NFC reader (its own token
//! label, the auth certificate behind the auth PIN, no card-info applets),
//! and every command either serves it or says clearly why it cannot.
//! Where a real phone's behaviour is unknown (extended length, the short-EF
//! retry query, its counters' maxima), the tests run under each choice.

mod common;

use common::*;

/// The APDU lines since `before` that carried a PIN.
fn pins_sent(sim: &Sim, before: usize) -> usize {
    verifies_with_data(&sim.apdus_since(before)).len()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn readers_and_status_name_the_smartphone_and_its_missing_applets_are_absent() {
    pcscd_test!();
    let sim = Sim::start_alone(&["--smartphone"]);
    let o = run(sim.jpki().args(["--json", "readers"]));
    assert_code(&o, 0);
    let doc = json(&o);
    let me = doc["readers"].as_array().unwrap().iter().find(|r| r["name"] == sim.reader.as_str()).unwrap().clone();
    assert_eq!((me["jpki"].clone(), me["device"].clone()), (true.into(), "android".into()), "{me}");
    let o = run(sim.jpki().args(["--lang", "en", "readers"]));
    assert!(stdout(&o).contains("smartphone (スマホ用電子証明書), Android (JPKI applet found)"), "{}", stdout(&o));
    let o = run(sim.jpki().args(["--lang", "ja", "readers"]));
    assert!(stdout(&o).contains("スマートフォン (スマホ用電子証明書)、Android (公的個人認証APあり)"), "{}", stdout(&o));

    let o = run(sim.jpki().args(["--json", "status"]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert_eq!(doc["device"], "android", "{doc}");
    for pin in doc["pins"].as_array().unwrap() {
        let want = match pin["pin"].as_str().unwrap() {
            "auth" | "sign" => "ok",
            _ => "absent",
        };
        assert_eq!(pin["state"], want, "{pin}");
    }
    let o = run(sim.jpki().args(["--lang", "en", "status"]));
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Device: smartphone (スマホ用電子証明書), Android"), "{}", stdout(&o));
    let o = run(sim.jpki().args(["--lang", "ja", "status"]));
    assert!(stdout(&o).contains("デバイス: スマートフォン (スマホ用電子証明書)"), "{}", stdout(&o));
    // --certs asks for no PIN: the auth certificate's date is said to be behind it.
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["--json", "status", "--certs"]));
    assert_code(&o, 0);
    assert_eq!(json(&o)["certificates"]["auth_not_read"], "needs_auth_pin", "{}", stdout(&o));
    assert_eq!(pins_sent(&sim, before), 0);

    // card-info: absent, exit 3, and the card-info PIN never sent.
    let before = sim.apdu_count();
    let o = run(sim.jpki().env("JPKI_CARDINFO_PIN", CARDINFO_PIN).args(["--json", "card-info"]));
    assert_code(&o, 3);
    let doc = json(&o);
    assert_eq!(doc["error"]["kind"], "applet_missing", "{doc}");
    assert!(doc["error"]["message"].as_str().unwrap().contains("スマホ用電子証明書"), "{doc}");
    assert_eq!(pins_sent(&sim, before), 0);
    let o = run(sim.jpki().env("JPKI_CARDINFO_PIN", CARDINFO_PIN).arg("card-info"));
    assert_code(&o, 3);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    // Both PINs verify as on the card.
    for (pin, kind) in [(AUTH_PIN, "auth"), (SIGN_PIN, "sign")] {
        let o = run(&mut sim.with_pin(pin, &["verify", kind]));
        assert_code(&o, 0);
    }
    sim.assert_counters_full("smartphone");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_auth_certificate_of_a_smartphone_needs_the_auth_pin_behind_the_guard() {
    pcscd_test!();
    // An iPhone whose counters hold more tries than the card's.
    let sim = Sim::start(&["--smartphone=ios", "--set-max", "auth=5", "--set-max", "sign=10"]);
    let auth_der = std::fs::read(sim.state_file("auth.crt.der")).unwrap();
    let o = run(sim.jpki().args(["--json", "status"]));
    assert_eq!(json(&o)["device"], "ios");
    assert!(
        run(sim.jpki().args(["--lang", "en", "status"])).stdout.windows(4).any(|w| w == b"5 tr"),
        "the phone's own count is shown"
    );

    // No PIN and no terminal to ask: exit 2, nothing sent but the refused read.
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["--lang", "en", "cert", "auth"]));
    assert_code(&o, 2);
    assert!(stderr(&o).contains("auth PIN"), "{}", stderr(&o));
    assert_eq!(pins_sent(&sim, before), 0);

    // From a file, from the environment: the certificate after one VERIFY each.
    let before = sim.apdu_count();
    let o = run(&mut sim.with_pin(AUTH_PIN, &["cert", "auth", "--der"]));
    assert_code(&o, 0);
    assert_eq!(o.stdout, auth_der);
    assert_eq!(pins_sent(&sim, before), 1);
    let o = run(sim.jpki().env("JPKI_AUTH_PIN", AUTH_PIN).args(["cert", "auth", "--der"]));
    assert_code(&o, 0);
    assert_eq!(o.stdout, auth_der);

    // A wrong PIN spends one try, and the guard stops at the last one.
    let o = run(&mut sim.with_pin("9999", &["--json", "cert", "auth"]));
    assert_code(&o, 4);
    assert_eq!(json(&o)["error"]["tries_left"], 4);
    let sim = {
        let mut sim = sim;
        sim.restart(&["--smartphone=ios", "--set-tries", "auth=1"]);
        sim
    };
    let before = sim.apdu_count();
    let o = run(&mut sim.with_pin(AUTH_PIN, &["--json", "cert", "auth"]));
    assert_code(&o, 5);
    assert_eq!(json(&o)["error"]["kind"], "last_try_refused");
    assert_eq!(pins_sent(&sim, before), 0);
    let o = run(&mut sim.with_pin(AUTH_PIN, &["cert", "auth", "--der", "--force"]));
    assert_code(&o, 0);
    assert_eq!(o.stdout, auth_der);
    assert_eq!(sim.tries_left("auth"), 5);

    // The other certificates as on the card; the CA ones need no PIN still.
    let o = run(&mut sim.with_pin(SIGN_PIN, &["cert", "sign", "--der"]));
    assert_code(&o, 0);
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["cert", "auth-ca", "--der"]));
    assert_code(&o, 0);
    assert_eq!(pins_sent(&sim, before), 0);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_smartphone_signs_raw_and_cms_under_each_unknown_switch() {
    pcscd_test!();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"filed from a phone\n").unwrap();
    let data = data.to_str().unwrap();
    let mut sim = Sim::start(&["--smartphone"]);
    for switches in
        [&[][..], &["--extended-length", "off"], &["--sfi", "off"], &["--extended-length", "off", "--sfi", "off"]]
    {
        let mut args = vec!["--smartphone"];
        args.extend_from_slice(switches);
        sim.restart(&args);
        let ctx = format!("{switches:?}");
        let o = run(sim.jpki().args(["--json", "status"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["device"], "android", "{ctx}");
        for (key, pin) in [("sign", SIGN_PIN), ("auth", AUTH_PIN)] {
            // Raw, checked against the certificate the phone gave up.
            let sig = dir.path().join(format!("{key}.sig"));
            let o = run(&mut sim.with_pin(pin, &["sign", "--key", key, "-o", sig.to_str().unwrap(), data]));
            assert_code(&o, 0);
            let mut check =
                sim.with_pin(pin, &["check", "--signature", sig.to_str().unwrap(), "--card-cert", key, data]);
            let o = run(&mut check);
            assert_code(&o, 0);
            // CMS, which carries the certificate: checked offline.
            let cms = dir.path().join(format!("{key}.p7s"));
            let o = run(&mut sim.with_pin(pin, &["sign", "--key", key, "--cms", "-o", cms.to_str().unwrap(), data]));
            assert_code(&o, 0);
            let o = run(jpki().args(["check", "--cms", cms.to_str().unwrap(), data]));
            assert_code(&o, 0);
        }
        // check --card-cert auth without the PIN cannot read the certificate: exit 2, no PIN sent.
        let before = sim.apdu_count();
        let sig = dir.path().join("auth.sig");
        let o = run(sim.jpki().args(["check", "--signature", sig.to_str().unwrap(), "--card-cert", "auth", data]));
        assert_code(&o, 2);
        assert_eq!(pins_sent(&sim, before), 0, "{ctx}");
        sim.assert_counters_full(&ctx);
    }
}

/// At a terminal, `cert auth` on a smartphone asks for the auth PIN (no echo)
/// once the phone has refused the read, and only then.
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn at_a_terminal_cert_auth_prompts_for_the_auth_pin_on_a_smartphone_only() {
    use std::io::Write;
    pcscd_test!();
    // `script` (util-linux) gives jpki a pseudo-terminal; the PIN is typed after a pause.
    let typed = |sim: &Sim, pin: &str| {
        let line = format!("{} --lang en --reader '{}' cert auth", jpki_bin(), sim.reader);
        let mut child = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("JPKI_AUTH_PIN")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("`script` (util-linux) is needed for the terminal tests");
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let _ = stdin.write_all(format!("{pin}\n").as_bytes());
        std::thread::sleep(std::time::Duration::from_millis(1500));
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let mut sim = Sim::start(&["--smartphone"]);
    let o = typed(&sim, AUTH_PIN);
    let screen = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{screen}");
    assert!(screen.contains("Enter the auth PIN") && screen.contains("BEGIN CERTIFICATE"), "{screen}");
    assert!(!screen.contains(AUTH_PIN), "the PIN was echoed: {screen}");
    assert_eq!(verifies_with_data(&sim.apdus_since(0)).len(), 1);
    // The plastic card: no prompt, the certificate at once.
    sim.restart(&[]);
    let before = sim.apdu_count();
    let o = typed(&sim, AUTH_PIN);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("Enter the auth PIN"), "{}", stdout(&o));
    assert_eq!(pins_sent(&sim, before), 0, "a PIN was sent to the card");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_smartphone_signs_a_pdf_with_either_key() {
    pcscd_test!();
    let dir = tempfile::tempdir().unwrap();
    // Ghostscript writes the PDF, as for tests/pdf.rs.
    std::fs::write(dir.path().join("in.ps"), "%!PS\n72 700 moveto showpage\n").unwrap();
    let made = std::process::Command::new("ps2pdf").args(["in.ps", "in.pdf"]).current_dir(dir.path()).status();
    assert!(made.is_ok_and(|s| s.success()), "ps2pdf (ghostscript) is needed for the PDF tests");
    let input = dir.path().join("in.pdf");
    let sim = Sim::start(&["--smartphone=ios"]);
    for (key, pin) in [("auth", AUTH_PIN), ("sign", SIGN_PIN)] {
        let output = dir.path().join(format!("{key}.pdf"));
        let args = ["pdf", "sign", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "--key", key];
        let o = run(&mut sim.with_pin(pin, &args));
        assert_code(&o, 0);
        let o = run(jpki().args(["pdf", "verify", output.to_str().unwrap()]));
        assert_code(&o, 0);
    }
    sim.assert_counters_full("pdf sign on a smartphone");
}

/// A blocked password, or one at its last try, on a phone: the way out is
/// the phone's app, never the card's kiosk or the office, in status, in the
/// error and in both languages; a blocked PIN is still never sent.
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_blocked_password_on_a_smartphone_is_reset_in_its_app() {
    pcscd_test!();
    let sim = Sim::start(&["--smartphone", "--set-tries", "auth=0", "--set-tries", "sign=1"]);
    let app = serde_json::json!({"way": "smartphone_app"});
    let o = run(sim.jpki().args(["--json", "status"]));
    assert_code(&o, 0);
    for pin in json(&o)["pins"].as_array().unwrap().iter().filter(|p| p["pin"] != "cardinfo") {
        assert_eq!(pin["unlock"], app, "{pin}");
    }
    let before = sim.apdu_count();
    let o = run(&mut sim.with_pin(AUTH_PIN, &["--json", "verify", "auth"]));
    assert_code(&o, 5);
    assert_eq!(json(&o)["error"]["unlock"], app, "{}", stdout(&o));
    assert_eq!(pins_sent(&sim, before), 0);
    for (lang, app, not) in [("en", "マイナポータル app", "kiosk"), ("ja", "マイナポータルアプリ", "コンビニ")]
    {
        let o = run(&mut sim.with_pin(SIGN_PIN, &["--lang", lang, "verify", "sign"]));
        assert_code(&o, 5);
        let said = stderr(&o);
        assert!(said.contains(app) && !said.contains(not), "{said}");
    }
    assert_eq!(pins_sent(&sim, before), 0);
}

/// No source gives the smartphone certificate's maxima: jpki states none,
/// whatever the phone allows (here 5 and 10, where the card's are 3 and 5).
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_smartphone_counter_is_shown_without_the_cards_maximum() {
    pcscd_test!();
    let sim = Sim::start(&["--smartphone", "--set-max", "auth=5", "--set-max", "sign=10", "--set-tries", "auth=2"]);
    let doc = json(&run(sim.jpki().args(["--json", "status"])));
    for pin in doc["pins"].as_array().unwrap() {
        assert!(pin["max_tries"].is_null(), "{pin}");
    }
    assert_eq!(doc["pins"][0]["tries_left"], 2);
    for args in [&["status"][..], &["doctor"][..]] {
        let text = stdout(&run(sim.jpki().args(args)));
        assert!(!text.contains("of 3") && !text.contains("of 5"), "{args:?}: {text}");
        assert!(text.contains("2 tries left"), "{args:?}: {text}");
    }
}
