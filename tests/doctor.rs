//! `jpki doctor` in every state that matters, through pcscd against jpki-sim:
//! each asserted for its verdicts, exit code, JSON and the APDUs it sent.

mod common;

use std::process::{Command, Output};

use common::*;
use serde_json::Value;

/// One `jpki doctor` run: its output, its JSON (with `--json`), the APDUs it sent.
struct Run {
    out: Output,
    doc: Value,
    apdus: Vec<jpki::sim::log::LoggedApdu>,
}

fn doctor(sim: &Sim, cmd: &mut Command) -> Run {
    let before = sim.apdu_count();
    let out = run(cmd);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run { out, doc, apdus: sim.apdus_since(before) }
}

/// The APDUs `status --certs` sends to this card now: the most doctor may
/// send without a PIN.
fn status_certs(sim: &Sim) -> usize {
    let before = sim.apdu_count();
    assert_code(&run(sim.jpki().args(["status", "--certs"])), 0);
    sim.apdu_count() - before
}

/// `jpki --json doctor ARGS` at this card.
fn json_doctor(sim: &Sim, args: &[&str]) -> Run {
    doctor(sim, sim.jpki().args(["--json", "doctor"]).args(args))
}

impl Run {
    fn kinds(&self) -> Vec<&str> {
        self.doc["checks"].as_array().expect("checks").iter().map(|c| c["kind"].as_str().unwrap()).collect()
    }

