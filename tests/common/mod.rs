//! The test bench: a `jpki-sim` process serving a virtual card to the real
//! pcscd through vpcd, and helpers to run `jpki` against it.
//!
//! pcscd runs once per machine and vpcd offers two readers, so every test
//! takes a slot lock (a file lock shared by all test processes) first.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The simulator's APDU log is read by the library's own reader, whose
/// predicates (`is_verify_with_data`, `is_retry_query`, `is_signature`) are
/// the tests' rules too.
#[allow(unused_imports)]
pub use jpki::sim::log::{Delivery, LoggedApdu};

pub mod pki;

/// The simulator's default auth PIN and signing password (what `jpki-sim` stores
/// unless told otherwise), and their tries at the maximum.
pub const AUTH_PIN: &str = "1234";
pub const SIGN_PIN: &str = "ABC123";
pub const CARDINFO_PIN: &str = "1234";
pub const AUTH_TRIES: u64 = 3;
pub const SIGN_TRIES: u64 = 5;

/// Set by scripts/test.sh and CI: run the fuzz inputs and fault sweeps in full
/// rather than a sample (see [`full_run`]).
pub const FULL_ENV: &str = "JPKI_TEST_FULL";

/// True when the costly sweeps should run every case rather than a sample.
pub fn full_run() -> bool {
    std::env::var(FULL_ENV).as_deref() == Ok("1")
}

/// Set to 1 when building the tests, this marks the tests that need pcscd as
/// ignored, with the reason (see build.rs): for a machine without pcscd.
pub const SKIP_ENV: &str = "JPKI_SKIP_PCSCD_TESTS";

/// vpcd's readers and the lock files, kept in a file that scripts can read too.
struct Harness {
    slots: Vec<(&'static str, u16)>,
    pcscd_lock: String,
    slot_lock: String,
}

fn harness() -> &'static Harness {
    static HARNESS: std::sync::OnceLock<Harness> = std::sync::OnceLock::new();
    HARNESS.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(include_str!("vpcd.json")).expect("vpcd.json");
        let text = |v: &serde_json::Value| v.as_str().expect("vpcd.json: a string").to_string();
        let slots = doc["readers"]
            .as_array()
            .expect("vpcd.json: readers")
            .iter()
            .map(|r| (&*text(&r["name"]).leak(), r["port"].as_u64().and_then(|p| u16::try_from(p).ok()).expect("port")))
            .collect();
        Harness { slots, pcscd_lock: text(&doc["pcscd_lock"]), slot_lock: text(&doc["slot_lock"]) }
    })
}

/// vpcd's readers: (name, port of the simulator's link).
pub fn slots() -> &'static [(&'static str, u16)] {
    &harness().slots
}

/// Held (shared) by every pcscd test for its whole run; the test that
/// restarts pcscd takes it exclusively so it never pulls pcscd from under another.
pub struct PcscdGuard(#[allow(dead_code)] File);

fn pcscd_lock_file() -> File {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_dir().join(&harness().pcscd_lock))
        .expect("pcscd lock file")
}

impl PcscdGuard {
    pub fn shared() -> PcscdGuard {
        let f = pcscd_lock_file();
        f.lock_shared().expect("shared pcscd lock");
        PcscdGuard(f)
    }

    pub fn exclusive() -> PcscdGuard {
        let f = pcscd_lock_file();
        f.lock().expect("exclusive pcscd lock");
        PcscdGuard(f)
    }
}

/// Panic with a clear message when pcscd or the vpcd readers are missing.
/// Returns the shared guard that keeps pcscd from being restarted meanwhile.
pub fn require_pcscd() -> PcscdGuard {
    let guard = PcscdGuard::shared();
    check_pcscd();
    guard
}

