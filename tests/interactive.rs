//! The terminal paths: the no-echo PIN prompt (also when stdin carries data),
//! the consent for the last try, confirmation of a new PIN, no binary on a
//! terminal, the wait for a card, the batch's progress and the privacy note of
//! a CMS. `script` (util-linux) gives `jpki` a pseudo-terminal; what we "type"
//! is sent after a pause.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// Run `jpki ARGS` on a pseudo-terminal, typing each line after a pause.
fn on_terminal(sim: &Sim, args: &[&str], typed: &[&str]) -> Output {
    let mut line = format!("{} --reader '{}'", jpki_bin(), sim.reader);
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("JPKI_AUTH_PIN")
        .env_remove("JPKI_SIGN_PIN")
        .env_remove("JPKI_NEW_PIN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) is needed for the terminal tests");
    let mut stdin = child.stdin.take().unwrap();
    for t in typed {
        std::thread::sleep(Duration::from_millis(1200));
        let _ = stdin.write_all(format!("{t}\n").as_bytes());
        let _ = stdin.flush();
    }
    std::thread::sleep(Duration::from_millis(1200));
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn prompt_does_not_echo_and_last_try_asks_for_consent() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    // "n": nothing is sent after the guard's query.
    let o = on_terminal(&sim, &["verify", "auth"], &["1234", "n"]);
    let screen = stdout(&o);
    assert!(screen.contains("Only 1 try is left"), "{screen}");
    assert!(!screen.contains("1234"), "the PIN was echoed: {screen}");
    assert_eq!(o.status.code(), Some(5), "{screen}");
    assert!(verifies_with_data(&sim.apdus()).is_empty(), "{:?}", sim.log_lines());
    assert_eq!(sim.tries_left("auth"), 1);

    // "y": the VERIFY is sent and the counter is back to 3.
    let o = on_terminal(&sim, &["verify", "auth"], &["1234", "y"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("1234"));
    assert_eq!(sim.tries_left("auth"), 3);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn new_pin_is_asked_twice_and_must_match() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = on_terminal(&sim, &["pin", "change", "auth"], &["1234", "5678", "5679"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("differ"), "{}", stdout(&o));
    assert_eq!(sim.apdu_count(), 0);
    let o = on_terminal(&sim, &["pin", "change", "auth"], &["1234", "5678", "5678"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("5678") && !stdout(&o).contains("1234"), "a PIN was echoed: {}", stdout(&o));
    assert_eq!(sim.pins()["pins"]["auth"]["value"], "5678");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn binary_output_is_refused_on_a_terminal() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let o = on_terminal(&sim, &["cert", "auth", "--der"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("terminal"), "{}", stdout(&o));
    assert_eq!(sim.apdu_count(), 0);
    // PEM is text: fine on a terminal.
    let o = on_terminal(&sim, &["cert", "auth"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("BEGIN CERTIFICATE"));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_last_try_question_says_the_way_out_in_either_language() {
    pcscd_test!();
    // The auth PIN blocked: a blocked signing password could only be reset at the office.
    let sim = Sim::start(&["--set-tries", "sign=1", "--set-tries", "auth=0"]);
    let o = on_terminal(&sim, &["--lang", "en", "verify", "sign"], &["ABC123", "n"]);
    let screen = stdout(&o);
    assert!(screen.contains("Only 1 try is left for the signing password"), "{screen}");
    assert!(screen.contains("If you forget it: your auth PIN (利用者証明用暗証番号) is blocked too"), "{screen}");
    assert_eq!(o.status.code(), Some(5), "{screen}");
    // The signing password usable: the auth PIN can be reset at a kiosk with it.
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    let o = on_terminal(&sim, &["--lang", "ja", "verify", "auth"], &["1234", "n"]);
    let screen = stdout(&o);
    assert!(screen.contains("利用者証明用暗証番号の残りは1回です"), "{screen}");
    assert!(screen.contains("その際に署名用パスワードが必要です"), "{screen}");
    assert_eq!(o.status.code(), Some(5), "{screen}");
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (1, SIGN_TRIES));
}

/// A shell command line running on a pseudo-terminal, its screen collected as it comes.
struct Terminal {
    child: Child,
    screen: Arc<Mutex<Vec<u8>>>,
    keyboard: Option<std::process::ChildStdin>,
}

impl Terminal {
    /// Start `line` (a shell command line) on a pseudo-terminal. TERM names
    /// a real terminal: on a dumb one (or with TERM unset) no progress is drawn.
    fn start(line: &str) -> Terminal {
        Terminal::start_in(line, "en")
    }

    /// The same, with the messages in `lang` (en or ja).
    fn start_in(line: &str, lang: &str) -> Terminal {
        let mut child = Command::new("script")
            .args(["-qec", line, "/dev/null"])
            .env_remove("JPKI_AUTH_PIN")
            .env_remove("JPKI_SIGN_PIN")
            .env_remove("JPKI_NEW_PIN")
            .env_remove("JPKI_READER")
            .env("TERM", "xterm")
            .env("JPKI_LANG", lang)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("`script` (util-linux) is needed for the terminal tests");
        let screen = Arc::new(Mutex::new(Vec::new()));
        let sink = screen.clone();
        let mut out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = out.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        let keyboard = child.stdin.take();
        Terminal { child, screen, keyboard }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Wait until the screen shows `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.screen().contains(text) {
            assert!(Instant::now() < deadline, "never saw {text:?}; screen so far: {}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
        // What is shown is written just before the read or the wait starts.
        std::thread::sleep(Duration::from_millis(300));
    }

    fn type_keys(&mut self, keys: &str) {
        let keyboard = self.keyboard.as_mut().unwrap();
        keyboard.write_all(keys.as_bytes()).unwrap();
        keyboard.flush().unwrap();
    }

    /// The exit code, within `limit`; a hang fails the test. Returns it with the time it took.
    fn finish(&mut self, limit: Duration) -> (i32, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                drop(self.keyboard.take());
                return (status.code().expect("exited"), start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("still running after {limit:?}; screen: {}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `exec jpki --reader READER ARGS…` as a shell line, each argument quoted; `tail` is added as it is (redirections).
fn jpki_line(reader: &str, args: &[&str], tail: &str) -> String {
    let mut line = format!("exec {} --reader '{reader}'", jpki_bin());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    format!("{line} {tail}")
}

fn sha256_lines(n: usize) -> String {
    (0..n).map(|i| format!("{:064x}\n", i + 1)).collect()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_pin_prompt_reads_the_terminal_when_stdin_carries_the_batch() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = sim.state.path();
    let digests = pin_file(dir, "digests.txt", sha256_lines(3).as_bytes());
    let out = dir.join("sigs.txt");
    let batch = ["sign", "--key", "auth", "--batch", "digests"];

    // At a terminal, with the digests on stdin: the prompt comes up on the terminal.
    let tail = format!("< '{}' > '{}'", digests.display(), out.display());
    let mut term = Terminal::start(&jpki_line(&sim.reader, &batch, &tail));
    term.wait_for("Enter the auth PIN");
    term.type_keys(&format!("{AUTH_PIN}\n"));
    let (code, _) = term.finish(Duration::from_secs(60));
    assert_eq!(code, 0, "{}", term.screen());
    assert!(!term.screen().contains(AUTH_PIN), "the PIN was echoed: {}", term.screen());
    let sigs = std::fs::read_to_string(&out).unwrap();
    assert_eq!(sigs.lines().filter(|l| l.len() == 512).count(), 3, "{sigs}");

    // Ctrl-C at that prompt ends the command; nothing reaches the card.
    let before = sim.apdu_count();
    let mut term = Terminal::start(&jpki_line(&sim.reader, &batch, &tail));
    term.wait_for("Enter the auth PIN");
    term.type_keys("\x03");
    let (code, took) = term.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{}", term.screen());
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(sim.apdu_count(), before);

    // stderr away from the terminal: nobody is taken to be watching, so nothing is asked.
    let err = dir.join("err.txt");
    let tail = format!("< '{}' > '{}' 2> '{}'", digests.display(), out.display(), err.display());
    let mut term = Terminal::start(&jpki_line(&sim.reader, &batch, &tail));
    let (code, _) = term.finish(Duration::from_secs(20));
    assert_eq!(code, 2, "{}", term.screen());
    assert!(std::fs::read_to_string(&err).unwrap().contains("no terminal"), "{}", term.screen());

    // No terminal at all: exit 2, nothing sent.
    let o = run_with_stdin(sim.jpki().args(["--json"]).args(batch), sha256_lines(3).as_bytes());
    assert_code(&o, 2);
    assert_eq!(json(&o)["error"]["kind"], "no_pin");
    assert_eq!(sim.apdu_count(), before);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn at_a_terminal_jpki_waits_for_the_card_and_in_scripts_it_does_not() {
    pcscd_test!();
    let slot = SlotLock::any();
    let index = slot.index;
    let reader = slots()[index].0;
    wait_presence(reader, false);

    // In a script: no wait, no message.
    let start = Instant::now();
    let o = run(jpki().args(["--reader", reader, "status"]));
    assert_code(&o, 3);
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    assert!(!stderr(&o).contains("Waiting"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    // At a terminal, `--wait 0` does not wait either.
    let mut term = Terminal::start(&jpki_line(reader, &["--wait", "0", "status"], ""));
    let (code, took) = term.finish(Duration::from_secs(10));
    assert_eq!(code, 3, "{}", term.screen());
    assert!(took < Duration::from_secs(5) && !term.screen().contains("Waiting"), "{took:?}: {}", term.screen());

    // At a terminal, Ctrl-C ends the wait.
    let mut term = Terminal::start(&jpki_line(reader, &["status"], ""));
    term.wait_for("Ctrl-C to stop");
    term.type_keys("\x03");
    let (code, took) = term.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{}", term.screen());
    assert!(took < Duration::from_secs(3), "{took:?}");

    // At a terminal, it says what to do and waits; the card comes; the command runs.
    let mut term = Terminal::start(&jpki_line(reader, &["status"], ""));
    term.wait_for("insert your My Number Card in the reader, or hold it on the NFC reader. Waiting up to 30 s");
    let sim = Sim::start_in(slot, index, &[]);
    let (code, _) = term.finish(Duration::from_secs(40));
    assert_eq!(code, 0, "{}", term.screen());
    assert!(term.screen().contains("tries left"), "{}", term.screen());
    assert!(sim.apdu_count() > 0);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_batch_shows_its_progress_at_a_terminal_only() {
    pcscd_test!();
    // A card that takes 150 ms a signature: the progress is drawn several times.
    let sim = Sim::start(&["--sign-latency-ms", "150"]);
    let dir = sim.state.path();
    let digests = pin_file(dir, "digests.txt", sha256_lines(12).as_bytes());
    let pin = pin_file(dir, "pin", AUTH_PIN.as_bytes());
    let out = dir.join("sigs.txt");
    let batch = ["sign", "--key", "auth", "--batch", "digests", "--pin-file", pin.to_str().unwrap()];
    let tail = format!("< '{}' > '{}'", digests.display(), out.display());

    let mut term = Terminal::start(&jpki_line(&sim.reader, &batch, &tail));
    let (code, _) = term.finish(Duration::from_secs(60));
    assert_eq!(code, 0, "{}", term.screen());
    let screen = term.screen();
    assert!(screen.contains("/12 signed, about "), "{screen}");
    assert!(screen.contains(" s left"), "{screen}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 12);

    // Not with --json, even at a terminal.
    let json_batch: Vec<&str> = ["--json"].iter().chain(batch.iter()).copied().collect();
    let mut term = Terminal::start(&jpki_line(&sim.reader, &json_batch, &tail));
    let (code, _) = term.finish(Duration::from_secs(60));
    assert_eq!(code, 0, "{}", term.screen());
    assert!(!term.screen().contains("signed"), "{}", term.screen());

    // Not in a script.
    let o = run_with_stdin(sim.jpki().args(batch), sha256_lines(3).as_bytes());
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_cms_by_the_signing_key_warns_of_the_personal_data_it_carries() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let dir = sim.state.path();
    let input = pin_file(dir, "contract.txt", b"contract");
    let sign_pin = pin_file(dir, "sign-pin", SIGN_PIN.as_bytes());
    let auth_pin = pin_file(dir, "auth-pin", AUTH_PIN.as_bytes());
    let note = "the CMS will carry your signing certificate, with your name, address, birth date and sex";
    let cms = |key: &str, pin: &std::path::Path, json: bool| {
        let out = dir.join(format!("{key}-{json}.p7s"));
        let mut args = vec!["sign", "--key", key, "--cms", "-o", out.to_str().unwrap()];
        args.extend(["--pin-file", pin.to_str().unwrap(), input.to_str().unwrap()]);
        if json {
            args.insert(0, "--json");
        }
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let on_screen = |args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut term = Terminal::start(&jpki_line(&sim.reader, &args, ""));
        let (code, _) = term.finish(Duration::from_secs(60));
        assert_eq!(code, 0, "{args:?}: {}", term.screen());
        term.screen()
    };

    let screen = on_screen(&cms("sign", &sign_pin, false));
    assert_eq!(screen.matches(note).count(), 1, "{screen}");
    // Not for the auth key, which carries no personal data, and never with --json.
    assert!(!on_screen(&cms("auth", &auth_pin, false)).contains(note));
    assert!(!on_screen(&cms("sign", &sign_pin, true)).contains(note));
    // Not in a script.
    let o = run(sim.jpki().args(cms("sign", &sign_pin, false)));
    assert_code(&o, 0);
    assert!(!stderr(&o).contains(note), "{}", stderr(&o));
    // The help says so.
    let help = stdout(&run(jpki().args(["sign", "--help"]).env("JPKI_LANG", "en")));
    assert!(help.contains("name, address, birth date and sex"), "{help}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_wait_the_progress_and_the_privacy_note_speak_japanese() {
    pcscd_test!();
    let sim = Sim::start(&["--sign-latency-ms", "150"]);
    let dir = sim.state.path();
    let digests = pin_file(dir, "digests.txt", sha256_lines(8).as_bytes());
    let input = pin_file(dir, "contract.txt", b"contract");
    let auth_pin = pin_file(dir, "auth-pin", AUTH_PIN.as_bytes());
    let sign_pin = pin_file(dir, "sign-pin", SIGN_PIN.as_bytes());
    let finished = |line: String| {
        let mut term = Terminal::start_in(&line, "ja");
        let (code, _) = term.finish(Duration::from_secs(60));
        (code, term.screen())
    };

    let batch = ["sign", "--key", "auth", "--batch", "digests", "--pin-file", auth_pin.to_str().unwrap()];
    let tail = format!("< '{}' > '{}'", digests.display(), dir.join("sigs.txt").display());
    let (code, screen) = finished(jpki_line(&sim.reader, &batch, &tail));
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("/8件 署名済み 残り約") && screen.contains("秒"), "{screen}");

    let out = dir.join("c.p7s");
    let cms = ["sign", "--key", "sign", "--cms", "-o", out.to_str().unwrap(), "--pin-file", sign_pin.to_str().unwrap()];
    let (code, screen) = finished(jpki_line(&sim.reader, &cms, &format!("'{}'", input.display())));
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("注意: この CMS には署名用電子証明書が入り、あなたの氏名・住所・生年月日・性別が含まれます"),
        "{screen}"
    );

    // A reader this test holds with no card in it.
    drop(sim);
    let slot = SlotLock::any();
    let reader = slots()[slot.index].0;
    wait_presence(reader, false);
    let (code, screen) = finished(jpki_line(reader, &["--wait", "1", "status"], ""));
    assert_eq!(code, 3, "{screen}");
    assert!(
        screen.contains(
            "マイナンバーカードをリーダーに挿すか、NFC リーダーにかざしてください。最大1秒待ちます (Ctrl-C で中止)"
        ),
        "{screen}"
    );
}
