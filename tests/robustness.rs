//! Robustness of `jpki` through the real pcscd and vpcd against `jpki-sim`
//! (issue 5): the card removed or its answer garbled at every APDU of every
//! command, a slow card, a card that leaves mid-command, another program
//! holding the card, two `jpki` processes at once, and bounded fuzzing of the
//! parsers and the card model on stable Rust.
//!
//! Each case checks: a documented non-zero exit code, exactly one line on
//! stderr, no hang (20 s limit), no panic, no signature printed for an
//! unfinished command, and the retry counters in the card's state file
//! unchanged unless the user chose to spend a try.
//!
//! The fault sweeps and the fuzz runs take a sample unless `JPKI_TEST_FULL=1`
//! (scripts/test.sh and CI set it). Case counts are printed from what ran
//! (`cargo test --all-features --test robustness -- --nocapture`, lines
//! starting with `CASES`); SECURITY.md has the table.

mod common;

#[path = "../fuzz/src/lib.rs"]
mod fuzz_targets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use jpki::digest::HashAlgorithm;

const LIMIT: Duration = Duration::from_secs(20);
/// Exit codes a failed card operation may end with (README: 3 no/busy card, 6 card or link error).
const CARD_FAILURE_CODES: [i32; 2] = [3, 6];

/// Run with the time limit of this file.
fn timed(cmd: &mut Command, stdin: Option<&[u8]>) -> (Output, Duration) {
    if stdin.is_none() {
        cmd.stdin(Stdio::null());
    }
    run_limited(cmd, stdin, LIMIT)
}

/// The promises every failure keeps.
#[track_caller]
fn assert_clean_failure(o: &Output, codes: &[i32], ctx: &str) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{ctx}: panic\n{err}");
    let code = o.status.code().unwrap_or(-1);
    assert_ne!(code, 101, "{ctx}: panic exit code");
    assert!(
        codes.contains(&code),
        "{ctx}: exit code {code}, expected one of {codes:?}\nstdout: {}\nstderr: {err}",
        stdout(o)
    );
    assert_eq!(err.lines().count(), 1, "{ctx}: stderr must be one line:\n{err}");
    assert!(err.starts_with("jpki: error: "), "{ctx}: {err}");
}

fn digest_hex(i: usize) -> String {
    hex::encode(HashAlgorithm::Sha256.hash(format!("item {i}").as_bytes()))
}

/// A command under test, with what it needs.
struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    /// Digests signed, in order (their signatures may be printed).
    signs: Vec<String>,
}

fn cases(pins: &Path) -> Vec<Case> {
    let auth = pins.join("auth").display().to_string();
    let sign = pins.join("sign").display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let batch: Vec<String> = (0..3).map(digest_hex).collect();
    vec![
        Case { name: "status", args: s(&["status"]), stdin: None, signs: vec![] },
        Case { name: "verify auth", args: s(&["verify", "auth", "--pin-file", &auth]), stdin: None, signs: vec![] },
        Case { name: "verify sign", args: s(&["verify", "sign", "--pin-file", &sign]), stdin: None, signs: vec![] },
        Case { name: "cert auth", args: s(&["cert", "auth"]), stdin: None, signs: vec![] },
        Case {
            name: "sign",
            args: s(&["sign", "--key", "sign", "--digest", &digest_hex(9), "--pin-file", &sign]),
            stdin: None,
            signs: vec![digest_hex(9)],
        },
        Case {
            name: "sign --batch (3 items)",
            args: s(&["sign", "--key", "sign", "--batch", "digests", "--pin-file", &sign]),
            stdin: Some(batch.iter().map(|d| format!("{d}\n")).collect::<String>().into_bytes()),
            signs: batch,
        },
    ]
}

fn pin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auth"), format!("{AUTH_PIN}\n")).unwrap();
    std::fs::write(dir.path().join("sign"), format!("{SIGN_PIN}\n")).unwrap();
    std::fs::write(dir.path().join("wrong-auth"), b"9999\n").unwrap();
    dir
}