/// The checks of [`require_pcscd`], without taking the lock.
pub fn check_pcscd() {
    let ctx = match pcsc::Context::establish(pcsc::Scope::User) {
        Ok(c) => c,
        Err(e) => panic!(
            "pcscd is not reachable ({e}). These tests talk to the real pcscd through vpcd: \
             run `bash scripts/test.sh` (installs and starts it), or start it with `sudo pcscd`. \
             To skip them on purpose, set {SKIP_ENV}=1."
        ),
    };
    let readers = ctx.list_readers_owned().unwrap_or_default();
    let names: Vec<String> = readers.iter().map(|r| r.to_string_lossy().into_owned()).collect();
    for (name, _) in slots() {
        assert!(
            names.iter().any(|n| n == name),
            "pcscd is running but has no reader {name:?} (found {names:?}): install vsmartcard-vpcd and restart pcscd"
        );
    }
}

fn lock_dir() -> PathBuf {
    std::env::temp_dir()
}

/// An exclusive claim on one vpcd slot, held until dropped.
pub struct SlotLock {
    _file: File,
    pub index: usize,
}

impl SlotLock {
    fn try_take(index: usize) -> Option<SlotLock> {
        let path = lock_dir().join(harness().slot_lock.replace("{index}", &index.to_string()));
        let file = File::options().create(true).truncate(false).write(true).open(path).ok()?;
        match file.try_lock() {
            Ok(()) => Some(SlotLock { _file: file, index }),
            Err(_) => None,
        }
    }

    /// Longest wait for a slot. Other tests hold one for well under this; a
    /// longer wait means a deadlock (a test holding a slot while asking for
    /// another), which must fail loudly rather than hang CI.
    const WAIT: Duration = Duration::from_secs(300);

    fn wait_for<T>(mut take: impl FnMut() -> Option<T>) -> T {
        let start = std::time::Instant::now();
        loop {
            if let Some(l) = take() {
                return l;
            }
            assert!(
                start.elapsed() < Self::WAIT,
                "no vpcd slot became free in {:?}: does this test hold one already?",
                Self::WAIT
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Take any free slot.
    pub fn any() -> SlotLock {
        Self::wait_for(|| (0..slots().len()).find_map(Self::try_take))
    }

    /// Take every slot (for tests that need no other card present): all at
    /// once or none, so that this never holds one slot while waiting for
    /// another (a deadlock with a test that holds that one and wants this).
    pub fn all() -> Vec<SlotLock> {
        Self::wait_for(|| {
            let taken: Vec<SlotLock> = (0..slots().len()).map_while(Self::try_take).collect();
            (taken.len() == slots().len()).then_some(taken)
        })
    }
}

pub fn sim_bin() -> &'static str {
    env!("CARGO_BIN_EXE_jpki-sim")
}

pub fn jpki_bin() -> &'static str {
    env!("CARGO_BIN_EXE_jpki")
}

/// A running virtual card.
pub struct Sim {
    child: Option<Child>,
    /// jpki-sim's stderr, read as it comes (a full pipe would stall the
    /// simulator) and shown when it fails.
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    pub state: tempfile::TempDir,
    pub reader: String,
    pub port: u16,
    pub log: PathBuf,
    _slot: Option<SlotLock>,
    /// The other readers, held empty while this card is alone (see [`Sim::start_alone`]).
    _others: Vec<SlotLock>,
    args: Vec<String>,
}

impl Sim {
    /// Start `jpki-sim` with extra switches in a free slot and wait for the card.
    pub fn start(args: &[&str]) -> Sim {
        let slot = SlotLock::any();
        let index = slot.index;
        Self::start_in(slot, index, args)
    }

    /// Start it in the first reader and keep every other reader empty, for
    /// commands that connect to the cards of all readers (`readers`): a
    /// concurrent test's card there would find its reader in use.
    pub fn start_alone(args: &[&str]) -> Sim {
        let mut slots = SlotLock::all().into_iter();
        let first = slots.next().expect("a vpcd slot");
        let index = first.index;
        let mut sim = Self::start_in(first, index, args);
        sim._others = slots.collect();
        sim
    }

