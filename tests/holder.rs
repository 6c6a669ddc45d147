//! Everything the holder owns: all counters, PIN change, card-info data, and
//! a card without a signing certificate. Through pcscd against jpki-sim.

mod common;

use std::process::Command;

use common::*;

fn with_pins(sim: &Sim, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = sim.jpki();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    cmd
}

fn states(doc: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    doc["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["pin"].as_str().unwrap().to_string(), p["state"].as_str().unwrap().to_string(), p["tries_left"].as_u64())
        })
        .collect()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_reports_every_counter_and_survives_blocked_ones() {
    pcscd_test!();
    for sw in ["63C0", "6983", "6984"] {
        let sim = Sim::start_blocked(sw, &["cardinfo=0", "sign=2", "visual-b=0", "cardinfo-a=7"]);
        let o = run(sim.jpki().args(["--json", "status", "--all"]));
        assert_code(&o, 0);
        let got = states(&json(&o));
        let expected = [
            ("auth", "ok", Some(3)),
            ("sign", "ok", Some(2)),
            ("cardinfo", "blocked", Some(0)),
            ("cardinfo-a", "ok", Some(7)),
            ("cardinfo-b", "ok", Some(10)),
            ("visual-a", "ok", Some(3)),
            ("visual-b", "blocked", Some(0)),
        ];
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for ((name, state, tries), (en, es, et)) in got.iter().zip(expected) {
            assert_eq!((name.as_str(), state.as_str(), *tries), (en, es, et), "{sw}");
        }
        // Seven counters by short EF identifier, plus the certificate-availability
        // file and the token label: 14 APDUs. The card-info PIN's "blocked" comes before anything has
        // proven the short form on that applet, so SELECT + query confirm it (2
        // more), and its other two counters go by SELECT + query too (2 more);
        // visual-b's comes after visual-a's count proved it, so it stands.
        assert_eq!(sim.apdu_count(), 18, "{sw}: {:?}", sim.log_lines());
        assert_eq!(json(&o)["sign_certificate_issued"], true);
        assert_eq!(sim.tries_left("cardinfo-a"), 7);
        // The same answers without the short form.
        let before = sim.apdu_count();
        let o = run(sim.jpki().args(["--json", "status", "--all", "--no-sfi"]));
        assert_eq!(states(&json(&o)), got);
        assert!(sim.apdu_count() - before <= 21, "{:?}", sim.apdus_since(before));
        // Plain `status` keeps the holder's three PINs; `--jpki-only` the first two.
        let o = run(sim.jpki().args(["--json", "status"]));
        assert_eq!(states(&json(&o)), got[..3]);
        let o = run(sim.jpki().args(["--json", "status", "--jpki-only"]));
        assert_eq!(states(&json(&o)), got[..2]);

        // A blocked card-info PIN is never tried.
        let before = sim.apdu_count();
        let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)], &["card-info"]));
        assert_code(&o, 5);
        assert!(verifies_with_data(&sim.apdus_since(before)).is_empty(), "{:?}", sim.apdus_since(before));

        // The other five blocked, the first two included (the short-form detection runs on a 63C0).
        let sim = Sim::start_blocked(sw, &["auth=0", "sign=0", "cardinfo-a=0", "cardinfo-b=0", "visual-a=0"]);
        for sfi in [&[][..], &["--no-sfi"]] {
            let o = run(sim.jpki().args([&["--json", "status", "--all"][..], sfi].concat()));
            assert_code(&o, 0);
            let blocked: Vec<String> = states(&json(&o))
                .into_iter()
                .filter(|(_, s, t)| s == "blocked" && *t == Some(0))
                .map(|(n, _, _)| n)
                .collect();
            assert_eq!(blocked, ["auth", "sign", "cardinfo-a", "cardinfo-b", "visual-a"], "{sw} {sfi:?}");
            let o = run(sim.jpki().args([&["status", "--all"][..], sfi].concat()));
            assert_code(&o, 0);
            assert_eq!(stdout(&o).matches("BLOCKED").count(), 5, "{}", stdout(&o));
            let o = run(sim.jpki().args([&["status", "--jpki-only"][..], sfi].concat()));
            assert_eq!(stdout(&o).matches("BLOCKED").count(), 2, "{}", stdout(&o));
        }
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_with_every_counter_blocked() {
    pcscd_test!();
    for sw in ["63C0", "6983", "6984"] {
        // The worst case for the short form: the first "blocked" on each applet
        // is confirmed by SELECT + query and proves nothing, so the rest of the
        // applet goes by SELECT + query too: 3 applet SELECTs, EF 0008 (2), 3
        // refused short queries, 7 × (SELECT + query) = 22.
        // The library's names for the seven counters are also jpki-sim's `--set-tries` names.
        let zero: Vec<String> = jpki::card::Counter::ALL.iter().map(|c| format!("{}=0", c.name)).collect();
        let sim = Sim::start_blocked(sw, &zero.iter().map(String::as_str).collect::<Vec<_>>());
        let o = run(sim.jpki().args(["--json", "status", "--all"]));
        assert_code(&o, 0);
        assert!(
            states(&json(&o)).iter().all(|(_, s, t)| s == "blocked" && *t == Some(0)),
            "{sw}: {:?}",
            states(&json(&o))
        );
        assert_eq!(sim.apdu_count(), 24, "{sw}: {:?}", sim.log_lines());
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_on_a_card_that_refuses_the_short_form() {
    pcscd_test!();
    let sim = Sim::start(&["--sfi", "off", "--set-tries", "visual-a=1"]);
    let o = run(sim.jpki().args(["--json", "status", "--all"]));
    assert_code(&o, 0);
    let got = states(&json(&o));
    assert_eq!(got.len(), 7);
    assert_eq!(got[5], ("visual-a".to_string(), "ok".to_string(), Some(1)));
    assert!(got.iter().all(|(_, s, _)| s == "ok"), "{got:?}");
    // EF 0008 and the token, one refused short query, then the SELECT form for all seven.
    assert!(sim.apdu_count() <= 22, "{:?}", sim.log_lines());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pin_change_for_each_pin_then_new_works_and_old_is_refused() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    for (which, env, old, new, verify_new) in [
        ("auth", "JPKI_AUTH_PIN", "1234", "8642", false),
        ("sign", "JPKI_SIGN_PIN", "ABC123", "NEWPASS99", false),
        ("cardinfo", "JPKI_CARDINFO_PIN", "1234", "1357", true),
    ] {
        let before = sim.apdu_count();
        let args = [&["--json", "pin", "change", which][..], if verify_new { &["--verify-new"] } else { &[] }].concat();
        let o = run(&mut with_pins(&sim, &[(env, old), ("JPKI_NEW_PIN", new)], &args));
        assert_code(&o, 0);
        assert_eq!(json(&o)["changed"], true);
        assert_eq!(json(&o)["new_pin_verified"], verify_new);
        // §15.8's four plus the guard's query; --verify-new adds a query and a VERIFY.
        let budget = if verify_new { 7 } else { 5 };
        assert!(sim.apdu_count() - before <= budget, "{:?}", sim.apdus_since(before));
        assert_eq!(sim.pins()["pins"][which]["value"], new);
        let max = sim.pins()["pins"][which]["max"].as_u64().unwrap();

        let o = run(&mut with_pins(&sim, &[(env, new)], &["verify", which]));
        assert_code(&o, 0);
        let o = run(&mut with_pins(&sim, &[(env, old)], &["verify", which]));
        assert_code(&o, 4);
        assert_eq!(sim.tries_left(which), max - 1);
        let o = run(&mut with_pins(&sim, &[(env, new)], &["verify", which]));
        assert_code(&o, 0);
        assert_eq!(sim.tries_left(which), max);
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn traces_tell_neither_a_pin_nor_its_length() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    // VERIFY of the 6-character signing password; CHANGE REFERENCE DATA of
    // the auth PIN (after its VERIFY) to a new one and back.
    let mut cases = 0;
    let mut traced = |env: &[(&str, &str)], args: &[&str], expected: &str| {
        cases += 1;
        let o = run(&mut with_pins(&sim, env, args));
        assert_code(&o, 0);
        let trace = stderr(&o);
        assert!(trace.contains(expected), "{trace}");
        // No Lc after a secret command's header, in the trace or the card's log.
        let log = sim.log_lines().join("\n");
        for text in [&trace, &log] {
            for leak in ["0020008004", "0020008006", "0024018004", "414243313233", "31323334", "38363432"] {
                assert!(!text.contains(leak), "{leak} in {text}");
            }
        }
    };
    traced(&[("JPKI_SIGN_PIN", SIGN_PIN)], &["-v", "verify", "sign"], "00200080[secret]");
    let change = ["-v", "pin", "change", "auth"];
    traced(&[("JPKI_AUTH_PIN", AUTH_PIN), ("JPKI_NEW_PIN", "8642")], &change, "00240180[secret]");
    traced(&[("JPKI_AUTH_PIN", "8642"), ("JPKI_NEW_PIN", AUTH_PIN)], &change, "00200080[secret]");
    println!("CASES traces of secret commands: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pin_change_wrong_old_pin_costs_one_try_and_bad_new_pins_cost_nothing() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    for (which, env, wrong, right, new) in [
        ("auth", "JPKI_AUTH_PIN", "0000", "1234", "2468"),
        ("sign", "JPKI_SIGN_PIN", "WRONG1", "ABC123", "NEW456"),
        ("cardinfo", "JPKI_CARDINFO_PIN", "0000", "1234", "2468"),
    ] {
        let max = sim.tries_left(which);
        let o = run(&mut with_pins(&sim, &[(env, wrong), ("JPKI_NEW_PIN", new)], &["pin", "change", which]));
        assert_code(&o, 4);
        assert_eq!(sim.tries_left(which), max - 1, "{which}");
        assert_eq!(sim.pins()["pins"][which]["value"], right);
    }

    let before = sim.apdu_count();
    for (which, env, old, new) in [
        ("auth", "JPKI_AUTH_PIN", "1234", "12345"),
        ("sign", "JPKI_SIGN_PIN", "ABC123", "ABCDEF"),
        ("sign", "JPKI_SIGN_PIN", "ABC123", "abc-123"),
        ("cardinfo", "JPKI_CARDINFO_PIN", "1234", "12a4"),
        ("auth", "JPKI_AUTH_PIN", "1234", "1234"),
    ] {
        let o = run(&mut with_pins(&sim, &[(env, old), ("JPKI_NEW_PIN", new)], &["pin", "change", which]));
        assert_code(&o, 2);
    }
    let o = run(&mut with_pins(&sim, &[("JPKI_AUTH_PIN", AUTH_PIN)], &["pin", "change", "auth"]));
    assert_code(&o, 2);
    assert_eq!(sim.apdu_count(), before);
    let o = run(sim.jpki().args(["pin", "change", "--help"]));
    let help = stdout(&o);
    assert!(help.contains("municipal office") && help.contains("「JPKI暗証番号リセット」"), "{help}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_info_reads_my_number_masked_by_default() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sim.state_file("card.json")).unwrap()).unwrap();
    let number = card["my_number"].as_str().expect("card.json has my_number").to_string();
    let env = [("JPKI_CARDINFO_PIN", CARDINFO_PIN)];

    let o = run(&mut with_pins(&sim, &env, &["card-info"]));
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(!text.contains(&number), "My Number leaked: {text}");
    assert!(text.contains(&format!("********{}", &number[8..])), "{text}");
    assert!(text.contains("山田"), "{text}");

    let o = run(&mut with_pins(&sim, &env, &["--json", "card-info"]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert!(!stdout(&o).contains(&number));
    assert_eq!(doc["my_number_masked"], true);
    assert_eq!(doc["attributes"]["birth_date"], "19800217");
    assert_eq!(doc["attributes"]["sex"], "1");
    assert!(doc["attributes"]["address"].as_str().unwrap().starts_with("東京都"));

    let o = run(&mut with_pins(&sim, &env, &["-v", "--json", "card-info", "--show-my-number"]));
    assert_code(&o, 0);
    assert_eq!(json(&o)["my_number"], number.as_str());
    // The trace never shows the PIN or the number.
    assert!(!stderr(&o).contains(&number) && !stderr(&o).contains("31323334"), "{}", stderr(&o));

    // My Number alone at the floor of §15.9 plus the guard's query.
    let before = sim.apdu_count();
    let o = run(&mut with_pins(&sim, &env, &["card-info", "--my-number-only"]));
    assert_code(&o, 0);
    assert!(sim.apdu_count() - before <= 6, "{:?}", sim.apdus_since(before));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_info_reads_long_attributes_with_and_without_extended_length() {
    pcscd_test!();
    // A 405-byte address: the attributes object needs a two-byte length and
    // more than one 256-byte READ BINARY without extended length; with it,
    // one READ.
    let address = "北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎".repeat(5);
    let holder = format!("address={address}");
    for extended in ["on", "off"] {
        let sim = Sim::start(&[
            "--extended-length",
            extended,
            "--holder",
            &holder,
            "--holder",
            "name=佐藤　花子",
            "--holder",
            "birth-date=20011231",
            "--holder",
            "sex=2",
            "--holder",
            "my-number=123456789018",
        ]);
        let o = run(&mut with_pins(
            &sim,
            &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)],
            &["--json", "card-info", "--show-my-number"],
        ));
        assert_code(&o, 0);
        let doc = json(&o);
        assert_eq!(doc["attributes"]["address"], address.as_str(), "{extended}");
        assert_eq!(doc["attributes"]["name"], "佐藤　花子");
        assert_eq!(doc["attributes"]["birth_date"], "20011231");
        assert_eq!(doc["attributes"]["sex"], "2");
        assert_eq!(doc["my_number"], "123456789018");
        // TXT, SEL(0011), Q, V, SEL(0001), READ, SEL(0002), then one extended
        // READ, or two 256-byte ones (the object is over 405 bytes).
        let reads_of_0002 = if extended == "on" { 1 } else { 2 };
        assert_eq!(sim.apdu_count(), 7 + reads_of_0002, "{extended}: {:?}", sim.log_lines());
    }
    // Bad holder data is refused by the simulator itself.
    let o = run(std::process::Command::new(sim_bin())
        .args(["--init-only", "--holder", "sex=3"])
        .stdin(std::process::Stdio::null()));
    assert!(!o.status.success() && stderr(&o).contains("--holder"), "{}", stderr(&o));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_data_cannot_drive_the_terminal() {
    pcscd_test!();
    // A hostile card's name field: a title change, a bell, a clear screen, a carriage return.
    let name = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\rX";
    let sim = Sim::start(&["--holder", &format!("name={name}")]);
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)], &["card-info"]));
    assert_code(&o, 0);
    assert!(!o.stdout.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'), "{:?}", stdout(&o));
    assert!(stdout(&o).contains("Evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}X"), "{}", stdout(&o));
    // JSON carries the value as it is (escaped by JSON itself).
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)], &["--json", "card-info"]));
    assert_eq!(json(&o)["attributes"]["name"], name);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_data_cannot_forge_an_output_line() {
    pcscd_test!();
    // Line breaks of every kind in the name and the address, each followed by a fake line.
    let fake = "My Number (個人番号):   999999999999";
    let breaks = ["\n", "\r\n", "\u{2028}", "\u{2029}", "\u{85}", "\u{b}"];
    let name = format!("Evil{}{fake}", breaks[0]);
    let address: String =
        std::iter::once("東京都".to_string()).chain(breaks[1..].iter().map(|b| format!("{b}{fake}"))).collect();
    let sim = Sim::start(&["--holder", &format!("name={name}"), "--holder", &format!("address={address}")]);
    let env = [("JPKI_CARDINFO_PIN", CARDINFO_PIN)];
    let o = run(&mut with_pins(&sim, &env, &["card-info"]));
    assert_code(&o, 0);
    let text = stdout(&o);
    // Four fields and My Number, on five lines; the only "My Number" line is the real one.
    assert_eq!(text.lines().count(), 5, "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("My Number")).count(), 1, "{text}");
    assert!(!text.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}']), "{text:?}");
    assert!(text.contains("Evil\\u{a}My Number"), "{text}");
    // JSON keeps the values as they are.
    let o = run(&mut with_pins(&sim, &env, &["--json", "card-info"]));
    assert_eq!(json(&o)["attributes"]["name"], name.as_str());
    assert_eq!(json(&o)["attributes"]["address"], address.as_str());
    println!("CASES line breaks in card data: {}", breaks.len());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_info_wrong_and_last_try() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", "9999")], &["card-info"]));
    assert_code(&o, 4);
    assert!(!stderr(&o).contains("9999"));
    assert_eq!(sim.tries_left("cardinfo"), 2);
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", "9999")], &["card-info"]));
    assert_code(&o, 4);
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)], &["card-info"]));
    assert_code(&o, 5);
    assert_eq!(sim.tries_left("cardinfo"), 1);
    let o = run(&mut with_pins(&sim, &[("JPKI_CARDINFO_PIN", CARDINFO_PIN)], &["card-info", "--force"]));
    assert_code(&o, 0);
    assert_eq!(sim.tries_left("cardinfo"), 3);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_cut_short_certificate_availability_file_is_a_card_error() {
    pcscd_test!();
    let mut cases = 0;
    // EF 0008 shorter than its 3 bytes: exit 6 from every command that reads it,
    // never exit 0 with "unknown".
    for flags in ["", "8F", "8F8F"] {
        let sim = Sim::start(&["--cert-flags", flags]);
        for args in [&["--json", "status"][..], &["--json", "status", "--jpki-only", "--certs"]] {
            let o = run(&mut with_pins(&sim, &[], args));
            assert_code(&o, 6);
            assert_eq!(json(&o)["error"]["kind"], "card_error", "{flags:?} {args:?}");
            assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
            cases += 1;
        }
    }
    // Three bytes of an unknown value: "unknown" (null), as documented.
    let sim = Sim::start(&["--cert-flags", "018F00"]);
    let o = run(&mut with_pins(&sim, &[], &["--json", "status", "--jpki-only"]));
    assert_code(&o, 0);
    assert!(json(&o)["sign_certificate_issued"].is_null());
    cases += 1;
    println!("CASES cut-short or odd EF 0008: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_certs_keeps_the_counters_when_the_signing_certificate_cannot_be_read() {
    pcscd_test!();
    let args = ["--json", "status", "--certs", "--sign-cert"];
    for (tries, code, not_read) in [("0", 0, Some("pin_blocked")), ("1", 0, Some("last_try_refused"))] {
        let sim = Sim::start(&["--set-tries", &format!("sign={tries}")]);
        let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &args));
        assert_code(&o, code);
        let doc = json(&o);
        assert_eq!(doc["certificates"]["sign_not_read"].as_str(), not_read, "{doc}");
        assert_eq!(states(&doc)[1].2, Some(tries.parse().unwrap()));
        assert!(doc["certificates"]["auth_not_after"].is_string());
        assert_eq!(sim.tries_left("sign"), tries.parse::<u64>().unwrap());
    }
    // A wrong password spent a try: never exit 0.
    let sim = Sim::start(&[]);
    let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", "WRONG1")], &args));
    assert_code(&o, 4);
    assert_eq!(sim.tries_left("sign"), 4);
    let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &args));
    assert_code(&o, 0);
    assert!(json(&o)["certificates"]["sign_not_after"].is_string());
    // The correct password reset the counter: the count shown is the new one.
    assert_eq!(sim.tries_left("sign"), 5);
    assert_eq!(states(&json(&o))[1], ("sign".to_string(), "ok".to_string(), Some(5)));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_without_signing_certificate() {
    pcscd_test!();
    // How a real card's signing-password file answers when no certificate was
    // issued is not documented: every command must be right under each model.
    for model in ["usable", "unusable", "absent"] {
        let sim = Sim::start(&["--no-sign-cert", "--unissued-sign-pin", model]);
        let o = run(sim.jpki().args(["status"]));
        assert_code(&o, 0);
        // An odd signing-password file does not cost the short form for the
        // other counters: 9 APDUs, plus the SELECT that finds its file missing.
        let expected = if model == "absent" { 10 } else { 9 };
        assert_eq!(sim.apdu_count(), expected, "{model}: {:?}", sim.log_lines());
        assert!(stdout(&o).contains("NOT ISSUED"), "{model}: {}", stdout(&o));
        assert!(!stdout(&o).contains("BLOCKED"), "{model}: {}", stdout(&o));
        let o = run(sim.jpki().args(["--json", "status"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["sign_certificate_issued"], false, "{model}");
        let sign_state = json(&o)["pins"][1]["state"].as_str().unwrap().to_string();
        assert_eq!(sign_state, if model == "usable" { "ok" } else { "not_issued" }, "{model}");
        let o = run(sim.jpki().args(["--json", "status", "--certs"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["certificates"]["sign_certificate_issued"], false);
        let o =
            run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &["--json", "status", "--certs", "--sign-cert"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["certificates"]["sign_not_read"], "sign_cert_not_issued");
        let o = run(sim.jpki().args(["--json", "status", "--jpki-only"]));
        assert_code(&o, 0);
        assert_eq!(json(&o)["sign_certificate_issued"], false);
        assert_eq!(json(&o)["pins"].as_array().unwrap().len(), 2);

        let before = sim.apdu_count();
        let sign_pin = [("JPKI_SIGN_PIN", SIGN_PIN)];
        let digest = "00".repeat(32);
        let document = pin_file(sim.state.path(), "document.txt", b"a document");
        let (document, cms_out) = (document.to_str().unwrap(), sim.state_file("out.p7s"));
        for args in [
            &["cert", "sign"][..],
            &["sign", "--key", "sign", "--digest", &digest],
            &["sign", "--key", "sign", "--cms", "-o", cms_out.to_str().unwrap(), document],
        ] {
            let o = run(&mut with_pins(&sim, &sign_pin, &[&["--json"], args].concat()));
            assert_code(&o, 7);
            assert_eq!(json(&o)["error"]["kind"], "sign_cert_not_issued", "{model} {args:?}");
            assert!(stderr(&o).contains("not issued"), "{model} {args:?}: {}", stderr(&o));
        }
        if model != "usable" {
            // The password is not in use: nothing may be sent to it.
            for args in [&["verify", "sign"][..], &["pin", "change", "sign"]] {
                let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", "WRONG1"), ("JPKI_NEW_PIN", "NEW123")], args));
                assert_code(&o, 7);
                assert!(stderr(&o).contains("not issued"), "{model} {args:?}: {}", stderr(&o));
            }
            assert_eq!(verifies_with_data(&sim.apdus_since(before)).len(), 0, "{model}: {:?}", sim.apdus_since(before));
        }
        // A password that is there can be wrong: the try is spent, and the
        // message still says what matters.
        let o = run(&mut with_pins(
            &sim,
            &[("JPKI_SIGN_PIN", "WRONG1")],
            &["--json", "sign", "--key", "sign", "--digest", &digest],
        ));
        assert_code(&o, 7);
        let spent = if model == "usable" {
            assert_eq!(json(&o)["error"]["tries_left"], 4, "{}", stdout(&o));
            assert!(stderr(&o).contains("also wrong"), "{}", stderr(&o));
            1
        } else {
            0
        };
        assert_eq!(sim.tries_left("sign"), 5 - spent, "{model}");
        // The auth side works as usual.
        let o =
            run(&mut with_pins(&sim, &[("JPKI_AUTH_PIN", AUTH_PIN)], &["sign", "--key", "auth", "--digest", &digest]));
        assert_code(&o, 0);
        let o = run(sim.jpki().args(["cert", "auth", "--der"]));
        assert_code(&o, 0);
    }
    // With one try left and no consent, the answer is "not issued", not "use --force".
    // (A sim of its own, started after the loop's has stopped: a test holds one slot at a time.)
    let sim = Sim::start(&["--no-sign-cert", "--set-tries", "sign=1"]);
    let digest = "00".repeat(32);
    let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &["sign", "--key", "sign", "--digest", &digest]));
    assert_code(&o, 7);
    assert!(!stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(sim.tries_left("sign"), 1);
}

/// A correct signing password on a card whose signing certificate file is
/// empty or erased (all FF): "no signing certificate" (exit 7) on every path,
/// whether EF 0008 says "not issued" too or still says "issued".
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn an_empty_or_erased_signing_certificate_file_means_not_issued() {
    pcscd_test!();
    let mut cases = 0;
    for sim_args in [
        &["--no-sign-cert", "--sign-cert-file", "ff"][..],
        &["--no-sign-cert", "--sign-cert-file", "empty"],
        &["--sign-cert-file", "ff"],
        &["--sign-cert-file", "empty"],
    ] {
        let sim = Sim::start(sim_args);
        let dir = sim.state.path();
        let digest = "00".repeat(32);
        let document = pin_file(dir, "document.txt", b"a document");
        let signature = pin_file(dir, "document.sig", &[0u8; 256]);
        let cms_out = sim.state_file("out.p7s");
        let (document, signature, cms_out) =
            (document.to_str().unwrap(), signature.to_str().unwrap(), cms_out.to_str().unwrap());
        for args in [
            &["cert", "sign"][..],
            &["cert", "sign", "--details"],
            &["sign", "--key", "sign", "--digest", &digest],
            &["sign", "--key", "sign", "--cms", "-o", cms_out, document],
            &["sign", "--key", "sign", "--batch", "files"],
            &["check", "--card-cert", "sign", "--signature", signature, document],
        ] {
            let mut cmd = with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &[&["--json"], args].concat());
            if args.contains(&"--batch") {
                cmd.stdin(std::fs::File::open(pin_file(dir, "list.txt", format!("{document}\n").as_bytes())).unwrap());
            }
            let o = run(&mut cmd);
            let ctx = format!("{sim_args:?} {args:?}");
            assert_code(&o, 7);
            let docs: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            assert_eq!(docs.last().unwrap()["error"]["kind"], "sign_cert_not_issued", "{ctx}: {}", stdout(&o));
            assert!(stderr(&o).contains("not issued"), "{ctx}: {}", stderr(&o));
            assert!(!std::path::Path::new(cms_out).exists(), "{ctx}");
            assert_eq!(sim.tries_left("sign"), 5, "{ctx}");
            cases += 1;
        }
        // `status` reports it as for the other cards without one: exit 0, date not read.
        let args = ["--json", "status", "--certs", "--sign-cert"];
        let o = run(&mut with_pins(&sim, &[("JPKI_SIGN_PIN", SIGN_PIN)], &args));
        assert_code(&o, 0);
        assert_eq!(json(&o)["certificates"]["sign_not_read"], "sign_cert_not_issued", "{sim_args:?}");
        cases += 1;
    }
    println!("CASES empty or erased signing certificate file: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_card_without_the_card_info_or_visual_applet() {
    pcscd_test!();
    for (lacking, absent) in [
        (&["visual"][..], &["visual-a", "visual-b"][..]),
        (&["cardinfo"], &["cardinfo", "cardinfo-a", "cardinfo-b"]),
        (&["cardinfo", "visual"], &["cardinfo", "cardinfo-a", "cardinfo-b", "visual-a", "visual-b"]),
    ] {
        let mut args = vec![];
        for applet in lacking {
            args.extend(["--without-applet", applet]);
        }
        let sim = Sim::start(&args);
        let o = run(sim.jpki().args(["--json", "status", "--all"]));
        assert_code(&o, 0);
        let got = states(&json(&o));
        assert_eq!(got.len(), 7, "{lacking:?}");
        let shown_absent: Vec<&str> =
            got.iter().filter(|(_, s, _)| s == "absent").map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(shown_absent, absent, "{lacking:?}");
        assert!(got.iter().all(|(n, s, _)| absent.contains(&n.as_str()) || s == "ok"), "{got:?}");
        // A refused applet is asked for once: 14 APDUs, less the queries of the missing counters.
        assert_eq!(sim.apdu_count(), 14 - absent.len(), "{lacking:?}: {:?}", sim.log_lines());
        let text = stdout(&run(sim.jpki().args(["status", "--all"])));
        assert_eq!(text.matches("not present on this device").count(), absent.len(), "{text}");

        let cardinfo_pin = [("JPKI_CARDINFO_PIN", CARDINFO_PIN)];
        let new_pin = [("JPKI_CARDINFO_PIN", CARDINFO_PIN), ("JPKI_NEW_PIN", "4321")];
        type Env<'a> = &'a [(&'a str, &'a str)];
        let commands: [(Env, &[&str]); 4] = [
            (&cardinfo_pin, &["--json", "card-info"]),
            (&cardinfo_pin, &["--json", "card-info", "--my-number-only"]),
            (&cardinfo_pin, &["--json", "verify", "cardinfo"]),
            (&new_pin, &["--json", "pin", "change", "cardinfo"]),
        ];
        for (env, cmd) in commands {
            let before = sim.apdu_count();
            let o = run(&mut with_pins(&sim, env, cmd));
            if lacking.contains(&"cardinfo") {
                assert_code(&o, 3);
                assert_eq!(json(&o)["error"]["kind"], "applet_missing", "{cmd:?}");
                let text = stderr(&run(&mut with_pins(&sim, env, &cmd[1..])));
                assert!(text.contains("card-info applet") && !text.contains("JPKI applet"), "{cmd:?}: {text}");
                assert_eq!(text.lines().count(), 1, "{text}");
                assert_eq!(verifies_with_data(&sim.apdus_since(before)).len(), 0, "{cmd:?}");
            } else {
                assert_code(&o, 0);
            }
        }
        // The JPKI applet is not affected.
        let o = run(&mut with_pins(&sim, &[("JPKI_AUTH_PIN", AUTH_PIN)], &["verify", "auth"]));
        assert_code(&o, 0);
    }
}
