//! Interrupts and hangs, through the real pcscd and vpcd against `jpki-sim`:
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT at the last-try question (card held
//! exclusively), at a PIN prompt, while waiting for a card, during a slow
//! APDU and during one the card never answers; and the per-APDU deadline.
//!
//! Each case checks: exit 130 (6 for a deadline without a signal), exactly
//! one error line, the JSON failure document with `--json`, a bounded time,
//! and from the card's log that nothing was sent after the interrupt and the
//! card was powered down. `script` (util-linux) gives `jpki` a terminal.
//! Case counts are printed on lines starting with `CASES`.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const SIGNALS: [(&str, i32); 4] =
    [("INT", libc::SIGINT), ("TERM", libc::SIGTERM), ("HUP", libc::SIGHUP), ("QUIT", libc::SIGQUIT)];

/// Longest any case may take once its signal is sent (or its deadline passes).
const PROMPT_LIMIT: Duration = Duration::from_secs(3);

/// A running process whose output is collected as it comes.
struct Running {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
    stdin: Option<std::process::ChildStdin>,
}

fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

impl Running {
    fn spawn(cmd: &mut Command) -> Running {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let out = collect(child.stdout.take().unwrap());
        let err = collect(child.stderr.take().unwrap());
        let stdin = child.stdin.take();
        Running { child, out, err, stdin }
    }

    /// `jpki ARGS` on a pseudo-terminal; `exec` so that `script`'s child is `jpki` itself.
    fn on_terminal(sim_reader: &str, args: &[&str]) -> Running {
        let mut line = format!("exec {} --reader '{sim_reader}'", jpki_bin());
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        Running::spawn(
            Command::new("script")
                .args(["-qec", &line, "/dev/null"])
                .env_remove("JPKI_AUTH_PIN")
                .env_remove("JPKI_SIGN_PIN")
                .env_remove("JPKI_NEW_PIN"),
        )
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned()
    }

    fn type_line(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("{text}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Wait until stdout shows `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.stdout().contains(text) {
            assert!(Instant::now() < deadline, "never saw {text:?}; output so far: {}", self.stdout());
            std::thread::sleep(Duration::from_millis(20));
        }
        // The prompt is written just before the read starts.
        std::thread::sleep(Duration::from_millis(200));
    }

    /// The `jpki` process: this child, or its descendant under `script`.
    fn jpki_pid(&self) -> i32 {
        let root = self.child.id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(pid) = find_jpki(root) {
                return pid;
            }
            assert!(Instant::now() < deadline, "no jpki process under {root}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, sig: i32) {
        let pid = self.jpki_pid();
        // SAFETY: kill(2) on a process this test started.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill {pid}");
    }

    /// Wait for the exit, at most `limit`; a hang is killed and fails the test.
    fn finish(&mut self, limit: Duration, ctx: &str) -> (i32, Duration) {
        let start = Instant::now();
        drop(self.stdin.take());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the collectors drain.
                std::thread::sleep(Duration::from_millis(100));
                let code = status.code().unwrap_or_else(|| panic!("{ctx}: killed by a signal ({status})"));
                return (code, start.elapsed());
            }
            if start.elapsed() > limit {
                if let Some(pid) = find_jpki(self.child.id() as i32) {
                    // SAFETY: kill(2) on a process this test started.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{ctx}: still running after {limit:?}; stdout: {}\nstderr: {}", self.stdout(), self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The first process named `jpki` at or below `root`.
fn find_jpki(root: i32) -> Option<i32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid ..."; comm may hold spaces, so split at the last ')'.
        let Some(close) = stat.rfind(')') else { continue };
        let comm = stat[stat.find('(').unwrap_or(0) + 1..close].to_string();
        let ppid: i32 = stat[close + 2..].split(' ').nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        parents.push((pid, ppid, comm));
    }
    let below = |mut pid: i32| {
        for _ in 0..8 {
            if pid == root {
                return true;
            }
            match parents.iter().find(|(p, _, _)| *p == pid) {
                Some((_, ppid, _)) => pid = *ppid,
                None => return false,
            }
        }
        false
    };
    parents.iter().find(|(pid, _, comm)| comm == "jpki" && below(*pid)).map(|(pid, _, _)| *pid)
}

fn error_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("jpki: error:")).collect()
}

/// The one JSON document in `text` (on a terminal it shares the screen with the prompts).
fn json_document(text: &str, ctx: &str) -> serde_json::Value {
    let docs: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| l.find('{').map(|i| &l[i..]))
        .filter_map(|l| serde_json::from_str(l.trim()).ok())
        .collect();
    assert_eq!(docs.len(), 1, "{ctx}: expected one JSON document in {text:?}");
    docs.into_iter().next().unwrap()
}