fn run_case(sim: &Sim, case: &Case) -> (Output, Duration) {
    timed(sim.jpki().args(&case.args), case.stdin.as_deref())
}

/// Printed lines must each be a valid signature of the item in that position,
/// and fewer than the items when the command failed: never a signature of an
/// item whose COMPUTE DIGITAL SIGNATURE did not come back.
#[track_caller]
fn assert_no_unfinished_signature(sim: &Sim, case: &Case, o: &Output, ctx: &str) {
    let out = stdout(o);
    if case.signs.is_empty() {
        return;
    }
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() < case.signs.len(), "{ctx}: printed {out}");
    if case.signs.len() == 1 {
        assert!(out.is_empty(), "{ctx}: a failed sign printed {out}");
        return;
    }
    let cert = std::fs::read(sim.state_file("sign.crt.der")).unwrap();
    for (line, digest) in lines.iter().zip(&case.signs) {
        let sig = hex::decode(line).unwrap_or_else(|_| panic!("{ctx}: not a signature line: {line}"));
        jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &hex::decode(digest).unwrap(), &sig)
            .unwrap_or_else(|e| panic!("{ctx}: a printed signature does not verify: {e}"));
    }
    let signed = sim.apdus().iter().filter(|a| a.is_signature() && a.delivery == Delivery::Normal).count();
    assert!(lines.len() <= signed, "{ctx}: {} lines for {signed} delivered signatures", lines.len());
}

