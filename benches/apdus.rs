//! The benchmark: every `jpki` command as a whole process against `jpki-sim`,
//! through the real pcscd and vpcd, with the test harness's simulator (slot
//! locks, start-up, APDU log). Run by scripts/bench.sh, which writes its
//! Markdown (stdout) to docs/benchmark.md; progress goes to stderr.
//!
//! Scenarios: a modelled card (10 ms per APDU, 300 ms more per signature),
//! extended length on and off, each command once; a zero-latency card, each
//! command `--runs` times (wall median and min, CPU, and the peak RSS of one
//! more run under GNU time); the smartphone certificate on a zero-latency
//! card. APDUs and bytes come from the simulator's log, read with
//! `jpki::sim::log::LoggedApdu`.
//!
//!   cargo bench --all-features --bench apdus -- [--runs N] [--full]
//!
//! Exit status 1 when a command failed (its row says FAIL).

#[path = "../tests/common/mod.rs"]
mod common;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{jpki_bin, LoggedApdu, Sim, AUTH_PIN, CARDINFO_PIN, SIGN_PIN};
use sha2::{Digest, Sha256};

const NEW_AUTH_PIN: &str = "5678";
/// Longest one process may take before the benchmark gives up on it.
const LIMIT: Duration = Duration::from_secs(300);

fn note(msg: &str) {
    eprintln!("bench: {msg}");
}

struct Options {
    runs: usize,
    apdu_ms: u64,
    sign_ms: u64,
    full: bool,
}

fn options() -> Options {
    let mut o = Options { runs: 5, apdu_ms: 10, sign_ms: 300, full: false };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |what: &str| -> u64 {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match a.as_str() {
            "--runs" => o.runs = number("--runs").max(1) as usize,
            "--apdu-latency-ms" => o.apdu_ms = number("--apdu-latency-ms"),
            "--sign-latency-ms" => o.sign_ms = number("--sign-latency-ms"),
            "--full" => o.full = true,
            "--bench" => {} // added by `cargo bench`
            other => panic!(
                "unknown argument {other:?} (known: --runs N, --apdu-latency-ms MS, --sign-latency-ms MS, --full)"
            ),
        }
    }
    o
}

// ---------------------------------------------------------------------------
// Input files and the commands
// ---------------------------------------------------------------------------

struct Files {
    dir: PathBuf,
    auth: PathBuf,
    auth_new: PathBuf,
    sign: PathBuf,
    cardinfo: PathBuf,
    document: PathBuf,
    pdf: PathBuf,
    digest: String,
}

impl Files {
    fn new(dir: &Path) -> Files {
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).expect("write an input file");
            p
        };
        // A two-page PDF from Ghostscript, as tests/pdf.rs makes one.
        write("doc.ps", "%!PS\n/Helvetica findfont 24 scalefont setfont\n72 700 moveto (Minutes) show showpage\n");
        let made = Command::new("ps2pdf").args(["doc.ps", "doc.pdf"]).current_dir(dir).status();
        assert!(made.is_ok_and(|s| s.success()), "ps2pdf failed: install the PDF tools with `bash scripts/setup.sh`");
        Files {
            dir: dir.to_path_buf(),
            auth: write("auth.pin", AUTH_PIN),
            auth_new: write("auth-new.pin", NEW_AUTH_PIN),
            sign: write("sign.pin", SIGN_PIN),
            cardinfo: write("cardinfo.pin", CARDINFO_PIN),
            document: write("document.txt", &"An e-Tax filing to sign, line after line.\n".repeat(2000)),
            pdf: dir.join("doc.pdf"),
            digest: hex::encode(Sha256::digest(b"jpki benchmark")),
        }
    }

    fn batch(&self, n: usize) -> PathBuf {
        let p = self.dir.join(format!("batch-{n}.txt"));
        let lines: String = (0..n).map(|i| hex::encode(Sha256::digest(format!("item {i}"))) + "\n").collect();
        std::fs::write(&p, lines).expect("write a batch");
        p
    }

    fn out(&self, name: &str) -> OsString {
        self.dir.join(name).into_os_string()
    }
}

