//! The terminal paths: the no-echo PIN prompt, the consent for the last try,
//! confirmation of a new PIN, and no binary on a terminal. `script` (util-linux)
//! gives `jpki` a pseudo-terminal; what we "type" is sent after a pause.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

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
    assert!(screen.contains("Your auth PIN (利用者証明用暗証番号) is blocked too"), "{screen}");
    assert_eq!(o.status.code(), Some(5), "{screen}");
    // The signing password usable: the auth PIN can be reset at a kiosk with it.
    let sim = Sim::start(&["--set-tries", "auth=1"]);
    let o = on_terminal(&sim, &["--lang", "ja", "verify", "auth"], &["1234", "n"]);
    let screen = stdout(&o);
    assert!(screen.contains("利用者証明用暗証番号の残りは1回です"), "{screen}");
    assert!(screen.contains("「JPKI暗証番号リセット」で予約し、カードと署名用パスワードを持って"), "{screen}");
    assert_eq!(o.status.code(), Some(5), "{screen}");
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign")), (1, SIGN_TRIES));
}
