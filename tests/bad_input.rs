//! Bad user input: each case that needs a process of its own (environment,
//! stdin, the argument parser, readers; the others run in-process in
//! tests/cli_in_process.rs) runs the real `jpki` through pcscd
//! against `jpki-sim` and must end with exit code 2 (3 for readers), exactly
//! one `jpki: error:` line on stderr (command lines that do not parse too),
//! no APDU sent (read from the card's log), and the retry counters in the
//! card's state file unchanged.
//!
//! The count of cases is printed: `cargo test --all-features --test bad_input -- --nocapture`
//! (the line starting with `CASES`).

mod common;

use std::process::{Output, Stdio};
use std::time::Duration;

use common::*;

#[path = "bad_input/cases.rs"]
mod cases;

use cases::*;

/// Run with piped stdin (when given) and a hang guard.
fn run_case(sim: &Sim, c: &Case) -> Output {
    let mut cmd = sim.jpki();
    cmd.args(&c.args);
    for (k, v) in &c.env {
        cmd.env(k, v);
    }
    if let (None, Some(path)) = (&c.stdin, &c.stdin_file) {
        cmd.stdin(Stdio::from(std::fs::File::open(path).unwrap()));
    }
    run_limited(&mut cmd, c.stdin.as_deref(), Duration::from_secs(20)).0
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn bad_inputs_are_refused_before_the_card() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // The others run in-process: tests/cli_in_process.rs.
    let cases: Vec<Case> = all_cases(dir.path()).into_iter().filter(|c| !c.in_process()).collect();
    let counters = || ["auth", "sign", "cardinfo"].map(|p| sim.tries_left(p));
    let before = counters();
    assert_eq!(before, [3, 5, 3]);
    let mut failures = Vec::new();
    let mut by_kind = std::collections::BTreeMap::new();
    for c in &cases {
        let o = run_case(&sim, c);
        let err = stderr(&o);
        let code = o.status.code();
        *by_kind.entry(format!("{:?}", c.expect)).or_insert(0) += 1;
        let mut problems = Vec::new();
        let want = if c.expect == Expect::Reader { 3 } else { 2 };
        if code != Some(want) {
            problems.push(format!("exit code {code:?}, expected {want}"));
        }
        if err.contains("panicked") {
            problems.push("panic".into());
        }
        if err.lines().count() != 1 || !err.starts_with("jpki: error: ") {
            problems.push("stderr is not exactly one `jpki: error:` line".into());
        }
        if let Some(word) = c.says {
            if !err.to_lowercase().contains(&word.to_lowercase()) {
                problems.push(format!("the message does not mention {word:?}"));
            }
        }
        if !o.stdout.is_empty() {
            problems.push(format!("stdout: {}", stdout(&o)));
        }
        let sent = sim.apdu_count();
        if sent != 0 {
            problems.push(format!("{sent} APDUs were sent: {:?}", sim.log_lines()));
        }
        if counters() != before {
            problems.push(format!("counters changed: {:?}", counters()));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n    stderr: {}", c.name, problems.join("; "), err.trim_end()));
        }
    }
    println!("CASES bad input: {} ({:?}), APDUs sent: {}", cases.len(), by_kind, sim.apdu_count());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert!(cases.len() >= 30, "{}", cases.len());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn bad_input_in_json_mode_is_a_json_error() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad", b"12345\n");
    let o = run(sim.jpki().args(["--json", "verify", "auth", "--pin-file", &bad]));
    assert_code(&o, 2);
    let doc = json(&o);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "invalid_pin");
    assert_eq!(doc["error"]["exit_code"], 2);
    assert_eq!(doc["error"]["pin"], "auth");
    assert!(!doc.to_string().contains("12345"), "the rejected PIN is echoed: {doc}");
    assert!(!stderr(&o).contains("12345"), "the rejected PIN is echoed: {}", stderr(&o));
    // A command line that does not parse is a JSON error too, with its one line.
    for (args, command) in [(&["--json", "sign", "--key", "root", "x"][..], "sign"), (&["--json", "unblock"], "jpki")] {
        let o = run(sim.jpki().args(args));
        assert_code(&o, 2);
        let doc = json(&o);
        assert_eq!((doc["command"].as_str(), doc["error"]["kind"].as_str()), (Some(command), Some("usage")), "{doc}");
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    // A PIN given on the command line is refused and not echoed back.
    for args in [&["verify", "auth", "--pin", "1234"][..], &["verify", "auth", "1234"], &["verify", "sign", "ABC123"]] {
        let o = run(sim.jpki().args(args));
        assert_code(&o, 2);
        let err = stderr(&o);
        assert!(err.contains("never taken from the command line") && !err.contains(args[args.len() - 1]), "{err}");
    }
    // Every document of a batch names it, a failure before the card too.
    let sign = write(dir.path(), "sign", b"ABC123\n");
    let o = run(sim.jpki().args(["--json", "sign", "--key", "sign", "--batch", "digests", "--pin-file", &sign]));
    assert_code(&o, 2);
    assert_eq!(json(&o)["command"], "sign-batch");
    // A --wait beyond the limit is refused with the limit.
    let o = run(sim.jpki().args(["--wait", "86401", "status"]));
    assert_code(&o, 2);
    assert!(stderr(&o).contains("86400"), "{}", stderr(&o));
    // Nor in any other form: after `=`, after `--`, attached to a short
    // option, in text or JSON.
    let mut cases = 0;
    for (args, secret) in [
        (&["sign", "--key", "auth", "--hash=1234", "--digest", "00"][..], "1234"),
        (&["sign", "--key=ABC123", "--digest", "00"], "ABC123"),
        (&["--wait=ABC123", "status"], "ABC123"),
        (&["sign", "--key", "auth", "--format=ABC123", "--digest", "00"], "ABC123"),
        (&["verify", "auth", "--force=1234"], "1234"),
        (&["verify", "auth", "--", "1234"], "1234"),
        (&["verify", "sign", "--", "abc123"], "abc123"),
        (&["verify", "auth", "-x1234"], "1234"),
        (&["verify", "sign", "-Xabc123"], "abc123"),
        (&["verify", "auth", "--pin=1234"], "1234"),
    ] {
        for as_json in [false, true] {
            let o = run(sim.jpki().args(if as_json { &["--json"][..] } else { &[] }).args(args));
            assert_code(&o, 2);
            let (out, err) = (stdout(&o), stderr(&o));
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            assert!(!err.contains(secret) && !out.contains(secret), "{args:?} echoed: {err} {out}");
            if as_json {
                assert_eq!(json(&o)["error"]["kind"], "usage", "{out}");
            }
            cases += 1;
        }
    }
    // A PIN typed where a file or a reader belongs: refused without repeating it.
    for (args, secret, code) in [
        (&["sign", "--key", "auth", "1234"][..], "1234", 2),
        (&["sign", "--key", "sign", "--cms", "ABC123"], "ABC123", 2),
        (&["--reader", "ABC123", "status"], "ABC123", 3),
    ] {
        for as_json in [false, true] {
            let o = run(sim.jpki().args(if as_json { &["--json"][..] } else { &[] }).args(args));
            assert_code(&o, code);
            let (out, err) = (stdout(&o), stderr(&o));
            assert!(!err.contains(secret) && !out.contains(secret), "{args:?} echoed: {err} {out}");
            cases += 1;
        }
    }
    println!("CASES PIN-like words in command lines that fail: {cases}");
    assert_eq!(sim.apdu_count(), 0);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_trailing_newline_or_crlf_in_a_pin_file_is_accepted() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    for (which, content) in
        [("auth", &b"1234\n"[..]), ("auth", b"1234\r\n"), ("sign", b"ABC123\n"), ("sign", b"abc123\r\n")]
    {
        let p = write(dir.path(), "pin", content);
        let o = run(sim.jpki().args(["verify", which, "--pin-file", &p]));
        assert_code(&o, 0);
    }
    assert_eq!(sim.tries_left("auth"), 3);
    assert_eq!(sim.tries_left("sign"), 5);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn outputs_that_are_not_regular_files_are_written_in_place() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // A FIFO (like /dev/stdout or /dev/null) must be written into, not replaced by a rename.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = run(sim.jpki().args(["cert", "auth", "--der", "-o"]).arg(&fifo));
    assert_code(&o, 0);
    let got = reader.join().unwrap();
    assert_eq!(got, std::fs::read(sim.state_file("auth.crt.der")).unwrap());
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind), "the FIFO was replaced by a regular file");
    // No temporary files are left behind by the writability probe.
    let out = dir.path().join("sig.der");
    let o = run(sim.jpki().args(["cert", "auth-ca", "-o"]).arg(&out));
    assert_code(&o, 0);
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".jpki-") && !n.contains("jpki-tmp")), "{names:?}");
}