/// One command line of `jpki`, measured as a whole process.
struct Op {
    name: String,
    args: Vec<OsString>,
    stdin: Option<PathBuf>,
    /// Lines `sign --batch` must print.
    items: usize,
    /// Byte lengths of the PINs a VERIFY (INS 20) and a CHANGE (INS 24) carry:
    /// the log shows their header only.
    secrets: [(u8, usize); 2],
}

fn op(name: &str, args: &[&str]) -> Op {
    Op {
        name: name.to_string(),
        args: args.iter().map(OsString::from).collect(),
        stdin: None,
        items: 0,
        secrets: [(0x20, 0), (0x24, 0)],
    }
}

impl Op {
    fn pin(mut self, file: &Path, pin: &str) -> Op {
        self.args.extend(["--pin-file".into(), file.into()]);
        self.secrets[0].1 = pin.len();
        self
    }

    fn arg(mut self, a: impl Into<OsString>) -> Op {
        self.args.push(a.into());
        self
    }
}

/// Every command on the card, in the order they run; `pin change` last.
fn card_ops(f: &Files, batches: &[usize]) -> Vec<Op> {
    let mut ops = vec![
        op("readers", &["readers"]),
        op("status", &["status"]),
        op("status --all", &["status", "--all"]),
        op("status --jpki-only", &["status", "--jpki-only"]),
        op("status --certs", &["status", "--certs"]),
        op("verify auth", &["verify", "auth"]).pin(&f.auth, AUTH_PIN),
        op("verify sign", &["verify", "sign"]).pin(&f.sign, SIGN_PIN),
        op("cert auth", &["cert", "auth", "--der"]),
    ];
    ops.extend(signing_ops(f, "card"));
    for &n in batches {
        let mut o = op(&format!("sign --batch digests ×{n}"), &["sign", "--key", "sign", "--batch", "digests"])
            .pin(&f.sign, SIGN_PIN);
        o.stdin = Some(f.batch(n));
        o.items = n;
        ops.push(o);
    }
    ops.extend([
        pdf_sign(f, "card"),
        op("card-info", &["card-info"]).pin(&f.cardinfo, CARDINFO_PIN),
        op("card-info --my-number-only", &["card-info", "--my-number-only"]).pin(&f.cardinfo, CARDINFO_PIN),
    ]);
    ops.extend(doctor());
    let mut change = op("pin change auth", &["pin", "change", "auth", "--new-pin-file"]).arg(&f.auth_new);
    change = change.pin(&f.auth, AUTH_PIN);
    change.secrets[1].1 = NEW_AUTH_PIN.len();
    ops.push(change);
    ops
}

/// Commands that never reach a card (offline checks and start-up alone).
fn offline_ops(f: &Files) -> Vec<Op> {
    vec![op("--version", &["--version"]), op("pdf verify", &["pdf", "verify"]).arg(f.out("card.pdf"))]
}

/// The smartphone certificate: what a phone offers (no card-info applet).
fn phone_ops(f: &Files) -> Vec<Op> {
    let mut ops = vec![
        op("readers", &["readers"]),
        op("status", &["status"]),
        op("status --certs", &["status", "--certs"]),
        op("cert auth", &["cert", "auth", "--der"]).pin(&f.auth, AUTH_PIN),
    ];
    ops.extend(signing_ops(f, "phone"));
    ops.push(pdf_sign(f, "phone"));
    ops.extend(doctor());
    ops
}

/// The signing certificate and the three kinds of signature; outputs named after `tag`.
fn signing_ops(f: &Files, tag: &str) -> Vec<Op> {
    let d = f.digest.as_str();
    vec![
        op("cert sign", &["cert", "sign", "--der"]).pin(&f.sign, SIGN_PIN),
        op("sign --key sign", &["sign", "--key", "sign", "--hash", "sha256", "--digest", d]).pin(&f.sign, SIGN_PIN),
        op("sign --key auth", &["sign", "--key", "auth", "--hash", "sha256", "--digest", d]).pin(&f.auth, AUTH_PIN),
        op("sign --cms", &["sign", "--key", "sign", "--cms", "-o"])
            .arg(f.out(&format!("{tag}.p7s")))
            .arg(&f.document)
            .pin(&f.sign, SIGN_PIN),
    ]
}

