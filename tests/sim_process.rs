//! `jpki-sim` as a process: state creation, presets, clean stop on signals.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn init_only_creates_state_quickly_with_presets() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = Command::new(sim_bin())
        .arg("--state")
        .arg(dir.path())
        .args(["--print-state", "--set-pin", "auth=4321", "--set-tries", "sign=2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(started.elapsed() < Duration::from_secs(1), "state creation took {:?}", started.elapsed());
    let pins: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(pins["pins"]["auth"]["value"], "4321");
    assert_eq!(pins["pins"]["sign"]["tries_left"], 2);
    for f in ["pins.json", "auth.crt.der", "sign.crt.der", "auth-ca.crt.pem", "sign-ca.crt.pem"] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    // The state survives a restart; bad presets are refused with exit 1 or 2.
    let o = Command::new(sim_bin()).arg("--state").arg(dir.path()).arg("--print-state").output().unwrap();
    let pins: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(pins["pins"]["sign"]["tries_left"], 2);
    for bad in [["--set-tries", "sign=9"], ["--set-pin", "nosuch=1"], ["--blocked-sw", "9000"]] {
        let o = Command::new(sim_bin()).arg("--state").arg(dir.path()).arg("--init-only").args(bad).output().unwrap();
        assert!(matches!(o.status.code(), Some(1) | Some(2)), "{bad:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn state_errors_say_which_jpki_sim_option_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pins.json"), "{").unwrap();
    let o = Command::new(sim_bin()).arg("--state").arg(dir.path()).arg("--init-only").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("jpki-sim: error: ") && err.contains("pins.json"), "{err}");
    assert!(err.contains("start with --reset-state"), "{err}");
    let o =
        Command::new(sim_bin()).arg("--state").arg(dir.path()).args(["--init-only", "--reset-state"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Without --state and without any variable that names a place.
    let o = Command::new(sim_bin())
        .arg("--init-only")
        .env_remove("JPKI_SIM_STATE")
        .env_remove("XDG_STATE_HOME")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no state directory: set --state"), "{err}");
}

/// jpki-sim serving vpcd's `port`, its stderr captured.
fn serve(state: &std::path::Path, port: u16) -> std::process::Child {
    Command::new(sim_bin())
        .arg("--state")
        .arg(state)
        .args(["--port", &port.to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn says_once_that_it_waits_for_vpcd() {
    // A port where nothing listens: the wait is announced once, on stderr.
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let child = serve(dir.path(), port);
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let waiting: Vec<&str> =
        err.lines().filter(|l| l.starts_with("jpki-sim: waiting for vpcd at 127.0.0.1:")).collect();
    assert_eq!(waiting.len(), 1, "{err}");
    assert!(waiting[0].contains("is pcscd running with the vpcd driver?"), "{err}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn stops_cleanly_on_sigterm_and_sigint() {
    pcscd_test!();
    for signal in ["-TERM", "-INT"] {
        let slot = SlotLock::any();
        let (reader, port) = slots()[slot.index];
        let dir = tempfile::tempdir().unwrap();
        let mut child = serve(dir.path(), port);
        let present = |want: bool| {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
                let mut st = [pcsc::ReaderState::new(std::ffi::CString::new(reader).unwrap(), pcsc::State::UNAWARE)];
                ctx.get_status_change(Duration::ZERO, &mut st).unwrap();
                if st[0].event_state().contains(pcsc::State::PRESENT) == want {
                    return;
                }
                assert!(Instant::now() < deadline, "card presence never became {want}");
                std::thread::sleep(Duration::from_millis(30));
            }
        };
        present(true);
        Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "jpki-sim ignored {signal}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "{signal}");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains(&format!("jpki-sim: card inserted in vpcd at 127.0.0.1:{port}\n")), "{err}");
        present(false);
        drop(slot);
    }
}

/// The test bench finds its simulator's card even when its thread looks late
/// (a loaded machine), after the simulator has already connected: first start
/// and restart.
#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_bench_finds_a_card_that_connected_before_it_looked() {
    pcscd_test!();
    let late = Duration::from_millis(1500);
    let mut sim = Sim::start_looking_late(&[], late);
    assert!(card_present(&sim.reader));
    sim.restart_looking_late(&["--set-tries", "sign=4"], late);
    assert!(card_present(&sim.reader));
    let o = run(sim.jpki().args(["--json", "status"]));
    assert_code(&o, 0);
}