    pub fn start_in(slot: SlotLock, index: usize, args: &[&str]) -> Sim {
        let mut sim = Self::unstarted(slot, index, args);
        sim.spawn();
        sim
    }

    /// A simulator for this slot with an empty state directory, not yet running.
    fn unstarted(slot: SlotLock, index: usize, args: &[&str]) -> Sim {
        let state = tempfile::tempdir().expect("temp dir");
        let (reader, port) = slots()[index];
        let log = state.path().join("apdu.log");
        Sim {
            child: None,
            stderr: Arc::default(),
            stderr_reader: None,
            state,
            reader: reader.to_string(),
            port,
            log,
            _slot: Some(slot),
            _others: Vec::new(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Create the state directory with these switches and exit, without a card.
    pub fn init_state(dir: &Path, args: &[&str]) {
        let status = Command::new(sim_bin())
            .arg("--state")
            .arg(dir)
            .arg("--init-only")
            .args(args)
            .status()
            .expect("run jpki-sim");
        assert!(status.success(), "jpki-sim --init-only failed");
    }

    fn spawn(&mut self) {
        self.spawn_looking_after(Duration::ZERO);
    }

    /// Start `jpki-sim` and wait for its card, this thread first looking at
    /// the log after `late` (as a busy machine may leave it unscheduled).
    fn spawn_looking_after(&mut self, late: Duration) {
        // Counted before the start: jpki-sim may connect before this thread
        // runs again (a loaded machine; a tmpfs /tmp, where its state is
        // written at once), and a count taken after would wait for a second
        // connection that never comes.
        let connects_before = self.connects();
        let mut child = Command::new(sim_bin())
            .arg("--state")
            .arg(self.state.path())
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--apdu-log")
            .arg(&self.log)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start jpki-sim");
        let mut pipe = child.stderr.take().expect("jpki-sim's stderr");
        let text = Arc::new(Mutex::new(Vec::new()));
        self.stderr = text.clone();
        self.stderr_reader = Some(std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                text.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        }));
        self.child = Some(child);
        std::thread::sleep(late);
        self.wait_connected(connects_before);
        self.wait_present(true);
    }

    /// [`Sim::start`], this thread looking at the simulator only after `late`.
    pub fn start_looking_late(args: &[&str], late: Duration) -> Sim {
        let slot = SlotLock::any();
        let index = slot.index;
        let mut sim = Self::unstarted(slot, index, args);
        sim.spawn_looking_after(late);
        sim
    }

    /// [`Sim::restart`], this thread looking at the simulator only after `late`.
    pub fn restart_looking_late(&mut self, args: &[&str], late: Duration) {
        self.stop();
        self.args = args.iter().map(|s| s.to_string()).collect();
        self.spawn_looking_after(late);
    }

    /// A card whose blocked PINs answer `sw` to VERIFY and to the retry
    /// query, with counters preset (`NAME=TRIES`, as jpki-sim's `--set-tries`).
    pub fn start_blocked(sw: &str, tries: &[&str]) -> Sim {
        let mut args = vec!["--blocked-sw", sw, "--blocked-query-sw", sw];
        for t in tries {
            args.extend(["--set-tries", t]);
        }
        Sim::start(&args)
    }

    /// "connected" lines in the log (one per connection to vpcd).
    fn connects(&self) -> usize {
        self.log_lines().iter().filter(|l| *l == "EVENT connected").count()
    }

    /// Has jpki-sim exited? Then its whole stderr is in.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        Some(status)
    }

    /// What jpki-sim wrote to stderr so far, for a failure message.
    fn sim_stderr(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr.lock().unwrap()).trim_end().to_string();
        if text.is_empty() {
            "(jpki-sim wrote nothing to stderr)".to_string()
        } else {
            format!("jpki-sim's stderr:\n{text}")
        }
    }