#[track_caller]
fn assert_interrupted_document(doc: &serde_json::Value, ctx: &str) {
    assert_eq!(doc["ok"], false, "{ctx}: {doc}");
    assert_eq!(doc["error"]["kind"], "interrupted", "{ctx}: {doc}");
    assert_eq!(doc["error"]["exit_code"], 130, "{ctx}: {doc}");
}

/// Log lines after the first `skip`.
fn log_since(sim: &Sim, skip: usize) -> Vec<String> {
    sim.log_lines().into_iter().skip(skip).collect()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_signal_at_the_last_try_question_ends_the_command_and_powers_the_card_down() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    let mut cases = 0;
    for (name, sig) in SIGNALS {
        for json in [false, true] {
            let ctx = format!("SIG{name} at the last-try question (json {json})");
            let before = sim.log_lines().len();
            let args: &[&str] = if json { &["--json", "verify", "auth"] } else { &["verify", "auth"] };
            let mut run = Running::on_terminal(&sim.reader, args);
            run.wait_for("Enter the");
            run.type_line("1234");
            run.wait_for("Only 1 try is left");
            run.signal(sig);
            let (code, elapsed) = run.finish(PROMPT_LIMIT, &ctx);
            let screen = run.stdout();
            assert_eq!(code, 130, "{ctx}: {screen}");
            assert!(elapsed < PROMPT_LIMIT, "{ctx}: took {elapsed:?}");
            assert_eq!(error_lines(&screen).len(), 1, "{ctx}: {screen}");
            assert!(error_lines(&screen)[0].contains("interrupted"), "{ctx}: {screen}");
            if json {
                assert_interrupted_document(&json_document(&screen, &ctx), &ctx);
            }
            // The card got the guard's query, the token (card or smartphone)
            // and the signing password's query (free, for the way out the
            // question names), and then nothing but the power-down.
            let log = log_since(&sim, before);
            let query = log.iter().position(|l| l.starts_with("APDU ") && l.contains(" 00200080 ")).expect("query");
            let rest: Vec<&str> = log[query + 1..].iter().map(|l| l.split(" -> ").next().unwrap_or(l)).collect();
            let tail: Vec<String> = rest.iter().map(|l| l.split_whitespace().skip(2).collect()).collect();
            assert_eq!(tail, ["00A4020C020006", "00B0000020", "00A4020C02001B", "00200080", ""], "{ctx}: {log:?}");
            assert_eq!(log.last().map(String::as_str), Some("EVENT power-off"), "{ctx}: {log:?}");
            assert_eq!(sim.tries_left("auth"), 1, "{ctx}");
            cases += 1;
        }
    }
    // Ctrl-C typed at the terminal, as a person would.
    let before = sim.log_lines().len();
    let mut run = Running::on_terminal(&sim.reader, &["verify", "auth"]);
    run.wait_for("Enter the");
    run.type_line("1234");
    run.wait_for("Only 1 try is left");
    run.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    let (code, _) = run.finish(PROMPT_LIMIT, "Ctrl-C typed");
    assert_eq!(code, 130, "{}", run.stdout());
    assert_eq!(error_lines(&run.stdout()).len(), 1, "{}", run.stdout());
    assert_eq!(log_since(&sim, before).last().map(String::as_str), Some("EVENT power-off"));
    assert_eq!(sim.tries_left("auth"), 1);
    cases += 1;
    println!("CASES signal at the last-try question: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_signal_at_a_pin_prompt_ends_the_command_with_the_echo_restored() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let current = pin_path(&dir, "1234");
    let mut cases = 0;
    for (name, sig) in SIGNALS {
        for (prompt, args) in [
            ("Enter the", &["--json", "verify", "auth"][..]),
            ("New", &["--json", "pin", "change", "auth", "--pin-file", &current][..]),
        ] {
            let ctx = format!("SIG{name} at the {prompt:?} prompt of {args:?}");
            // Not exec'd: the shell reports the terminal's echo flag after jpki.
            let mut line = format!("{} --reader '{}'", jpki_bin(), sim.reader);
            for a in args {
                line.push_str(&format!(" '{a}'"));
            }
            line.push_str("; echo \"exit=$?\"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo'");
            let mut run =
                Running::spawn(Command::new("script").args(["-qec", &line, "/dev/null"]).env_remove("JPKI_AUTH_PIN"));
            run.wait_for(prompt);
            run.signal(sig);
            let (_, elapsed) = run.finish(PROMPT_LIMIT + Duration::from_secs(2), &ctx);
            let screen = run.stdout();
            assert!(screen.contains("exit=130"), "{ctx}: {screen}");
            assert!(elapsed < PROMPT_LIMIT, "{ctx}: took {elapsed:?}");
            assert_eq!(error_lines(&screen).len(), 1, "{ctx}: {screen}");
            assert_interrupted_document(&json_document(&screen, &ctx), &ctx);
            assert!(screen.lines().any(|l| l.trim() == "echo"), "{ctx}: the echo was left off: {screen}");
            cases += 1;
        }
    }
    assert_eq!(sim.apdu_count(), 0, "{:?}", sim.log_lines());
    println!("CASES signal at a PIN prompt: {cases}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_signal_while_waiting_for_a_card_ends_the_wait() {
    pcscd_test!();
    // A reader with no card: its slot is held so that no test puts one there.
    let slot = SlotLock::any();
    let reader = slots()[slot.index].0;
    let mut cases = 0;
    for (name, sig) in SIGNALS {
        for json in [false, true] {
            let ctx = format!("SIG{name} during --wait (json {json})");
            let mut cmd = Command::new(jpki_bin());
            cmd.args(["--reader", reader, "--wait", "30", "status"]);
            if json {
                cmd.arg("--json");
            }
            let mut run = Running::spawn(&mut cmd);
            std::thread::sleep(Duration::from_millis(700));
            run.signal(sig);
            let (code, elapsed) = run.finish(Duration::from_secs(5), &ctx);
            assert_eq!(code, 130, "{ctx}: {}", run.stderr());
            assert!(elapsed < Duration::from_secs(1), "{ctx}: took {elapsed:?}");
            let err = run.stderr();
            assert_eq!(err.lines().count(), 1, "{ctx}: {err:?}");
            assert!(err.starts_with("jpki: error: interrupted"), "{ctx}: {err}");
            if json {
                assert_interrupted_document(&json_document(&run.stdout(), &ctx), &ctx);
            } else {
                assert_eq!(run.stdout(), "", "{ctx}");
            }
            cases += 1;
        }
    }
    println!("CASES signal while waiting for a card: {cases}");
}

/// A pin file holding `pin`.
fn pin_path(dir: &tempfile::TempDir, pin: &str) -> String {
    pin_file(dir.path(), "pin", format!("{pin}\n").as_bytes()).to_string_lossy().into_owned()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_signal_during_a_slow_apdu_ends_the_command_when_the_apdu_returns() {
    pcscd_test!();
    let dir = tempfile::tempdir().unwrap();
    let pin = pin_path(&dir, "ABC123");
    // The signature takes 2.5 s; the signal comes while the card computes it.
    let sim = Sim::start(&["--apdu-latency-ms", "100", "--sign-latency-ms", "2500"]);
    let mut cases = 0;
    for (name, sig) in SIGNALS {
        let ctx = format!("SIG{name} during COMPUTE DIGITAL SIGNATURE");
        let before = sim.log_lines().len();
        let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let mut cmd = sim.jpki();
        cmd.args(["--json", "sign", "--key", "sign", "--digest", digest, "--pin-file", &pin]);
        let mut run = Running::spawn(&mut cmd);
        // Wait until the signature command is on its way to the card.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !log_since(&sim, before).iter().any(|l| l.contains(" 00A4020C02001A ")) {
            assert!(Instant::now() < deadline, "{ctx}: the key was never selected: {:?}", sim.log_lines());
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(500));
        let signalled = Instant::now();
        run.signal(sig);
        let (code, _) = run.finish(Duration::from_secs(10), &ctx);
        let waited = signalled.elapsed();
        assert_eq!(code, 130, "{ctx}: {}", run.stderr());
        // The signature answers about 2.6 s after it was sent: not much later than that.
        assert!(waited < Duration::from_millis(3500), "{ctx}: took {waited:?}");
        assert_eq!(run.stderr().lines().count(), 1, "{ctx}: {}", run.stderr());
        assert_interrupted_document(&json_document(&run.stdout(), &ctx), &ctx);
        let log = log_since(&sim, before);
        let signature = log
            .iter()
            .position(|l| LoggedApdu::parse(l).is_some_and(|a| a.is_signature()))
            .unwrap_or_else(|| panic!("{ctx}: {log:?}"));
        assert_eq!(log[signature + 1..], ["EVENT power-off".to_string()], "{ctx}: {log:?}");
        cases += 1;
    }
    println!("CASES signal during a slow APDU: {cases}");
}

/// `jpki` against a card that stops answering (`sim_args`), with a 2 s deadline;
/// a signal is sent once the card has gone silent. Returns the card's log too.
fn hung(sim_args: &[&str], args: &[&str], signal: Option<i32>) -> (i32, Duration, Running, Vec<String>) {
    let sim = Sim::start(sim_args);
    let mut cmd = sim.jpki();
    cmd.env("JPKI_AUTH_PIN", AUTH_PIN).env("JPKI_NEW_PIN", "5678").env("JPKI_SIGN_PIN", SIGN_PIN);
    cmd.args(["--json", "--apdu-timeout", "2"]).args(args);
    let start = Instant::now();
    let mut run = Running::spawn(&mut cmd);
    if let Some(sig) = signal {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !sim.log_lines().iter().any(|l| l.ends_with(" hung")) {
            assert!(Instant::now() < deadline, "never hung: {:?}", sim.log_lines());
            std::thread::sleep(Duration::from_millis(10));
        }
        run.signal(sig);
    }
    let (code, elapsed) = (run.finish(Duration::from_secs(10), &format!("{args:?} on a hung card")).0, start.elapsed());
    let log = sim.log_lines();
    drop(sim);
    // pcscd finishes the dead transmit and cleans up after `jpki` only once
    // the card has left: give it time before the slot holds another card.
    std::thread::sleep(Duration::from_secs(1));
    (code, elapsed, run, log)
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_card_that_never_answers_is_given_up_after_the_deadline() {
    pcscd_test!();
    let mut cases = 0;
    // The APDU that hangs, the command, and the error kind expected.
    let table: [(&[&str], &[&str], &str); 4] = [
        (&["--hang-at", "1"], &["status"], "communication_error"),
        (&["--hang-at", "4"], &["verify", "auth"], "verify_outcome_unknown"),
        (&["--hang-on", "24"], &["pin", "change", "auth"], "change_outcome_unknown"),
        (&["--hang-on", "2A"], &["sign", "--key", "auth", "--digest", &"ab".repeat(32)], "communication_error"),
    ];
    for (sim_args, args, kind) in table {
        let ctx = format!("{args:?} with {sim_args:?}");
        let (code, elapsed, run, log) = hung(sim_args, args, None);
        assert_eq!(code, 6, "{ctx}: {}", run.stderr());
        assert!(elapsed < Duration::from_secs(5), "{ctx}: took {elapsed:?}");
        assert_eq!(run.stderr().lines().count(), 1, "{ctx}: {}", run.stderr());
        let doc = json_document(&run.stdout(), &ctx);
        assert_eq!(doc["error"]["kind"], kind, "{ctx}: {doc}; card log: {log:?}");
        // Nothing was sent after the APDU that hung.
        assert!(log.last().is_some_and(|l| l.ends_with(" hung")), "{ctx}: {log:?}");
        cases += 1;
    }
    // A signal during the silence: the deadline ends it, never later.
    for (name, sig) in SIGNALS {
        let ctx = format!("SIG{name} during a VERIFY that hangs");
        let (code, elapsed, run, log) = hung(&["--hang-at", "4"], &["verify", "auth"], Some(sig));
        assert_eq!(code, 130, "{ctx}: {}", run.stderr());
        assert!(elapsed < Duration::from_secs(5), "{ctx}: took {elapsed:?}");
        assert_eq!(run.stderr().lines().count(), 1, "{ctx}: {}", run.stderr());
        assert!(run.stderr().contains("unknown"), "{ctx}: the VERIFY's outcome is unknown: {}", run.stderr());
        assert_interrupted_document(&json_document(&run.stdout(), &ctx), &ctx);
        assert!(log.last().is_some_and(|l| l.ends_with(" hung")), "{ctx}: {log:?}");
        cases += 1;
    }
    println!("CASES card that never answers: {cases}");
}