fn pdf_sign(f: &Files, tag: &str) -> Op {
    op("pdf sign", &["pdf", "sign"]).arg(&f.pdf).arg("-o").arg(f.out(&format!("{tag}.pdf"))).pin(&f.sign, SIGN_PIN)
}

/// `doctor`, where this `jpki` has it.
fn doctor() -> Option<Op> {
    has_command("doctor").then(|| op("doctor", &["doctor"]))
}

/// Does this `jpki` have the subcommand (`doctor` is newer than the benchmark)?
fn has_command(name: &str) -> bool {
    common::jpki()
        .args([name, "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// ---------------------------------------------------------------------------
// Running one process
// ---------------------------------------------------------------------------

struct Run {
    code: i32,
    wall_ms: f64,
    cpu_ms: f64,
    stderr: String,
}

/// Spawn, then reap with wait4 for the child's own CPU time. (Its ru_maxrss
/// is not used: a child spawned with vfork starts with the parent's peak,
/// which Linux carries over exec.)
fn run_once(cmd: &mut Command, stdin: Option<&Path>, out: &Path, err: &Path) -> Run {
    cmd.stdin(match stdin {
        Some(p) => Stdio::from(File::open(p).expect("stdin file")),
        None => Stdio::null(),
    })
    .stdout(File::create(out).expect("stdout file"))
    .stderr(File::create(err).expect("stderr file"));
    let start = Instant::now();
    // Reaped by wait4 below, which std's wait does not offer with the rusage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain POSIX calls on our own child; rusage is a C struct, all zeros is valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > LIMIT {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let stderr = std::fs::read_to_string(err).unwrap_or_default();
    Run { code, wall_ms, cpu_ms: tv(ru.ru_utime) + tv(ru.ru_stime), stderr }
}

/// Peak RSS in KiB of one run under GNU time (`%M`), which itself peaks at about 1 MiB.
fn peak_rss(base: Command, stdin: Option<&Path>, work: &Path) -> Option<u64> {
    let report = work.join("time.out");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f").arg("%M").arg("-o").arg(&report).arg(base.get_program()).args(base.get_args());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let r = run_once(&mut cmd, stdin, &work.join("out"), &work.join("err"));
    let text = std::fs::read_to_string(&report).ok()?;
    (r.code == 0).then(|| text.lines().last()?.trim().parse().ok()).flatten()
}

struct Measured {
    name: String,
    items: usize,
    runs: Vec<Run>,
    apdus: Vec<LoggedApdu>,
    bytes: usize,
    rss_kib: Option<u64>,
    failed: Option<String>,
}

impl Measured {
    fn sorted(&self, f: fn(&Run) -> f64) -> Vec<f64> {
        let mut v: Vec<f64> = self.runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median(&self, f: fn(&Run) -> f64) -> f64 {
        let v = self.sorted(f);
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
    fn min(&self, f: fn(&Run) -> f64) -> f64 {
        self.sorted(f).first().copied().unwrap_or(f64::NAN)
    }
    fn count(&self) -> String {
        match &self.failed {
            Some(_) => "FAIL".into(),
            None => self.apdus.len().to_string(),
        }
    }
}

/// Command bytes (a secret's header, Lc and PIN), response data and the SW.
fn apdu_bytes(a: &LoggedApdu, secrets: &[(u8, usize)]) -> usize {
    let cmd = match &a.command {
        Some(c) => c.len(),
        None => 4 + 1 + secrets.iter().find(|(ins, _)| *ins == a.header[1]).map_or(0, |s| s.1),
    };
    cmd + a.data_len + 2
}

/// Run `op` `runs` times against `sim` (or no card when offline); with `rss`, once more under GNU time.
fn measure(sim: &Sim, f: &Files, op: &Op, runs: usize, rss: bool) -> Measured {
    let mut m = Measured {
        name: op.name.clone(),
        items: op.items,
        runs: vec![],
        apdus: vec![],
        bytes: 0,
        rss_kib: None,
        failed: None,
    };
    let command = |i: usize| {
        let mut c = sim.jpki();
        let mut args = op.args.clone();
        // `pin change` changes the PIN back on every other run.
        if op.name == "pin change auth" && i % 2 == 1 {
            for a in &mut args {
                if *a == f.auth {
                    *a = f.auth_new.clone().into();
                } else if *a == f.auth_new {
                    *a = f.auth.clone().into();
                }
            }
        }
        c.args(args);
        c
    };
    for i in 0..runs + usize::from(rss) {
        let before = sim.apdu_count();
        let out = f.dir.join("stdout");
        let (run, rss_kib) = if i == runs {
            (None, peak_rss(command(i), op.stdin.as_deref(), &f.dir))
        } else {
            (Some(run_once(&mut command(i), op.stdin.as_deref(), &out, &f.dir.join("stderr"))), None)
        };
        let apdus = sim.apdus_since(before);
        if let Some(run) = run {
            if run.code != 0 {
                m.failed = Some(format!("exit {}: {}", run.code, run.stderr.trim()));
            } else if op.items > 0 {
                let lines = std::fs::read_to_string(&out).unwrap_or_default().lines().count();
                if lines != op.items {
                    m.failed = Some(format!("{lines} output lines for {} items", op.items));
                }
            }
            m.runs.push(run);
        } else {
            m.rss_kib = rss_kib;
        }
        if i == 0 {
            m.bytes = apdus.iter().map(|a| apdu_bytes(a, &op.secrets)).sum();
            m.apdus = apdus;
        } else if apdus.len() != m.apdus.len() {
            note(&format!("{}: {} APDUs in run {}, {} in run 1", op.name, apdus.len(), i + 1, m.apdus.len()));
        }
        if let Some(why) = &m.failed {
            note(&format!("FAIL: {}: {why}", op.name));
            break;
        }
    }
    m
}

struct Scenario {
    results: Vec<Measured>,
    auth_len: usize,
    sign_len: usize,
}

fn run_scenario(label: &str, sim_args: &[&str], f: &Files, ops: &[Op], runs: usize, rss: bool) -> Scenario {
    note(&format!("{label}: jpki-sim {}", sim_args.join(" ")));
    let sim = Sim::start(sim_args);
    let results = ops
        .iter()
        .map(|op| {
            let m = measure(&sim, f, op, runs, rss);
            note(&format!("{label}: {}: {} APDUs, {:.0} ms", m.name, m.apdus.len(), m.min(|r| r.wall_ms)));
            m
        })
        .collect();
    let len = |name: &str| std::fs::read(sim.state_file(&format!("{name}.crt.der"))).map_or(0, |d| d.len());
    Scenario { results, auth_len: len("auth"), sign_len: len("sign") }
}

// ---------------------------------------------------------------------------
// Floors and peers: the team's card-protocol notes, §15 "Minimal APDU sequences"
// ---------------------------------------------------------------------------

/// (conservative, shortest, derived) for one command; k = ⌈N/256⌉ of the
/// certificate it reads, n = batch items. `derived`: §15 has no figure for
/// exactly this command and the floor is built from its sequences as said.
fn floor_of(op: &str, ext: bool, auth_len: usize, sign_len: usize, items: usize) -> Option<(usize, usize, bool)> {
    let (k_auth, k_sign) = (auth_len.div_ceil(256), sign_len.div_ceil(256));
    Some(match op {
        // §15.1 covers three counters (conservative 8, shortest 5); the two JPKI ones alone are
        // 5 (AP, SEL, Q, SEL, Q) or 3 (AP, two SFI queries); each of EF 0008 (signing certificate
        // issued?) and EF 0006 (the token label: card or smartphone?) adds SEL + READ, or one SFI READ.
        "status --jpki-only" => (9, 5, true),
        "status" => (12, 7, true),
        // Seven counters, §15.1's pattern per applet: (1 + 2×2) + (1 + 3×2) + (1 + 2×2) = 17, or
        // 3 + 4 + 3 = 10 by SFI; plus EF 0008 and EF 0006 as above.
        "status --all" => (21, 12, true),
        "verify auth" | "verify sign" => (3, 2, false), // §15.3, §15.2
        // §15.4: AP, SEL(000A), k short reads; or AP + SFI READ (extended Le), 1 + k without.
        "cert auth" => (2 + k_auth, if ext { 2 } else { 1 + k_auth }, false),
        // §15.5: AP, SEL(001B), V, SEL(0001), k reads; or AP, V by SFI, SFI READ (2 + k without).
        "cert sign" => (4 + k_sign, if ext { 3 } else { 2 + k_sign }, false),
        "sign --key sign" | "sign --key auth" => (5, 3, false), // §15.6, §15.7
        // §15.6 plus the certificate CMS embeds, read as in §15.5; a PDF signature is a CMS one.
        "sign --cms" | "pdf sign" => (6 + k_sign, if ext { 4 } else { 3 + k_sign }, true),
        // §15.6 with one VERIFY for the whole batch: AP, SEL(001B), V, SEL(001A), n × SIGN; or AP, V, n × SIGN.
        _ if op.starts_with("sign --batch") => (4 + items, 2 + items, true),
        "card-info --my-number-only" => (5, 3, false), // §15.9
        // §15.9 plus the four attributes (EF 0002, at most 256 bytes on the simulator): SEL + READ, or one SFI READ.
        "card-info" => (7, 4, true),
        "pin change auth" => (4, 4, false), // §15.8 (no shorter form known)
        _ => return None,
    })
}

/// Peers' counts as §15 gives them: jpki/myna (Rust / Go), jpki-rs, OpenSC. §15.4 and §15.5
/// count for N = 1,583 (k = 7); "bind" = OpenSC's AP SELECT at bind.
fn peers_of(op: &str) -> [&'static str; 3] {
    match op {
        "status" => ["— (19 for all counters)", "—", "—"], // §15.1
        "status --all" => ["19 / 19", "—", "—"],           // §15.1 (myna `pin status`)
        "status --jpki-only" => ["— (19 for all counters)", "3 per PIN", "5"], // §15.1
        "verify auth" | "verify sign" => ["5 / 3", "3", "2 + bind"], // §15.3, §15.2
        "cert auth" => ["12 / 10", "10", "9 + bind"],      // §15.4
        "cert sign" => ["14 / 12", "12", "V + 9"],         // §15.5
        "sign --key sign" | "sign --key auth" => ["7 / 5", "5", "4 + bind"], // §15.6, §15.7
        "card-info --my-number-only" => ["5 / 5", "5", "—"], // §15.9
        "pin change auth" => ["6 / 4", "n/a", "n/a"],      // §15.8
        _ => ["—", "—", "—"],
    }
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// One APDU in §15 notation.
fn token(a: &LoggedApdu) -> String {
    let [_, ins, p1, p2] = a.header;
    let body = a.command.as_deref().map_or(&[][..], |c| &c[4.min(c.len())..]);
    let hex_of = |b: &[u8]| hex::encode_upper(b);
    match ins {
        0xA4 if p1 == 0x04 => match hex_of(body.get(1..).unwrap_or_default()).as_str() {
            "D392F000260100000001" => "AP".into(),
            "D3921000310001010408" => "TXT".into(),
            "D3921000310001010402" => "VIS".into(),
            other => format!("SELECT {other}"),
        },
        0xA4 if p1 == 0x02 => format!("SEL({})", hex_of(body.get(1..3).unwrap_or_default())),
        0x20 => {
            let sfi = if p2 == 0x80 { String::new() } else { format!("[{p2:02X}]") };
            format!("{}{sfi}", if a.secret { "V" } else { "Q" })
        }
        0x24 => "CHANGE".into(),
        0xB0 => {
            let sfi = if p1 & 0x80 != 0 { format!("[{p1:02X}]") } else { String::new() };
            format!("{}{sfi}", if body.len() == 3 { "READext" } else { "READ" })
        }
        0x2A => "SIGN".into(),
        0xC0 => "GET RESPONSE".into(),
        _ => hex_of(&a.header),
    }
}

/// The APDUs in §15 notation, runs of one command folded (READ ×6); an
/// answer other than 9000 or 63Cx is shown.
fn sequence(apdus: &[LoggedApdu]) -> String {
    let mut out: Vec<(String, usize)> = vec![];
    for a in apdus {
        let mut t = token(a);
        if a.sw != 0x9000 && a.sw & 0xFFF0 != 0x63C0 {
            t += &format!("→{:04X}", a.sw);
        }
        match out.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => out.push((t, 1)),
        }
    }
    out.iter().map(|(t, n)| if *n == 1 { t.clone() } else { format!("{t} ×{n}") }).collect::<Vec<_>>().join(", ")
}

fn card_ms(m: &Measured, o: &Options) -> u64 {
    m.apdus.iter().map(|a| o.apdu_ms + if a.is_signature() { o.sign_ms } else { 0 }).sum()
}

fn modelled_table(s: &mut String, scenarios: &[(&str, Scenario)], o: &Options) {
    s.push_str("| operation | ext len | APDUs | floor (conservative) | floor (shortest) | jpki/myna (Rust / Go) | jpki-rs | OpenSC | bytes | wall ms | card ms (model) |\n");
    s.push_str("|---|---|--:|--:|--:|---|---|---|--:|--:|--:|\n");
    for (ext, sc) in scenarios {
        for m in &sc.results {
            let (cons, short) = match floor_of(&m.name, *ext == "on", sc.auth_len, sc.sign_len, m.items) {
                Some((c, sh, derived)) => {
                    let star = if derived { "*" } else { "" };
                    (format!("{c}{star}"), format!("{sh}{star}"))
                }
                None => ("—".into(), "—".into()),
            };
            let [myna, jrs, osc] = peers_of(&m.name);
            let _ = writeln!(
                s,
                "| `{}` | {ext} | {} | {cons} | {short} | {myna} | {jrs} | {osc} | {} | {:.0} | {} |",
                m.name,
                m.count(),
                m.bytes,
                m.median(|r| r.wall_ms),
                card_ms(m, o)
            );
        }
    }
}

fn scaling_table(s: &mut String, named: &[(String, &Scenario)]) {
    s.push_str("| card | items | APDUs | APDUs added per added item | wall ms | wall ms added per added item |\n");
    s.push_str("|---|--:|--:|--:|--:|--:|\n");
    for (label, sc) in named {
        let mut prev: Option<(usize, usize, f64)> = None;
        for m in sc.results.iter().filter(|m| m.items > 0) {
            let wall = m.median(|r| r.wall_ms);
            let (per_apdu, per_ms) = match prev {
                None => ("—".to_string(), "—".to_string()),
                Some((items, apdus, w)) => {
                    let d = (m.items - items) as f64;
                    (format!("{:.2}", (m.apdus.len() as f64 - apdus as f64) / d), format!("{:.2}", (wall - w) / d))
                }
            };
            let _ = writeln!(s, "| {label} | {} | {} | {per_apdu} | {wall:.0} | {per_ms} |", m.items, m.count());
            prev = Some((m.items, m.apdus.len(), wall));
        }
    }
}

fn time_table(s: &mut String, results: &[&Measured]) {
    s.push_str("| operation | APDUs | bytes | wall ms median | wall ms min | CPU ms (user + sys) | peak RSS MiB |\n");
    s.push_str("|---|--:|--:|--:|--:|--:|--:|\n");
    for m in results {
        let rss = m.rss_kib.map_or("n/a".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {:.1} | {:.1} | {:.1} | {rss} |",
            m.name,
            m.count(),
            m.bytes,
            m.median(|r| r.wall_ms),
            m.min(|r| r.wall_ms),
            m.median(|r| r.cpu_ms)
        );
    }
}

fn sequences(s: &mut String, title: &str, results: &[Measured]) {
    let _ = writeln!(s, "\n{title}:\n");
    for m in results.iter().filter(|m| m.items <= 10 && !m.apdus.is_empty()) {
        let _ = writeln!(s, "* `{}` ({}): {}", m.name, m.apdus.len(), sequence(&m.apdus));
    }
}

/// 1234567 as "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn sh(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or("?".into(), |l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
}

fn machine(s: &mut String, load_before: &str) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let mut rev = sh("git", &["rev-parse", "--short", "HEAD"]);
    if !sh("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        rev += " with uncommitted changes";
    }
    let pcscd = sh("pcscd", &["--version"]);
    let _ = writeln!(s, "* jpki-tool at commit {rev}, release build (`lto = \"thin\"`)");
    let _ = writeln!(s, "* date: {}", sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]));
    let _ = writeln!(s, "* machine: {}, {} cores (`nproc`), CPU {cpu}", sh("uname", &["-srm"]), sh("nproc", &[]));
    let _ = writeln!(s, "* load average (1, 5, 15 min) before the run: {load_before}; after: {}", load());
    let _ = writeln!(s, "* {}; {}", pcscd.lines().next().unwrap_or("pcscd ?"), sh("rustc", &["-V"]));
}

fn main() {
    let o = options();
    let t0 = Instant::now();
    let load_before = load();
    let _pcscd = common::require_pcscd();
    let work = tempfile::tempdir().expect("work directory");
    let f = Files::new(work.path());

    let modelled_batches: &[usize] = if o.full { &[1, 10, 100, 1000] } else { &[1, 10, 100] };
    let (apdu_ms, sign_ms) = (o.apdu_ms.to_string(), o.sign_ms.to_string());
    let model = ["--apdu-latency-ms", apdu_ms.as_str(), "--sign-latency-ms", sign_ms.as_str(), "--extended-length"];
    let modelled: Vec<(&str, Scenario)> = ["on", "off"]
        .into_iter()
        .map(|ext| {
            let args = [&model[..], &[ext]].concat();
            (ext, run_scenario(&format!("modelled, ext {ext}"), &args, &f, &card_ops(&f, modelled_batches), 1, false))
        })
        .collect();
    let mut ops = card_ops(&f, &[1, 10, 100, 1000]);
    ops.extend(offline_ops(&f));
    let zero = run_scenario("zero latency", &["--extended-length", "on"], &f, &ops, o.runs, true);
    let phone = run_scenario("smartphone", &["--smartphone"], &f, &phone_ops(&f), o.runs, true);

    let (n_auth, n_sign) = (modelled[0].1.auth_len, modelled[0].1.sign_len);
    let mut s = String::new();
    s.push_str("# jpki benchmark\n\n");
    let _ = writeln!(
        s,
        "Made by `bash scripts/bench.sh` (it runs `cargo bench --all-features --bench apdus -- --runs {}{}` and \
         rewrites this file up to the PDF section, which scripts/bench-pdf.sh measures).\n",
        o.runs,
        if o.full { " --full" } else { "" }
    );
    machine(&mut s, &load_before);
    let _ = writeln!(
        s,
        "* certificates on the virtual card: auth N = {n_auth} bytes (⌈N/256⌉ = {}), sign N = {n_sign} bytes (⌈N/256⌉ = {})\n",
        n_auth.div_ceil(256),
        n_sign.div_ceil(256)
    );
    let _ = writeln!(
        s,
        "## APDUs, bytes and wall time on a modelled card ({} ms per APDU, {} ms more per signature)\n",
        o.apdu_ms, o.sign_ms
    );
    let _ = writeln!(
        s,
        "Each row is one `jpki` process, run once, against `jpki-sim --apdu-latency-ms {} --sign-latency-ms {} \
         --extended-length on|off` (`jpki` picks the length from the ATR). APDUs and bytes (command + response data + SW) \
         come from the simulator's APDU log; wall ms is the whole process from spawn to exit; card ms is the latency the \
         model adds for those APDUs, so wall − card is the cost of `jpki`, pcscd and vpcd.\n",
        o.apdu_ms, o.sign_ms
    );
    modelled_table(&mut s, &modelled, &o);
    let _ = writeln!(
        s,
        "\nFloors: card-protocol.md §15 (conservative = forms several peers send to real cards; shortest = SFI forms and \
         extended Le, single-source). * = derived from §15's sequences for this exact command (see `floor_of` in \
         benches/apdus.rs). Peers' counts as §15 gives them; cert rows count for N = 1,583; \"bind\" = OpenSC's AP SELECT \
         at bind; — = §15 gives no count, or (both floors) has no sequence for the command.{}\n",
        if o.full {
            ""
        } else {
            " The 1,000-digest batch runs only on the zero-latency card below (on the modelled card it would take over \
             5 minutes per length; `--full` runs it)."
        }
    );
    s.push_str("## Batch scaling\n\n");
    let mut named: Vec<(String, &Scenario)> =
        modelled.iter().map(|(ext, sc)| (format!("modelled, ext {ext}"), sc)).collect();
    named.push(("zero latency".into(), &zero));
    scaling_table(&mut s, &named);
    let batch = |n: usize| zero.results.iter().find(|m| m.items == n && m.failed.is_none());
    if let (Some(a), Some(b)) = (batch(100), batch(1000)) {
        let d = (b.items - a.items) as f64;
        let _ = writeln!(
            s,
            "\nOn the zero-latency card each added item costs {:.1} ms of wall time for {:.2} APDU, of which {:.2} ms is \
             `jpki`'s own CPU (signature check and output); the rest is the path jpki → pcscd → vpcd → jpki-sim and the \
             simulator's RSA signature.",
            (b.median(|r| r.wall_ms) - a.median(|r| r.wall_ms)) / d,
            (b.apdus.len() as f64 - a.apdus.len() as f64) / d,
            (b.median(|r| r.cpu_ms) - a.median(|r| r.cpu_ms)) / d
        );
    }
    let _ = writeln!(
        s,
        "\n## Time outside the card (zero-latency card, extended length on, {} runs)\n\n\
         Wall ms is the median and the minimum of the runs; CPU ms the median of the `jpki` process's own user + sys \
         time (wait4). Peak RSS is `/usr/bin/time -f %M` from one more run (GNU time alone peaks at about 1 MiB; the \
         benchmark's own rusage is not used, as a spawned child starts from its parent's peak). `--version` is start-up \
         alone; `pdf verify` checks the signed PDF offline.\n",
        o.runs
    );
    time_table(&mut s, &zero.results.iter().collect::<Vec<_>>());
    let bin_dir = Path::new(jpki_bin()).parent().expect("the binaries' folder");
    let size = |b: &str| std::fs::metadata(bin_dir.join(b)).map_or(0, |m| m.len());
    let _ = writeln!(
        s,
        "\nRelease binaries (stripped, `lto = \"thin\"`): `jpki` {} bytes ({:.2} MiB), `jpki-sim` {} bytes ({:.2} MiB)\n",
        thousands(size("jpki")),
        size("jpki") as f64 / 1048576.0,
        thousands(size("jpki-sim")),
        size("jpki-sim") as f64 / 1048576.0
    );
    let _ = writeln!(
        s,
        "## Smartphone (`jpki-sim --smartphone`, zero latency, {} runs)\n\n\
         The smartphone certificate (スマホ用電子証明書) as the simulator plays it: no card-info applet, and the auth \
         certificate behind the auth PIN.\n",
        o.runs
    );
    time_table(&mut s, &phone.results.iter().collect::<Vec<_>>());
    s.push_str(
        "\n## APDU sequences\n\nIn §15 notation: AP/TXT/VIS = SELECT of the JPKI / 券面事項入力補助 / 券面事項確認 applet, \
         SEL(x) = SELECT EF, Q = retry query (empty VERIFY), V = VERIFY, [xx] = by short EF identifier, READ = short READ \
         BINARY, READext = extended Le, SIGN = COMPUTE DIGITAL SIGNATURE, CHANGE = CHANGE REFERENCE DATA.\n",
    );
    for (ext, sc) in &modelled {
        sequences(&mut s, &format!("Extended length {ext}"), &sc.results);
    }
    sequences(&mut s, "Smartphone", &phone.results);
    let _ = writeln!(s, "\nTotal run time of the benchmark: {:.0} s", t0.elapsed().as_secs_f64());
    print!("{s}");

    let failed =
        modelled.iter().map(|(_, sc)| sc).chain([&zero, &phone]).flat_map(|sc| &sc.results).any(|m| m.failed.is_some());
    if failed {
        note("some commands failed (rows marked FAIL)");
        std::process::exit(1);
    }
}
