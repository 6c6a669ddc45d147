//! pcscd stopping and coming back: `jpki` says what to do, and `jpki-sim`
//! inserts its card again. This restarts the machine's pcscd, so it is
//! `#[ignore]`d in a plain `cargo test` (reported as ignored, never as passed).
//! scripts/test.sh runs it with `--ignored` and `JPKI_TEST_RESTART_PCSCD=1`
//! when it runs as root and pcscd is not managed by systemd (as in CI). It
//! holds the pcscd lock exclusively, so no other test is using pcscd meanwhile.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Run only where restarting pcscd was allowed; asked for by name and refused
/// otherwise, loudly.
fn require_permission() {
    assert!(
        std::env::var(SKIP_ENV).as_deref() != Ok("1"),
        "{SKIP_ENV}=1 asks not to use pcscd, and this test restarts it: do not run it with --ignored then"
    );
    assert_eq!(
        std::env::var("JPKI_TEST_RESTART_PCSCD").as_deref(),
        Ok("1"),
        "this test restarts the machine's pcscd: set JPKI_TEST_RESTART_PCSCD=1 to allow it (scripts/test.sh does when root)"
    );
}

fn stop_pcscd() {
    let _ = Command::new("pkill").args(["-x", "pcscd"]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Command::new("pgrep").args(["-x", "pcscd"]).stdout(Stdio::null()).status().is_ok_and(|s| s.success()) {
        assert!(Instant::now() < deadline, "pcscd did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_pcscd() {
    let status = Command::new("pcscd")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run pcscd");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while pcsc::Context::establish(pcsc::Scope::User).is_err() {
        assert!(Instant::now() < deadline, "pcscd did not come back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Restarts pcscd even when an assertion fails.
struct Restore;
impl Drop for Restore {
    fn drop(&mut self) {
        if pcsc::Context::establish(pcsc::Scope::User).is_err() {
            start_pcscd();
        }
    }
}

#[test]
#[ignore = "restarts the machine's pcscd; scripts/test.sh runs it when allowed"]
fn pcscd_stops_and_comes_back() {
    require_permission();
    let _exclusive = PcscdGuard::exclusive();
    check_pcscd();
    let _restore = Restore;
    let mut sim = Sim::start(&[]);
    assert_code(&run(sim.jpki().arg("status")), 0);

    // No service: one line that says how to start it.
    stop_pcscd();
    let o = run(sim.jpki().args(["--json", "status"]));
    assert_code(&o, 3);
    assert_eq!(json(&o)["error"]["kind"], "no_service");
    assert!(stderr(&o).contains("pcscd"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);

    // pcscd returns; the simulator reconnects and the card is back.
    start_pcscd();
    let o = run(sim.jpki().args(["--wait", "15", "status"]));
    assert_code(&o, 0);

    // pcscd stops in the middle of a VERIFY on a slow card.
    sim.restart(&["--apdu-latency-ms", "400"]);
    let pin = pin_file(sim.state.path(), "pin", b"1234");
    let mut child = sim
        .jpki()
        .args(["verify", "auth", "--pin-file"])
        .arg(&pin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    stop_pcscd();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "jpki hung when pcscd stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    let code = o.status.code();
    assert!(matches!(code, Some(0) | Some(3) | Some(6)), "exit {code:?}: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    if code != Some(0) {
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    // A correct PIN never costs a try, whatever happened to the link.
    assert_eq!(sim.tries_left("auth"), 3);
    start_pcscd();
    let o = run(sim.jpki().args(["--wait", "15", "status"]));
    assert_code(&o, 0);
}