    /// The check of this step (and pin or certificate, when given).
    #[track_caller]
    fn check(&self, step: &str, which: Option<&str>) -> &Value {
        self.doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["step"] == step
                    && which.is_none_or(|w| c["pin"].as_str() == Some(w) || c["certificate"].as_str() == Some(w))
            })
            .unwrap_or_else(|| panic!("no {step} {which:?} check in {}", self.doc))
    }

    #[track_caller]
    fn verdict(&self, purpose: &str) -> &str {
        let v = self.doc["verdicts"].as_array().unwrap().iter().find(|v| v["purpose"] == purpose);
        v.unwrap_or_else(|| panic!("no verdict for {purpose} in {}", self.doc))["status"].as_str().unwrap()
    }

    /// The exit code, in JSON too; a failure has its one stderr line, success none.
    #[track_caller]
    fn exit(&self, code: i32) {
        assert_code(&self.out, code);
        let err = stderr(&self.out);
        assert_eq!(err.lines().count(), usize::from(code != 0), "stderr: {err}");
        assert_eq!(self.doc["exit_code"], code, "{}", self.doc);
        assert_eq!(self.doc["ok"], code == 0, "{}", self.doc);
        assert_eq!(self.doc["command"], "doctor");
    }

    /// The APDUs, one a line, for failure messages.
    fn listing(&self) -> String {
        self.apdus.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    }

    fn verifies(&self) -> usize {
        verifies_with_data(&self.apdus).len()
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_fresh_card_is_ready_for_everything_within_the_apdus_of_status_certs() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let status_certs = status_certs(&sim);
    // status (9: EF 0008 and the token, the holder's three counters) + AP, SEL(000A), READ.
    assert_eq!(status_certs, 12, "status --certs");
    let r = json_doctor(&sim, &[]);
    r.exit(0);
    assert_eq!(
        r.kinds(),
        [
            "service_running",
            "reader_found",
            "my_number_card",
            "tries_left",
            "tries_left",
            "tries_left",
            "certificate_valid",
            "certificate_issued"
        ]
    );
    for purpose in ["etax", "myna-portal", "houmukyoku", "login", "signing"] {
        assert_eq!(r.verdict(purpose), "ok", "{purpose}");
    }
    assert_eq!(r.check("card", None)["reader"], sim.reader.as_str());
    assert_eq!(r.check("card", None)["card_info_applet"], true);
    assert_eq!(r.check("counter", Some("auth"))["tries_left"], 3);
    assert!(r.check("certificate", Some("auth"))["days_left"].as_i64().unwrap() > 90);
    assert!(r.apdus.len() <= status_certs, "doctor sent {} APDUs:\n{}", r.apdus.len(), r.listing());
    assert_eq!(r.verifies(), 0);
    sim.assert_counters_full("doctor");
    // The text says the same, one line per check and per purpose.
    let text = doctor(&sim, sim.jpki().arg("doctor"));
    assert_code(&text.out, 0);
    let out = stdout(&text.out);
    assert_eq!(out.lines().filter(|l| l.starts_with("[ok]")).count(), 8 + 5, "{out}");
    assert!(out.contains("add --verify both"), "{out}");
    // English words for the applets, and the word `status` uses for a certificate.
    assert!(out.contains("(JPKI applet and card-info applet found)"), "{out}");
    assert!(out.contains("(署名用電子証明書): issued; its expiry is read after"), "{out}");
    assert!(out.contains("(readers connected: 2)") || out.contains("(readers connected: 1)"), "{out}");
    assert!(text.apdus.len() <= status_certs);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn no_pcsc_service_no_matching_reader_and_no_card_stop_before_any_apdu() {
    pcscd_test!();
    let mut slots = SlotLock::all();
    let empty = slots.pop().unwrap();
    let sim = Sim::start_in(slots.pop().unwrap(), 0, &[]);
    // A client pointed at a socket where no pcscd listens, as when it is not running.
    let dir = tempfile::tempdir().unwrap();
    let r =
        doctor(&sim, sim.jpki().env("PCSCLITE_CSOCK_NAME", dir.path().join("none.comm")).args(["--json", "doctor"]));
    r.exit(3);
    let service = r.check("service", None);
    assert!(matches!(service["kind"].as_str(), Some("service_not_running" | "service_not_installed")), "{service}");
    assert_eq!(service["status"], "fail");
    assert!(service["advice"].as_str().unwrap().contains("pcscd"), "{service}");
    assert_eq!(r.kinds().len(), 1, "the walk stops at the service: {}", r.doc);
    assert_eq!(r.verdict("etax"), "fail");
    assert!(r.apdus.is_empty());

    let r = json_doctor(&sim, &["--reader", "no such reader"]);
    r.exit(3);
    let reader = r.check("reader", None);
    assert_eq!((reader["kind"].as_str(), reader["status"].as_str()), (Some("reader_not_found"), Some("fail")));
    assert!(reader["readers"].as_array().unwrap().iter().any(|n| n == sim.reader.as_str()), "{reader}");
    assert!(r.apdus.is_empty());

    let other = slots_name(empty.index);
    let r = doctor(&sim, sim.jpki().env("JPKI_READER", other).args(["--json", "doctor"]));
    r.exit(3);
    assert_eq!(r.kinds(), ["service_running", "reader_found", "no_card"]);
    assert!(r.check("card", None)["advice"].as_str().unwrap().contains("--wait"));
    for purpose in ["etax", "myna-portal", "houmukyoku"] {
        assert_eq!(r.verdict(purpose), "fail");
    }
    assert!(r.apdus.is_empty());
    drop(empty);
}

fn slots_name(index: usize) -> &'static str {
    slots()[index].0
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_card_without_the_jpki_applet_is_not_a_my_number_card() {
    pcscd_test!();
    let sim = Sim::start(&["--without-applet", "jpki"]);
    let r = json_doctor(&sim, &[]);
    r.exit(3);
    assert_eq!(r.kinds(), ["service_running", "reader_found", "not_jpki"]);
    assert!(r.check("card", None)["advice"].as_str().unwrap().contains("My Number Card"));
    assert!(r.check("card", None)["message"].as_str().unwrap().ends_with("(no JPKI applet)"), "{}", r.doc);
    // Its SELECT, once.
    assert_eq!(r.apdus.len(), 1, "{}", r.listing());
    // A My Number Card without the card-info applet is fine for every purpose here.
    let mut sim = sim;
    sim.restart(&["--without-applet", "cardinfo"]);
    let r = json_doctor(&sim, &[]);
    r.exit(0);
    assert_eq!(r.check("card", None)["card_info_applet"], false);
    assert!(!r.doc["checks"].as_array().unwrap().iter().any(|c| c["pin"] == "cardinfo"), "{}", r.doc);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_blocked_counter_fails_only_the_purposes_that_need_it_with_the_way_out() {
    pcscd_test!();
    let mut sim = Sim::start(&["--set-tries", "sign=0"]);
    let r = json_doctor(&sim, &[]);
    r.exit(5);
    let sign = r.check("counter", Some("sign"));
    assert_eq!(
        (sign["kind"].as_str(), sign["status"].as_str(), sign["tries_left"].as_u64()),
        (Some("pin_blocked"), Some("fail"), Some(0))
    );
    // The auth PIN still works: the kiosk reset is open.
    assert_eq!(sign["unlock"], serde_json::json!({"way": "kiosk", "needs": "auth"}));
    assert!(sign["advice"].as_str().unwrap().contains("kiosk"), "{sign}");
    assert_eq!((r.verdict("myna-portal"), r.verdict("login")), ("ok", "ok"));
    assert_eq!((r.verdict("etax"), r.verdict("houmukyoku"), r.verdict("signing")), ("fail", "fail", "fail"));
    assert!(r.apdus.len() <= status_certs(&sim), "{}", r.listing());
    // Named purposes that do not need the password: ready, exit 0, the counter a warning.
    let r = json_doctor(&sim, &["--for", "myna-portal"]);
    r.exit(0);
    assert_eq!(r.check("counter", Some("sign"))["status"], "warn");
    assert_eq!(r.doc["verdicts"].as_array().unwrap().len(), 1);
    // --verify sign does not try a blocked password.
    let r = doctor(&sim, &mut sim.with_pin(SIGN_PIN, &["--json", "doctor", "--verify", "sign"]));
    r.exit(5);
    assert_eq!(r.check("pin", Some("sign"))["kind"], "pin_blocked");
    assert_eq!(r.verifies(), 0, "{}", r.listing());

    sim.restart(&["--set-tries", "auth=0", "--set-tries", "sign=5"]);
    let r = json_doctor(&sim, &[]);
    r.exit(5);
    assert_eq!(r.check("counter", Some("auth"))["kind"], "pin_blocked");
    assert_eq!((r.verdict("myna-portal"), r.verdict("etax"), r.verdict("houmukyoku")), ("fail", "fail", "ok"));

    // The card-info PIN serves none of these purposes: blocked, it is a warning.
    sim.restart(&["--set-tries", "auth=3", "--set-tries", "cardinfo=0"]);
    let r = json_doctor(&sim, &[]);
    r.exit(0);
    let cardinfo = r.check("counter", Some("cardinfo"));
    assert_eq!((cardinfo["kind"].as_str(), cardinfo["status"].as_str()), (Some("pin_blocked"), Some("warn")));
    assert_eq!(cardinfo["unlock"], serde_json::json!({"way": "office", "because": "no_kiosk"}));
    assert!(cardinfo["advice"].as_str().unwrap().contains("municipal office"), "{cardinfo}");

    // Both blocked: only the municipal office.
    sim.restart(&["--set-tries", "auth=0", "--set-tries", "sign=0"]);
    let r = json_doctor(&sim, &[]);
    r.exit(5);
    for (pin, other) in [("auth", "sign"), ("sign", "auth")] {
        let check = r.check("counter", Some(pin));
        assert_eq!(check["unlock"], serde_json::json!({"way": "office", "because": "other_blocked", "other": other}));
        assert!(check["advice"].as_str().unwrap().contains("municipal office"), "{check}");
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_last_try_is_a_warning_and_never_spent_without_consent() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    let r = json_doctor(&sim, &[]);
    r.exit(0);
    let auth = r.check("counter", Some("auth"));
    assert_eq!(
        (auth["kind"].as_str(), auth["status"].as_str(), auth["tries_left"].as_u64()),
        (Some("last_try"), Some("warn"), Some(1))
    );
    assert_eq!(r.verdict("myna-portal"), "warn");
    assert_eq!(r.verdict("houmukyoku"), "ok");
    // No terminal to ask and no --force: not tried.
    let r = doctor(&sim, &mut sim.with_pin(AUTH_PIN, &["--json", "doctor", "--verify", "auth"]));
    r.exit(5);
    assert_eq!(r.check("pin", Some("auth"))["kind"], "last_try_refused");
    assert_eq!(r.verifies(), 0);
    assert_eq!(sim.tries_left("auth"), 1);
    // With --force the right PIN is tried once and resets the counter.
    let r = doctor(&sim, &mut sim.with_pin(AUTH_PIN, &["--json", "doctor", "--verify", "auth", "--force"]));
    r.exit(0);
    assert_eq!(r.check("pin", Some("auth"))["kind"], "pin_correct");
    assert_eq!(r.check("counter", Some("auth"))["tries_left"], 3);
    assert_eq!(r.verifies(), 1);
    assert_eq!(sim.tries_left("auth"), AUTH_TRIES);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_card_without_a_signing_certificate_does_for_logins_only() {
    pcscd_test!();
    let sim = Sim::start(&["--no-sign-cert"]);
    let r = json_doctor(&sim, &[]);
    r.exit(7);
    let cert = r.check("certificate", Some("sign"));
    assert_eq!((cert["kind"].as_str(), cert["status"].as_str()), (Some("sign_cert_not_issued"), Some("fail")));
    assert!(cert["advice"].as_str().unwrap().contains("under 15"), "{cert}");
    assert_eq!((r.verdict("myna-portal"), r.verdict("etax"), r.verdict("houmukyoku")), ("ok", "fail", "fail"));
    assert!(r.apdus.len() <= status_certs(&sim), "{}", r.listing());
    // The password is not tried on a card that has no use for it.
    let r = doctor(&sim, &mut sim.with_pin(SIGN_PIN, &["--json", "doctor", "--verify", "sign"]));
    r.exit(7);
    assert_eq!(r.check("pin", Some("sign"))["kind"], "sign_cert_not_issued");
    assert_eq!(r.verifies(), 0);
    let r = json_doctor(&sim, &["--for", "myna-portal,login", "--for", "myna-portal"]);
    r.exit(0);
    let purposes: Vec<&str> =
        r.doc["verdicts"].as_array().unwrap().iter().map(|v| v["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["myna-portal", "login"]);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn verify_checks_each_pin_once_and_a_wrong_one_fails_its_purposes() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let r = doctor(
        &sim,
        sim.jpki()
            .env("JPKI_AUTH_PIN", "9999")
            .env("JPKI_SIGN_PIN", SIGN_PIN)
            .args(["--json", "doctor", "--verify", "both"]),
    );
    r.exit(4);
    let auth = r.check("pin", Some("auth"));
    assert_eq!((auth["kind"].as_str(), auth["tries_left"].as_u64()), (Some("wrong_pin"), Some(2)));
    assert_eq!(r.check("counter", Some("auth"))["tries_left"], 2);
    assert_eq!(r.check("pin", Some("sign"))["kind"], "pin_correct");
    // The correct password opened the signing certificate: its expiry is checked.
    assert_eq!(r.check("certificate", Some("sign"))["kind"], "certificate_valid");
    assert_eq!((r.verdict("myna-portal"), r.verdict("etax"), r.verdict("houmukyoku")), ("fail", "fail", "ok"));
    assert_eq!(r.verifies(), 2, "{}", r.listing());
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (AUTH_TRIES - 1, SIGN_TRIES));
    // Both right: every purpose ready, with its PINs verified.
    let r = doctor(
        &sim,
        sim.jpki()
            .env("JPKI_AUTH_PIN", AUTH_PIN)
            .env("JPKI_SIGN_PIN", SIGN_PIN)
            .args(["--json", "doctor", "--verify", "both"]),
    );
    r.exit(0);
    for v in r.doc["verdicts"].as_array().unwrap() {
        assert_eq!((v["status"].as_str(), v["pins_verified"].as_bool()), (Some("ok"), Some(true)), "{v}");
    }
    sim.assert_counters_full("after the right PINs");
    // One --pin-file cannot carry two PINs: refused before the card.
    let before = sim.apdu_count();
    let out = run(&mut sim.with_pin(AUTH_PIN, &["doctor", "--verify", "both"]));
    assert_code(&out, 2);
    assert_eq!(sim.apdu_count(), before);
    // --pin-file without --verify would be ignored: refused.
    assert_code(&run(&mut sim.with_pin(AUTH_PIN, &["doctor"])), 2);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn japanese_words_the_same_checks_and_json_keeps_its_kinds() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "sign=0"]);
    let en = json_doctor(&sim, &[]);
    let ja = doctor(&sim, sim.jpki().args(["--lang", "ja", "--json", "doctor"]));
    assert_eq!(en.kinds(), ja.kinds());
    assert_eq!(en.doc["verdicts"].as_array().unwrap().len(), ja.doc["verdicts"].as_array().unwrap().len());
    let advice = ja.check("counter", Some("sign"))["advice"].as_str().unwrap().to_string();
    assert!(advice.contains("キオスク端末") && advice.contains("利用者証明用暗証番号"), "{advice}");
    let text = doctor(&sim, sim.jpki().env("LANG", "ja_JP.UTF-8").arg("doctor"));
    assert_code(&text.out, 5);
    let out = stdout(&text.out);
    assert!(out.contains("署名用パスワード: ロック中") && out.contains("利用できません"), "{out}");
}

/// An odd card answer is worded in the holder's language, as `status` and the
/// errors word it, not in the library's English.
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn an_odd_card_answer_is_worded_in_the_holders_language() {
    pcscd_test!();
    let sim = Sim::start(&["--verify-answer", "6F00"]);
    let line = |lang: &str, mark: &str| {
        let r = doctor(&sim, &mut sim.with_pin(AUTH_PIN, &["--lang", lang, "doctor", "--verify", "auth"]));
        assert_code(&r.out, 6);
        stdout(&r.out).lines().find(|l| l.contains(mark)).unwrap_or_default().to_string()
    };
    let en = line("en", "6F00");
    let detail = en.split("failed: ").nth(1).unwrap_or_else(|| panic!("{en}"));
    let ja = line("ja", "利用者証明用暗証番号の確認");
    assert!(ja.contains("照合 (VERIFY) に 6F00") && ja.contains("試行は数えられていません"), "{ja}");
    let english_start: String = detail.chars().take(20).collect();
    assert!(!ja.contains(&english_start), "the library's English in Japanese: {ja}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn at_a_terminal_doctor_waits_for_the_card_with_a_message() {
    pcscd_test!();
    let mut slots = SlotLock::all();
    let slot = slots.pop().unwrap();
    let index = slot.index;
    // `script` (util-linux) gives jpki a pseudo-terminal; stdin stays open until it ends.
    let line = format!("{} --reader '{}' doctor", jpki_bin(), slots_name(index));
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("JPKI_READER")
        .env("LANG", "C")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) is needed for the terminal tests");
    let stdin = child.stdin.take();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let sim = Sim::start_in(slot, index, &[]);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let screen = stdout(&out);
    assert!(screen.contains("insert your My Number Card in the reader"), "{screen}");
    assert!(screen.contains("[ok]   Card: My Number Card"), "{screen}");
    assert_eq!(out.status.code(), Some(0), "{screen}");
    let sent = sim.apdu_count();
    assert!(sent <= status_certs(&sim), "{sent} APDUs");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn certificates_in_their_renewal_window_warn_and_expired_ones_fail() {
    pcscd_test!();
    // The auth certificate is read without a PIN.
    let mut sim = Sim::start(&["--cert-expires-in", "auth=60"]);
    let r = json_doctor(&sim, &[]);
    r.exit(0);
    let c = r.check("certificate", Some("auth"));
    assert_eq!(
        (c["kind"].as_str(), c["status"].as_str(), c["state"].as_str()),
        (Some("certificate_renewal_open"), Some("warn"), Some("renewal_open")),
        "{c}"
    );
    assert!((59..=60).contains(&c["days_left"].as_i64().unwrap()), "{c}");
    assert!(c["renewal_from"].as_str().is_some() && c["advice"].as_str().unwrap().contains("municipal office"), "{c}");
    assert_eq!((r.verdict("myna-portal"), r.verdict("etax"), r.verdict("houmukyoku")), ("warn", "warn", "ok"));
    assert!(r.apdus.len() <= status_certs(&sim), "{}", r.listing());

    sim.restart(&["--cert-expires-in", "auth=-1"]);
    let r = json_doctor(&sim, &[]);
    r.exit(9);
    let c = r.check("certificate", Some("auth"));
    assert_eq!((c["kind"].as_str(), c["status"].as_str()), (Some("certificate_expired"), Some("fail")), "{c}");
    assert!(c["days_left"].as_i64().unwrap() < 0, "{c}");
    assert_eq!((r.verdict("myna-portal"), r.verdict("etax"), r.verdict("houmukyoku")), ("fail", "fail", "ok"));

    // The signing certificate, behind the password.
    sim.restart(&["--cert-expires-in", "sign=60"]);
    let r = doctor(&sim, &mut sim.with_pin(SIGN_PIN, &["--json", "doctor", "--verify", "sign"]));
    r.exit(0);
    assert_eq!(r.check("certificate", Some("sign"))["kind"], "certificate_renewal_open");
    assert_eq!((r.verdict("houmukyoku"), r.verdict("myna-portal")), ("warn", "ok"));
    sim.restart(&["--cert-expires-in", "sign=-1"]);
    let r = doctor(&sim, &mut sim.with_pin(SIGN_PIN, &["--json", "doctor", "--verify", "sign"]));
    r.exit(9);
    assert_eq!(r.check("certificate", Some("sign"))["kind"], "certificate_expired");
    assert_eq!((r.verdict("houmukyoku"), r.verdict("etax"), r.verdict("myna-portal")), ("fail", "fail", "ok"));
    assert_eq!(r.verifies(), 1);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_smartphone_is_named_and_its_auth_certificate_read_behind_the_auth_pin() {
    pcscd_test!();
    for (switch, device) in [("--smartphone=android", "android"), ("--smartphone=ios", "ios")] {
        let sim = Sim::start(&[switch]);
        let status_certs = status_certs(&sim);
        let r = json_doctor(&sim, &[]);
        r.exit(0);
        let card = r.check("card", None);
        assert_eq!((card["kind"].as_str(), card["device"].as_str()), (Some("smartphone"), Some(device)), "{card}");
        // No card-info applet on a phone, and no counter for it.
        assert_eq!(card["card_info_applet"], false);
        assert!(!r.doc["checks"].as_array().unwrap().iter().any(|c| c["pin"] == "cardinfo"), "{}", r.doc);
        let auth = r.check("certificate", Some("auth"));
        assert_eq!((auth["kind"].as_str(), auth["status"].as_str()), (Some("certificate_issued"), Some("ok")));
        assert!(auth["advice"].as_str().unwrap().contains("--verify auth"), "{auth}");
        assert!(r.apdus.len() <= status_certs, "{}", r.listing());
        assert_eq!(r.verifies(), 0);
        // The auth PIN opens the certificate: its expiry is checked.
        let r = doctor(&sim, &mut sim.with_pin(AUTH_PIN, &["--json", "doctor", "--verify", "auth"]));
        r.exit(0);
        assert_eq!(r.check("certificate", Some("auth"))["kind"], "certificate_valid");
        assert_eq!(r.check("pin", Some("auth"))["kind"], "pin_correct");
        assert_eq!(r.verdict("myna-portal"), "ok");
        let text = stdout(&run(sim.jpki().arg("doctor")));
        assert!(text.contains("smartphone (スマホ用電子証明書)"), "{text}");
    }
}