    /// Wait for a "connected" line beyond the `before` ones, this simulator's
    /// own, so that a stray card in the reader is never taken for ours.
    fn wait_connected(&mut self, before: usize) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.connects() <= before {
            if let Some(status) = self.exited() {
                panic!("jpki-sim exited early ({status})\n{}", self.sim_stderr());
            }
            assert!(
                Instant::now() < deadline,
                "jpki-sim never connected to vpcd for {:?} (127.0.0.1:{}) in 15 s. vpcd takes one card per \
                 reader and queues one more connection: check for a stray jpki-sim in that reader (`pgrep -a \
                 jpki-sim`) and that pcscd runs with vpcd listening (`ss -tln`; `pcscd --foreground --debug` \
                 logs each insertion).\n{}",
                self.reader,
                self.port,
                self.sim_stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stop the simulator (the card leaves the reader).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            if let Some(reader) = self.stderr_reader.take() {
                let _ = reader.join();
            }
            self.wait_present(false);
        }
    }

    /// Restart with other switches, keeping the state directory.
    pub fn restart(&mut self, args: &[&str]) {
        self.stop();
        self.args = args.iter().map(|s| s.to_string()).collect();
        self.spawn();
    }

    fn wait_present(&mut self, present: bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while card_present(&self.reader) != present {
            if let Some(status) = self.exited() {
                panic!("jpki-sim exited early ({status})\n{}", self.sim_stderr());
            }
            if Instant::now() >= deadline && std::thread::panicking() {
                // Stopping while a test fails: a second panic would abort the run.
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the virtual card did not {} in {:?}\n{}",
                if present { "appear" } else { "leave" },
                self.reader,
                self.sim_stderr()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Wait until this simulator's card is back in its reader after a dropped
    /// link (its second "connected" line, and pcscd sees the card).
    pub fn wait_back(&self, ctx: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.log_lines().iter().filter(|l| *l == "EVENT connected").count() >= 2 && card_present(&self.reader))
        {
            assert!(Instant::now() < deadline, "{ctx}: the simulator's card did not come back");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Lines of the APDU log.
    pub fn log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// The APDUs of the log.
    pub fn apdus(&self) -> Vec<LoggedApdu> {
        self.log_lines().iter().filter_map(|l| LoggedApdu::parse(l)).collect()
    }

    /// Number of APDUs the card has received so far.
    pub fn apdu_count(&self) -> usize {
        self.apdus().len()
    }

    /// The APDUs after the first `skip`.
    pub fn apdus_since(&self, skip: usize) -> Vec<LoggedApdu> {
        self.apdus().into_iter().skip(skip).collect()
    }

    /// The PIN state the card holds on disk.
    pub fn pins(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.state.path().join("pins.json")).expect("pins.json");
        serde_json::from_str(&text).expect("pins.json is JSON")
    }

    /// Tries left for a PIN, read from the card's state file.
    pub fn tries_left(&self, pin: &str) -> u64 {
        let pins = self.pins();
        find_tries(&pins, pin).unwrap_or_else(|| panic!("no PIN {pin:?} in {pins}"))
    }

    /// Assert that no try was spent: both counters at their maximum.
    #[track_caller]
    pub fn assert_counters_full(&self, ctx: &str) {
        assert_eq!(self.tries_left("auth"), AUTH_TRIES, "{ctx}: an auth PIN try was spent");
        assert_eq!(self.tries_left("sign"), SIGN_TRIES, "{ctx}: a signing password try was spent");
    }

    pub fn state_file(&self, name: &str) -> PathBuf {
        self.state.path().join(name)
    }

    /// A `jpki` command aimed at this card's reader.
    pub fn jpki(&self) -> Command {
        let mut c = jpki();
        c.env("JPKI_READER", &self.reader);
        c
    }

    /// `jpki ARGS --pin-file FILE` aimed at this card, the PIN in a file of the state directory.
    pub fn with_pin(&self, pin: impl AsRef<[u8]>, args: &[&str]) -> Command {
        let pin = pin.as_ref();
        let path = pin_file(self.state.path(), &format!("pin-{}.txt", hex::encode(pin)), pin);
        let mut cmd = self.jpki();
        cmd.args(args).arg("--pin-file").arg(path);
        cmd
    }
}

/// A `jpki` command with no PIN in its environment and nothing on stdin.
pub fn jpki() -> Command {
    let mut c = Command::new(jpki_bin());
    c.env_remove("JPKI_AUTH_PIN")
        .env_remove("JPKI_SIGN_PIN")
        .env_remove("JPKI_CARDINFO_PIN")
        .env_remove("JPKI_NEW_PIN")
        .env_remove("JPKI_READER")
        // English and UTC unless a test asks otherwise, whatever the developer's own locale and zone.
        .env_remove("JPKI_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    c
}

/// Is a card present in this reader, as pcscd sees it?
pub fn card_present(reader: &str) -> bool {
    let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else { return false };
    let name = std::ffi::CString::new(reader).unwrap();
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    ctx.get_status_change(Duration::ZERO, &mut states).is_ok() && states[0].event_state().contains(pcsc::State::PRESENT)
}

/// Wait (15 s at most) until a card is in `reader`, or until none is.
pub fn wait_presence(reader: &str, present: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while card_present(reader) != present {
        assert!(Instant::now() < deadline, "the card did not {} in {reader}", if present { "appear" } else { "leave" });
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn find_tries(pins: &serde_json::Value, pin: &str) -> Option<u64> {
    let entry = pins.get(pin).or_else(|| pins.get("pins").and_then(|p| p.get(pin)))?;
    entry.get("tries_left").and_then(|v| v.as_u64())
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Longest a process run by [`run`] may take: far above any honest run, so
/// that a hang fails the test instead of holding CI.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Run a command (stdin as it is set up) and return its output; fail on a hang.
pub fn run(cmd: &mut Command) -> Output {
    run_limited(cmd, None, RUN_LIMIT).0
}

/// Run a command with `input` piped to its stdin; fail on a hang.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    run_limited(cmd, Some(input), RUN_LIMIT).0
}

/// Run a command within `limit` (kill it and fail beyond), with `stdin` piped
/// in when given (else stdin as the command has it). Returns the output and
/// how long it took. Output is read while the command runs, so a large one
/// cannot block it.
pub fn run_limited(cmd: &mut Command, stdin: Option<&[u8]>, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        // The command may stop reading early (a usage error); a broken pipe is fine then.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = pipe.read_to_end(&mut v);
            v
        })
    };
    let out = read_all(Box::new(child.stdout.take().unwrap()));
    let err = read_all(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the command") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hung for more than {limit:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let o = Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() };
    (o, start.elapsed())
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

/// Assert an exit code, showing the output on failure.
#[track_caller]
pub fn assert_code(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "exit code\nstdout: {}\nstderr: {}", stdout(o), stderr(o));
}

/// Write a PIN file in `dir` and return its path.
pub fn pin_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// Start of a pcscd test: insist pcscd is there (a test ignored on request
/// never gets here).
#[macro_export]
macro_rules! pcscd_test {
    () => {
        let _pcscd_guard = common::require_pcscd();
    };
}

/// The VERIFY commands among `apdus` that carried a PIN.
pub fn verifies_with_data(apdus: &[LoggedApdu]) -> Vec<&LoggedApdu> {
    apdus_where(apdus, LoggedApdu::is_verify_with_data)
}

/// The APDUs that match `pred` (e.g. `LoggedApdu::is_signature`).
pub fn apdus_where(apdus: &[LoggedApdu], pred: fn(&LoggedApdu) -> bool) -> Vec<&LoggedApdu> {
    apdus.iter().filter(|a| pred(a)).collect()
}

/// How many APDUs match `pred`.
pub fn count(apdus: &[LoggedApdu], pred: fn(&LoggedApdu) -> bool) -> usize {
    apdus_where(apdus, pred).len()
}