/// After the card came back, `jpki status` (the check the message names) reads full counters.
fn status_after_reinsertion(sim: &Sim, ctx: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (o, _) = timed(sim.jpki().args(["--json", "--wait", "3", "status"]), None);
        if o.status.code() == Some(0) {
            let doc = json(&o);
            assert_eq!(doc["pins"][0]["tries_left"], 3, "{ctx}");
            assert_eq!(doc["pins"][1]["tries_left"], 5, "{ctx}");
            return;
        }
        assert!(Instant::now() < deadline, "{ctx}: jpki status never worked again: {}", stderr(&o));
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// APDU count and VERIFY position of each case against an honest card.
fn learn(case: &Case) -> (usize, Option<usize>) {
    let sim = Sim::start(&[]);
    let (o, _) = run_case(&sim, case);
    assert_code(&o, 0);
    let log = sim.apdus();
    let verify = log.iter().position(|a| a.is_verify_with_data()).map(|i| i + 1);
    (log.len(), verify)
}

/// The fault positions to try: all of them under [`full_run`], else the
/// first, the VERIFY, the one after it and the last two: where the command's
/// outcome changes (nothing done yet, a PIN maybe spent, a result maybe lost).
fn sampled(all: Vec<usize>, n: usize, verify_at: Option<usize>) -> Vec<usize> {
    if full_run() {
        return all;
    }
    let keep = [Some(1), verify_at, verify_at.map(|v| v + 1), Some(n - 1), Some(n)];
    all.into_iter().filter(|at| keep.contains(&Some(*at))).collect()
}

/// Run every case with `flag` at each of `positions(APDU count, VERIFY position)`
/// (sampled unless [`full_run`]); returns how many runs there were, and of how many positions.
fn fault_sweep(flag: &str, positions: impl Fn(usize, Option<usize>) -> Vec<usize>) -> (usize, usize) {
    let pins = pin_dir();
    let (mut count, mut of) = (0, 0);
    for case in cases(pins.path()) {
        let (n, verify_at) = learn(&case);
        assert!(n >= 3, "{}: only {n} APDUs", case.name);
        let all = positions(n, verify_at);
        of += all.len();
        for at in sampled(all, n, verify_at) {
            let ctx = format!("{} with {flag} {at} of {n}", case.name);
            let sim = Sim::start(&[flag, &at.to_string()]);
            let (o, took) = run_case(&sim, &case);
            assert_clean_failure(&o, &CARD_FAILURE_CODES, &ctx);
            assert!(took < LIMIT, "{ctx}: {took:?}");
            assert_no_unfinished_signature(&sim, &case, &o, &ctx);
            sim.assert_counters_full(&ctx);
            let log = sim.apdus();
            assert!(log.len() >= at, "{ctx}: the fault was never reached: {log:?}");
            // Nothing is sent once the link failed (the APDU count stops at the fault).
            assert_eq!(log.len(), at, "{ctx}: APDUs after the fault: {log:?}");
            assert_eq!(
                log.iter().filter(|a| a.is_verify_with_data()).count(),
                usize::from(verify_at.is_some_and(|v| v <= at)),
                "{ctx}"
            );
            if Some(at) == verify_at {
                let err = stderr(&o);
                assert_eq!(o.status.code(), Some(6), "{ctx}");
                assert!(err.contains("unknown") && err.contains("jpki status"), "{ctx}: {err}");
                status_after_reinsertion(&sim, &ctx);
            }
            if flag == "--drop-at" {
                // Let the simulator put its card back before it is stopped: vpcd can
                // miss the next simulator's card if it connects just after a dropped link.
                sim.wait_back("after the drop");
            }
            count += 1;
        }
    }
    (count, of)
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn card_removed_at_every_apdu_of_every_command() {
    pcscd_test!();
    let (count, of) = fault_sweep("--drop-at", |n, _| (1..=n).collect());
    println!("CASES drop-at (card removed mid-command): {count}{}", sample_note(count, of));
    assert!(count >= if full_run() { 30 } else { 18 }, "{count}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn garbled_answers_at_chosen_apdus() {
    pcscd_test!();
    // The first APDU, the VERIFY, the second-last and the last one of each command.
    let (count, of) = fault_sweep("--corrupt-at", |n, verify| {
        let mut v = vec![1, n - 1, n];
        v.extend(verify);
        v.sort();
        v.dedup();
        v
    });
    println!("CASES corrupt-at (one-byte answer): {count}{}", sample_note(count, of));
    assert!(count >= 18, "{count}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_dropped_wrong_pin_spends_only_the_try_the_user_chose() {
    pcscd_test!();
    let pins = pin_dir();
    // APDU 4 of `verify auth` is the VERIFY with the (wrong) PIN.
    let sim = Sim::start(&["--drop-at", "4"]);
    let (o, _) = timed(sim.jpki().args(["verify", "auth", "--pin-file"]).arg(pins.path().join("wrong-auth")), None);
    assert_clean_failure(&o, &[6], "dropped wrong PIN");
    assert!(stderr(&o).contains("jpki status"), "{}", stderr(&o));
    // The card counted it (the worst case): exactly one try, the one the user sent.
    assert_eq!(sim.tries_left("auth"), 2);
    assert_eq!(sim.tries_left("sign"), 5);
    sim.wait_back("after the drop");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_dropped_pin_change_says_the_outcome_is_unknown_and_how_to_find_out() {
    pcscd_test!();
    let pins = pin_dir();
    std::fs::write(pins.path().join("new-auth"), b"5678\n").unwrap();
    // APDU 5 of `pin change auth` is CHANGE REFERENCE DATA; the card executes it.
    let sim = Sim::start(&["--drop-at", "5"]);
    let args = |json: bool| {
        let mut v: Vec<std::ffi::OsString> = if json { vec!["--json".into()] } else { vec![] };
        v.extend(["pin".into(), "change".into(), "auth".into(), "--pin-file".into(), pins.path().join("auth").into()]);
        v.extend(["--new-pin-file".into(), pins.path().join("new-auth").into()]);
        v
    };
    let (o, _) = timed(sim.jpki().args(args(true)), None);
    assert_clean_failure(&o, &[6], "dropped CHANGE REFERENCE DATA");
    let doc = json(&o);
    assert_eq!(doc["error"]["kind"], "change_outcome_unknown", "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("jpki verify auth") && hint.contains("costs one try") && hint.contains("jpki status"),
        "{hint}"
    );
    assert_eq!(sim.tries_left("auth"), 3);
    sim.wait_back("after the drop");
    // The way the hint gives finds out: here the change went through.
    let (o, _) = timed(sim.jpki().args(["verify", "auth", "--pin-file"]).arg(pins.path().join("new-auth")), None);
    assert_code(&o, 0);
}

/// An odd status word to VERIFY or CHANGE REFERENCE DATA (the card may have
/// acted before failing) is never a plain card error: VERIFY reports what the
/// counter, read again, shows; CHANGE says the new PIN may be in force.
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn odd_answers_to_verify_and_change_leave_the_outcome_unknown() {
    pcscd_test!();
    let pins = pin_dir();
    std::fs::write(pins.path().join("new-auth"), b"5678\n").unwrap();
    let mut cases = 0;
    // (switch, PIN file, what the message must say, tries left after).
    for (answer, pin, says, left) in [
        ("6F00", "wrong-auth", "not counted", 3),
        ("6A80", "auth", "not counted", 3),
        ("6F00:done", "wrong-auth", "the try was counted", 2),
        ("6700:done", "wrong-auth", "the try was counted", 2),
        ("6581:done", "auth", "not counted", 3),
    ] {
        let sim = Sim::start(&["--verify-answer", answer]);
        let (o, _) =
            timed(sim.jpki().args(["--json", "verify", "auth", "--pin-file"]).arg(pins.path().join(pin)), None);
        let ctx = format!("VERIFY answered {answer}");
        assert_clean_failure(&o, &[6], &ctx);
        let err = &json(&o)["error"];
        assert_eq!(err["kind"], "verify_outcome_unknown", "{ctx}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(says), "{ctx}: {message}");
        assert_eq!(err["tries_left"], left, "{ctx}: {err}");
        assert_eq!(sim.tries_left("auth"), left as u64, "{ctx}");
        // One VERIFY with the PIN, then only the free query.
        let log = sim.apdus();
        let at = log.iter().position(|a| a.is_verify_with_data()).unwrap();
        assert_eq!(log.iter().filter(|a| a.is_verify_with_data()).count(), 1, "{ctx}: {log:?}");
        assert!(log[at + 1..].iter().any(|a| a.command_hex() == "00200080"), "{ctx}: no query after: {log:?}");
        cases += 1;
    }
    // Through `sign`: no signature, the same kind.
    let sim = Sim::start(&["--verify-answer", "6F00"]);
    let (o, _) = timed(
        sim.jpki().args(["--json", "sign", "--key", "sign", "--pin-file"]).arg(pins.path().join("sign")),
        Some(b"data\n"),
    );
    assert_clean_failure(&o, &[6], "sign, VERIFY answered 6F00");
    assert_eq!(json(&o)["error"]["kind"], "verify_outcome_unknown");
    assert!(!sim.apdus().iter().any(LoggedApdu::is_signature));
    assert_eq!(sim.tries_left("sign"), 5);
    cases += 1;
    drop(sim);

    // CHANGE REFERENCE DATA: whether or not the card stored the new PIN.
    for (answer, in_force) in [("6F00:done", "5678"), ("6A80", "1234"), ("6700", "1234")] {
        let sim = Sim::start(&["--change-answer", answer]);
        let (o, _) = timed(
            sim.jpki()
                .args(["--json", "pin", "change", "auth", "--pin-file"])
                .arg(pins.path().join("auth"))
                .arg("--new-pin-file")
                .arg(pins.path().join("new-auth")),
            None,
        );
        let ctx = format!("CHANGE answered {answer}");
        assert_clean_failure(&o, &[6], &ctx);
        let err = &json(&o)["error"];
        assert_eq!(err["kind"], "change_outcome_unknown", "{ctx}: {err}");
        let hint = err["hint"].as_str().unwrap();
        assert!(hint.contains("may be in force") && hint.contains("jpki status"), "{ctx}: {hint}");
        let line = stderr(&o);
        assert!(!line.contains("still in force") && !line.contains("still works"), "{ctx}: {line}");
        assert_eq!(sim.pins()["pins"]["auth"]["value"], in_force, "{ctx}");
        assert_eq!(sim.tries_left("auth"), 3, "{ctx}");
        cases += 1;
    }
    println!("CASES odd answers to VERIFY and CHANGE REFERENCE DATA: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_card_leaving_for_good_mid_command() {
    pcscd_test!();
    let pins = pin_dir();
    let mut count = 0;
    for (name, args) in [
        ("sign", vec!["sign", "--key", "sign", "--digest", &digest_hex(1) as &str, "--pin-file"]),
        ("verify", vec!["verify", "sign", "--pin-file"]),
    ] {
        // A simulator of this test's own, so that it can be killed outright (the
        // reader loses its card with no goodbye), in a slot this test holds.
        let slot = SlotLock::any();
        let (reader, port) = slots()[slot.index];
        let state = tempfile::tempdir().unwrap();
        let log = state.path().join("apdu.log");
        let mut sim = Command::new(sim_bin())
            .arg("--state")
            .arg(state.path())
            .args(["--port", &port.to_string(), "--apdu-latency-ms", "400", "--apdu-log"])
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_presence(reader, true);
        let mut child = Command::new(jpki_bin())
            .env("JPKI_READER", reader)
            .env_remove("JPKI_SIGN_PIN")
            .args(&args)
            .arg(pins.path().join("sign"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // APDU 3 (the retry query) is being answered at 0.8-1.2 s; the VERIFY would come at 1.6 s.
        std::thread::sleep(Duration::from_millis(1000));
        sim.kill().unwrap();
        sim.wait().unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > LIMIT {
                let _ = child.kill();
                panic!("{name}: jpki hung after the card left");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        let took = start.elapsed();
        assert_clean_failure(&o, &CARD_FAILURE_CODES, name);
        assert!(o.stdout.is_empty(), "{name}: {}", stdout(&o));
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(!text.lines().filter_map(LoggedApdu::parse).any(|a| a.is_verify_with_data()), "{name}: {text}");
        let pins_json = std::fs::read_to_string(state.path().join("pins.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&pins_json).unwrap();
        assert_eq!(doc["pins"]["sign"]["tries_left"], 5, "{name}");
        assert_eq!(doc["pins"]["auth"]["tries_left"], 3, "{name}");
        wait_presence(reader, false);
        // vpcd can miss a simulator that connects just after a link went down: keep the slot a while.
        std::thread::sleep(Duration::from_millis(1500));
        drop(slot);
        count += 1;
    }
    println!("CASES card leaves for good mid-command (simulator killed): {count}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_slow_card_still_works() {
    pcscd_test!();
    let pins = pin_dir();
    let mut count = 0;
    for switches in [["--apdu-latency-ms", "300"], ["--sign-latency-ms", "4000"]] {
        let sim = Sim::start(&switches);
        let ctx = switches.join(" ");
        let (o, took) = timed(
            sim.jpki()
                .args(["--json", "sign", "--key", "sign", "--digest", &digest_hex(5), "--pin-file"])
                .arg(pins.path().join("sign")),
            None,
        );
        assert_code(&o, 0);
        assert_eq!(json(&o)["verified_against_certificate"], true, "{ctx}");
        assert!(took >= Duration::from_millis(2000), "{ctx}: {took:?}: the latency was not applied");
        let (o, _) = timed(sim.jpki().arg("status"), None);
        assert_code(&o, 0);
        sim.assert_counters_full(&ctx);
        count += 1;
    }
    println!("CASES slow card: {count}");
}

/// Another program holding the card exclusively (the `pcsc` crate, as any PC/SC program would).
fn hold_exclusively(sim: &Sim) -> (pcsc::Context, pcsc::Card) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(sim.reader.clone()).unwrap();
    let card = ctx.connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY).expect("exclusive connect");
    (ctx, card)
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_card_held_by_another_program() {
    pcscd_test!();
    let pins = pin_dir();
    let sim = Sim::start(&[]);
    let (ctx, card) = hold_exclusively(&sim);
    let mut count = 0;
    let sign = pins.path().join("sign");
    let commands: Vec<Vec<String>> = vec![
        vec!["status".into()],
        vec!["cert".into(), "auth".into()],
        vec!["verify".into(), "sign".into(), "--pin-file".into(), sign.display().to_string()],
        vec![
            "sign".into(),
            "--key".into(),
            "sign".into(),
            "--digest".into(),
            digest_hex(2),
            "--pin-file".into(),
            sign.display().to_string(),
        ],
    ];
    for args in &commands {
        let (o, _) = timed(sim.jpki().args(args), None);
        assert_clean_failure(&o, &[3], &args.join(" "));
        assert!(stderr(&o).contains("in use"), "{}", stderr(&o));
        count += 1;
    }
    let (o, _) = timed(sim.jpki().args(["--json", "status"]), None);
    assert_eq!(json(&o)["error"]["kind"], "card_busy");
    count += 1;
    // --wait 2: waits about that long, then fails the same way.
    let (o, took) = timed(sim.jpki().args(["--wait", "2", "status"]), None);
    assert_clean_failure(&o, &[3], "--wait 2 while held");
    assert!(stderr(&o).contains("in use"), "{}", stderr(&o));
    assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(5), "{took:?}");
    count += 1;
    assert_eq!(sim.apdu_count(), 0, "{:?}", sim.log_lines());

    card.disconnect(pcsc::Disposition::LeaveCard).map_err(|(_, e)| e).unwrap();
    drop(ctx);

    // The holder lets go within the wait: the command succeeds.
    let mut waiting_sign = vec!["--wait".to_string(), "8".into()];
    waiting_sign.extend(commands[3].iter().cloned());
    for args in [vec!["--wait".to_string(), "8".into(), "status".into()], waiting_sign] {
        let (_ctx, held) = hold_exclusively(&sim);
        let start = Instant::now();
        let child = sim.jpki().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        held.disconnect(pcsc::Disposition::LeaveCard).map_err(|(_, e)| e).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_code(&o, 0);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(1400) && took < Duration::from_secs(6), "{args:?}: {took:?}");
        count += 1;
    }
    sim.assert_counters_full("held card");
    println!("CASES card held by another program: {count}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn status_in_a_loop_while_another_process_signs_a_batch() {
    pcscd_test!();
    let pins = pin_dir();
    let sim = Sim::start(&["--apdu-latency-ms", "2"]);
    let items: Vec<String> = (0..100).map(digest_hex).collect();
    let input: String = items.iter().map(|d| format!("{d}\n")).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let status_loop = {
        let stop = stop.clone();
        let (program, reader) = (common::jpki_bin().to_string(), sim.reader.clone());
        std::thread::spawn(move || {
            let (mut ok, mut busy) = (0, 0);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let o = Command::new(&program)
                    .env("JPKI_READER", &reader)
                    .args(["--json", "status"])
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                match o.status.code() {
                    Some(0) => {
                        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                        assert_eq!(doc["pins"][1]["tries_left"], 5);
                        ok += 1;
                    }
                    Some(3) => {
                        let err = String::from_utf8_lossy(&o.stderr);
                        assert!(err.contains("in use") && err.lines().count() == 1, "{err}");
                        busy += 1;
                    }
                    other => panic!("status exited {other:?}: {}", String::from_utf8_lossy(&o.stderr)),
                }
            }
            (ok, busy)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    // The signer waits for the card like a script would (the status loop holds it now and then).
    let start = Instant::now();
    let mut child = sim
        .jpki()
        .args(["--wait", "30", "sign", "--key", "sign", "--batch", "digests", "--pin-file"])
        .arg(pins.path().join("sign"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    let took = start.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (ok, busy) = status_loop.join().expect("the status loop failed");
    assert_code(&o, 0);
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 100);
    let cert = std::fs::read(sim.state_file("sign.crt.der")).unwrap();
    for (line, d) in lines.iter().zip(&items) {
        jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &hex::decode(d).unwrap(), &hex::decode(line).unwrap())
            .unwrap();
    }
    assert!(ok > 0, "status never succeeded");

    // In the log: every signature follows a successful VERIFY with data in the same power session.
    let mut verified = false;
    let mut signatures = 0;
    for line in sim.log_lines() {
        if line.starts_with("EVENT power-on")
            || line.starts_with("EVENT power-off")
            || line.starts_with("EVENT reset")
            || line.starts_with("EVENT disconnected")
        {
            verified = false;
            continue;
        }
        let Some(apdu) = LoggedApdu::parse(&line) else { continue };
        if apdu.is_verify_with_data() {
            verified = apdu.sw == 0x9000;
        }
        if apdu.is_signature() {
            assert!(verified, "a signature without a VERIFY in its power session: {line}");
            signatures += 1;
        }
    }
    assert_eq!(signatures, 100);
    sim.assert_counters_full("two processes");
    println!("CASES two processes: 1 batch of 100 signatures, {ok} status runs succeeded and {busy} said the card is in use ({took:?})");
}

// ---- Bounded fuzzing on stable Rust ------------------------------------------------

/// xorshift64*: deterministic, so a failure is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [u8; 10] = [0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF, 0x30];

/// One libFuzzer-like mutation step.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = rng.next() as u8;
        }
        2 if len > 0 => {
            let i = rng.below(len);
            input[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        3 => {
            let i = rng.below(len + 1);
            let n = 1 + rng.below(8);
            for _ in 0..n {
                input.insert(i, rng.next() as u8);
            }
        }
        4 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(16));
            input.drain(i..i + n);
        }
        5 => input.truncate(rng.below(len + 1)),
        6 if len > 1 => {
            // Copy a chunk of the input over another place.
            let from = rng.below(len);
            let n = 1 + rng.below((len - from).min(32));
            let chunk = input[from..from + n].to_vec();
            let to = rng.below(len);
            for (k, b) in chunk.into_iter().enumerate() {
                if to + k < input.len() {
                    input[to + k] = b;
                }
            }
        }
        7 => {
            // Splice with another corpus entry.
            let other = &corpus[rng.below(corpus.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        _ if len > 1 => {
            // A 16-bit length-like field set to an edge value.
            let i = rng.below(len - 1);
            let v: u16 = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF][rng.below(9)];
            input[i..i + 2].copy_from_slice(&v.to_be_bytes());
        }
        _ => input.push(rng.next() as u8),
    }
    input.truncate(8192);
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "empty corpus {}", dir.display());
    seeds
}

/// Mutated inputs per fuzz target and the time bound: a sample by default,
/// the full run under [`full_run`].
const FUZZ_SAMPLE: (usize, u64) = (20_000, 10);
const FUZZ_FULL: (usize, u64) = (200_000, 60);

/// What a `CASES` line adds when `ran` is a sample of `of` cases.
fn sample_note(ran: usize, of: usize) -> String {
    if ran < of {
        format!(" (a sample of {of}; {FULL_ENV}=1 runs all)")
    } else {
        String::new()
    }
}

/// Run `inputs` mutated inputs (or stop at `seconds`), plus every seed as is.
/// `JPKI_FUZZ_INPUTS` and `JPKI_FUZZ_SECONDS` override the bounds.
fn bounded_fuzz(target: &str) {
    let (inputs, seconds) = if full_run() { FUZZ_FULL } else { FUZZ_SAMPLE };
    let inputs = std::env::var("JPKI_FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(inputs);
    let seconds = std::env::var("JPKI_FUZZ_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(seconds);
    let seeds = corpus(target);
    for seed in &seeds {
        fuzz_targets::run(target, seed);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    let start = Instant::now();
    let mut done = 0;
    while done < inputs && start.elapsed() < Duration::from_secs(seconds) {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(6) {
            mutate(&mut rng, &mut input, &seeds);
        }
        let result = std::panic::catch_unwind(|| fuzz_targets::run(target, &input));
        if result.is_err() {
            let path = std::env::temp_dir().join(format!("jpki-fuzz-crash-{target}-{done}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "fuzz target {target} failed on input {done} (saved to {}): {}",
                path.display(),
                hex::encode(&input)
            );
        }
        done += 1;
    }
    println!(
        "CASES fuzz {target}: {} seeds + {done} mutated inputs in {:?}{}",
        seeds.len(),
        start.elapsed(),
        if full_run() { String::new() } else { sample_note(done, FUZZ_FULL.0) }
    );
    assert!(done >= inputs.min(1000), "{target}: only {done} inputs ran");
}

#[test]
fn fuzz_response_parse() {
    bounded_fuzz("response_parse");
}

#[test]
fn fuzz_der_length() {
    bounded_fuzz("der_length");
}

#[test]
fn fuzz_cert_decode() {
    bounded_fuzz("cert_decode");
}

#[test]
fn fuzz_cardinfo() {
    bounded_fuzz("cardinfo");
}

#[test]
fn fuzz_sim_card() {
    bounded_fuzz("sim_card");
}

#[test]
fn fuzz_pdf_read() {
    bounded_fuzz("pdf_read");
}

#[test]
fn fuzz_targets_are_all_listed() {
    for target in fuzz_targets::TARGETS {
        assert!(!corpus(target).is_empty());
        let harness = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz/fuzz_targets/{target}.rs"));
        assert!(harness.is_file(), "{}", harness.display());
    }
}

#[test]
fn a_certificate_with_a_hostile_birth_date_is_an_error_not_a_panic() {
    // The signing certificate with its birth date (JPKI SAN otherName .5.5.4) replaced
    // by 9 bytes that start with a 2-byte character: slicing it used to panic.
    let dir = tempfile::tempdir().unwrap();
    let cert = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/cert_decode/sign_birth_date_multibyte");
    let sig = dir.path().join("sig.bin");
    std::fs::write(&sig, [0x5Au8; 256]).unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"data").unwrap();
    let (o, _) = timed(jpki().arg("check").arg("--signature").arg(&sig).arg("--cert").arg(&cert).arg(&data), None);
    assert_clean_failure(&o, &[8, 9, 10, 11], "check with a hostile birth date");
}

/// Run with stdout going to `stdout` and stderr captured.
fn run_with_stdout(cmd: &mut Command, stdout: Stdio) -> Output {
    cmd.stdout(stdout).stderr(Stdio::piped()).output().expect("run jpki")
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_signature_that_cannot_be_delivered_is_an_error_with_its_own_code() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let digest = "00".repeat(32);
    let sign = || {
        let mut cmd = sim.jpki();
        cmd.env("JPKI_AUTH_PIN", AUTH_PIN).args(["sign", "--key", "auth", "--digest", &digest]);
        cmd
    };
    // A full disk, as a file and as stdout.
    let o = run_with_stdout(sign().args(["-o", "/dev/full"]), Stdio::null());
    assert_code(&o, 12);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run_with_stdout(&mut sign(), Stdio::from(std::fs::File::create("/dev/full").unwrap()));
    assert_code(&o, 12);
    assert!(stderr(&o).contains("not delivered"), "{}", stderr(&o));
    let o = run_with_stdout(sim.jpki().arg("status"), Stdio::from(std::fs::File::create("/dev/full").unwrap()));
    assert_code(&o, 12);

    // A reader that went away: an error for a signature, not for a status.
    let closed_pipe = |cmd: &mut Command| {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn jpki");
        drop(child.stdout.take());
        child.wait_with_output().expect("wait for jpki")
    };
    let o = closed_pipe(&mut sign());
    assert_code(&o, 12);
    assert!(stderr(&o).contains("not delivered"), "{}", stderr(&o));
    let o = closed_pipe(sign().arg("--json"));
    assert_code(&o, 12);
    let o = closed_pipe(sim.jpki().arg("status"));
    assert_code(&o, 0);
    assert_eq!(sim.tries_left("auth"), 3);
}
