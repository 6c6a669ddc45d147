#!/usr/bin/env python3
"""The benchmark of issue 6: `jpki` as whole processes against `jpki-sim`.

Called by scripts/bench.sh after it has built the release binaries. Python 3
standard library only. For each scenario it takes the pcscd lock (shared) and a
vpcd slot lock, the flock files the tests use (both read tests/common/vpcd.json), starts `jpki-sim` in that slot with a
fresh state directory and an APDU log, runs every `jpki` command once (or
--repeat times on the zero-latency card), and counts the APDUs and bytes each
process caused from the log lines `APDU <seq> <cmd hex> -> <SW> <len>`
(bytes = command bytes + response data + 2 for the SW). The log shows only the
header of a VERIFY or CHANGE REFERENCE DATA with data (`[secret]`): its bytes are
the header, Lc and the PIN the benchmark itself gave.

Markdown goes to stdout, progress to stderr. The exit status is 1 when a
command failed (its row says FAIL), 2 on a setup error.
"""

import argparse
import fcntl
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

AUTH_PIN = "1234"
SIGN_PIN = "ABC123"
CARDINFO_PIN = "1234"
NEW_AUTH_PIN = "5678"

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(REPO, "tests", "common", "vpcd.json"), encoding="utf-8") as f:
    HARNESS = json.load(f)
SLOTS = [(r["name"], r["port"]) for r in HARNESS["readers"]]

# ---------------------------------------------------------------------------
# Floors: the team's card-protocol notes, §15 "Minimal APDU sequences" (docs/benchmark.md
# gives the figures; docs/virtual-card.md says what the notes cover). Each entry returns
# (conservative, shortest, derived) for a scenario; k = ceil(N/256) where N is
# the DER length of the certificate the command reads (taken from the
# simulator's state directory), n = batch items. `derived` is True where §15
# has no figure for exactly this command and the floor is built from its
# sequences as the comment says; the table marks those with *.
# ---------------------------------------------------------------------------


def ceil256(n):
    return math.ceil(n / 256)


def floor_of(op, ext, n_auth, n_sign, items=0):
    k_auth, k_sign = ceil256(n_auth), ceil256(n_sign)
    if op == "status --jpki-only":
        # §15.1 covers three counters (conservative 8, shortest 5). `--jpki-only` reads the two
        # JPKI ones: §15.1 without its text-AP part (TXT, SEL(0011), Q / TXT, 00 20 00 91):
        # conservative AP, SEL(0018), Q, SEL(001B), Q = 5; shortest AP, 00 20 00 98, 00 20 00 9B = 3;
        # plus EF 0008 (signing certificate issued?): SEL(0008), READ = 2, or one SFI READ (§7.1);
        # plus the token label of EF 0006 (card or smartphone?) the same way: 2 or 1.
        return 9, 5, True
    if op == "status":
        # The holder's three PINs: §15.1's three counters (conservative 8, shortest 5),
        # plus EF 0008 as for `status --jpki-only`: 2 or 1.
        return 10, 6, True
    if op == "status --all":
        # Seven counters (JPKI 2, text AP 3, 券面確認 AP 2), §15.1's pattern per applet:
        # conservative (1 + 2×2) + (1 + 3×2) + (1 + 2×2) = 17; shortest with SFI queries 3 + 4 + 3 = 10;
        # plus EF 0008 and EF 0006 as for `status --jpki-only`: 4 or 2.
        return 21, 12, True
    if op == "verify auth":
        return 3, 2, False  # §15.3
    if op == "verify sign":
        return 3, 2, False  # §15.2
    if op == "cert auth":
        # §15.4: conservative AP, SEL(000A), then ceil(N/256) short reads = 2 + k;
        # shortest: extended Le AP + SFI READ = 2; short APDUs AP + SFI READ + offset reads = 1 + k.
        return 2 + k_auth, (2 if ext else 1 + k_auth), False
    if op == "cert sign":
        # §15.5: conservative AP, SEL(001B), V, SEL(0001), k reads = 4 + k;
        # shortest: extended 3 (AP, V by SFI, SFI READ); short APDUs 2 + k.
        return 4 + k_sign, (3 if ext else 2 + k_sign), False
    if op == "sign --key sign":
        return 5, 3, False  # §15.6
    if op == "sign --key auth":
        return 5, 3, False  # §15.7
    if op == "sign --cms":
        # §15.6 plus the signing certificate that CMS embeds, read as in §15.5:
        # conservative AP, SEL(001B), V, SEL(0001), k reads, SEL(001A), SIGN = 6 + k;
        # shortest: AP, V(9B), READ(81) extended, SIGN(9A) = 4; short APDUs 3 + k.
        return 6 + k_sign, (4 if ext else 3 + k_sign), True
    if op.startswith("sign --batch"):
        # §15.6 with one VERIFY for the whole batch (assumes two signatures per VERIFY work, §16 q2):
        # conservative AP, SEL(001B), V, SEL(001A), n × SIGN = 4 + n; shortest AP, V(9B), n × SIGN(9A) = 2 + n.
        return 4 + items, 2 + items, True
    if op == "card-info --my-number-only":
        return 5, 3, False  # §15.9
    if op == "card-info":
        # §15.9 plus the four attributes (EF 0002, at most 256 bytes on the simulator):
        # conservative + SEL(0002), READ = 7; shortest + 00 B0 82 00 00 = 4.
        return 7, 4, True
    if op == "pin change auth":
        return 4, 4, False  # §15.8 (no shorter form known)
    raise KeyError(op)


# Peers' counts as §15 gives them: (jpki/myna "Rust / Go", jpki-rs, OpenSC). "—" where §15
# gives none. §15.4 and §15.5 count for N = 1,583 (k = 7). "bind" = OpenSC's AP SELECT at bind.
PEERS = {
    "status": ("— (19 for all counters)", "—", "—"),              # §15.1
    "status --all": ("19 / 19", "—", "—"),                         # §15.1 (myna `pin status`)
    "status --jpki-only": ("— (19 for all counters)", "3 per PIN", "5"),  # §15.1
    "verify auth": ("5 / 3", "3", "2 + bind"),                     # §15.3 -> §15.2
    "verify sign": ("5 / 3", "3", "2 + bind"),                     # §15.2
    "cert auth": ("12 / 10", "10", "9 + bind"),                    # §15.4
    "cert sign": ("14 / 12", "12", "V + 9"),                       # §15.5
    "sign --key sign": ("7 / 5", "5", "4 + bind"),                 # §15.6
    "sign --key auth": ("7 / 5", "5", "4 + bind"),                 # §15.7
    "sign --cms": ("—", "—", "—"),
    "card-info": ("—", "—", "—"),
    "card-info --my-number-only": ("5 / 5", "5", "—"),            # §15.9
    "pin change auth": ("6 / 4", "n/a", "n/a"),                    # §15.8
}


def peers_of(op):
    if op.startswith("sign --batch"):
        return ("—", "—", "—")
    return PEERS[op]


# ---------------------------------------------------------------------------
# Slot lock, simulator, processes
# ---------------------------------------------------------------------------


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    pass


def lock_dir():
    return os.environ.get("TMPDIR") or "/tmp"  # as Rust's std::env::temp_dir()


def share_pcscd():
    """A shared flock on the pcscd lock file: the test that restarts pcscd takes it
    exclusively, so it waits until the benchmark no longer uses pcscd."""
    f = open(os.path.join(lock_dir(), HARNESS["pcscd_lock"]), "a")
    try:
        fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        log("pcscd is being restarted by a test; waiting")
        fcntl.flock(f, fcntl.LOCK_SH)
    return f


def take_slot():
    """flock one of the vpcd slot lock files (the ones the tests use)."""
    tmp = lock_dir()
    waited = time.monotonic()
    said = False
    while True:
        for i in range(len(SLOTS)):
            f = open(os.path.join(tmp, HARNESS["slot_lock"].replace("{index}", str(i))), "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return i, f
            except BlockingIOError:
                f.close()
        if not said and time.monotonic() - waited > 2:
            log("both vpcd slots are in use (tests running?); waiting for one")
            said = True
        time.sleep(0.05)


class Proc:
    """One finished process: exit code, wall time and its own rusage (from wait4)."""

    def __init__(self, code, wall_ms, user_ms, sys_ms, maxrss_kib, stderr):
        self.code, self.wall_ms, self.user_ms, self.sys_ms = code, wall_ms, user_ms, sys_ms
        self.maxrss_kib, self.stderr = maxrss_kib, stderr


TIME = "/usr/bin/time"


def run_proc(argv, env, stdin_path=None, stdout_path=None, peak_rss=False):
    """Run one process. Wall time is spawn to exit; user/sys come from wait4 (microseconds).
    With peak_rss, the process runs under GNU time and maxrss_kib is its `%M`: wait4's
    ru_maxrss from Python is no good for that, because Linux carries the parent's peak RSS
    into the child at exec (Python's ~14 MiB would hide jpki's own)."""
    timed = peak_rss and os.access(TIME, os.X_OK)
    rss_file = tempfile.NamedTemporaryFile(prefix="jpki-bench-rss-", delete=False) if timed else None
    if timed:
        rss_file.close()
        argv = [TIME, "-f", "%M", "-o", rss_file.name] + argv
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    for f in (stdin, stdout):
        if hasattr(f, "close"):
            f.close()
    maxrss = float("nan") if peak_rss else ru.ru_maxrss  # n/a without GNU time
    if timed:
        with open(rss_file.name) as f:
            last = f.read().strip().splitlines()
        os.unlink(rss_file.name)
        maxrss = int(last[-1]) if last and last[-1].isdigit() else float("nan")
    return Proc(p.returncode, (t1 - t0) / 1e6, ru.ru_utime * 1e3, ru.ru_stime * 1e3, maxrss, text)


# The line format of src/sim/log.rs: `APDU <seq> <command hex> -> <SW> <data length>[ note]`,
# a command with a PIN shown as its header and `[secret]`.
APDU_RE = re.compile(r"^APDU (\d+) ([0-9A-F]+)(\[secret\])? -> ([0-9A-F]{4}) (\d+)")


class Apdu:
    def __init__(self, cmd, sw, resp_len, secret_len=0):
        self.cmd, self.sw, self.resp_len, self.secret_len = cmd, sw, resp_len, secret_len

    @property
    def bytes(self):
        return len(self.cmd) // 2 + self.secret_len + self.resp_len + 2

    @property
    def is_signature(self):
        return self.cmd[2:4] == "2A"


class Sim:
    def __init__(self, bins, workdir, name, extra_args):
        self.bins = bins
        self.pcscd_lock = share_pcscd()
        self.slot, self.lock = take_slot()
        self.reader, self.port = SLOTS[self.slot]
        self.state = os.path.join(workdir, name, "state")
        self.log = os.path.join(workdir, name, "apdu.log")
        self.errlog = os.path.join(workdir, name, "sim.stderr")
        os.makedirs(self.state)
        self.args = extra_args
        argv = [os.path.join(bins, "jpki-sim"), "--state", self.state, "--slot", str(self.slot), "--apdu-log", self.log]
        self.proc = subprocess.Popen(argv + extra_args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.errlog, "wb"))
        log(f"jpki-sim {' '.join(extra_args)} in {self.reader!r} (pid {self.proc.pid})")
        self.offset = 0
        # Wait for the card (and warm pcscd up): jpki waits for it with --wait.
        p = run_proc([self.jpki_bin(), "--wait", "15", "status"], self.env())
        if p.code != 0:
            self.stop()
            raise SetupError(f"the virtual card did not come up: {p.stderr.strip()} / {self.sim_stderr()}")
        self.mark()

    def jpki_bin(self):
        return os.path.join(self.bins, "jpki")

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("JPKI_")}
        env["JPKI_READER"] = self.reader
        return env

    def sim_stderr(self):
        try:
            with open(self.errlog, encoding="utf-8", errors="replace") as f:
                return f.read().strip()
        except OSError:
            return ""

    def cert_len(self, name):
        return os.path.getsize(os.path.join(self.state, f"{name}.crt.der"))

    def mark(self):
        """Forget the APDUs so far."""
        self.offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def take_apdus(self, secrets):
        """The APDUs logged since the last mark, and a new mark. `secrets` maps the INS of a
        command logged as `[secret]` (VERIFY 20, CHANGE REFERENCE DATA 24) to the PIN it carried."""
        with open(self.log, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        out = []
        for line in data.decode("ascii", "replace").splitlines():
            m = APDU_RE.match(line)
            if m:
                cmd, secret = m.group(2), m.group(3)
                secret_len = 1 + len(secrets[cmd[2:4]]) if secret else 0  # Lc and the PIN
                out.append(Apdu(cmd, m.group(4), int(m.group(5)), secret_len))
        return out

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        # Keep the slot until pcscd has seen the card leave (as tests/common does).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            p = subprocess.run([self.jpki_bin(), "--json", "status"], env=self.env(), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True)  # no card: nothing is sent
            if '"no_card"' in p.stdout:
                break
            time.sleep(0.05)
        else:
            log(f"warning: the card did not leave {self.reader!r} in 15 s")
        self.lock.close()
        self.pcscd_lock.close()


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


class Files:
    def __init__(self, workdir, max_items):
        self.dir = os.path.join(workdir, "files")
        os.makedirs(self.dir)
        self.auth = self.write("auth.pin", AUTH_PIN)
        self.sign = self.write("sign.pin", SIGN_PIN)
        self.cardinfo = self.write("cardinfo.pin", CARDINFO_PIN)
        self.auth_new = self.write("auth-new.pin", NEW_AUTH_PIN)
        self.document = self.write("document.txt", "An e-Tax filing to sign, line after line.\n" * 2000)
        self.cms_out = os.path.join(self.dir, "document.p7s")
        self.digest = hashlib.sha256(b"jpki benchmark").hexdigest()
        self.batches = {}
        for n in (1, 10, 100, 1000):
            if n <= max_items:
                lines = "".join(hashlib.sha256(f"item {i}".encode()).hexdigest() + "\n" for i in range(n))
                self.batches[n] = self.write(f"batch-{n}.txt", lines)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


def commands(files, batch_sizes):
    """(operation, argv after `jpki`, stdin file, items) in the order they run; pin change last."""
    cmds = [
        ("status", ["status"], None, 0),
        ("status --all", ["status", "--all"], None, 0),
        ("status --jpki-only", ["status", "--jpki-only"], None, 0),
        ("verify auth", ["verify", "auth", "--pin-file", files.auth], None, 0),
        ("verify sign", ["verify", "sign", "--pin-file", files.sign], None, 0),
        ("cert auth", ["cert", "auth", "--der"], None, 0),
        ("cert sign", ["cert", "sign", "--pin-file", files.sign], None, 0),
        ("sign --key sign", ["sign", "--key", "sign", "--hash", "sha256", "--digest", files.digest, "--pin-file", files.sign], None, 0),
        ("sign --key auth", ["sign", "--key", "auth", "--hash", "sha256", "--digest", files.digest, "--pin-file", files.auth], None, 0),
        ("sign --cms", ["sign", "--key", "sign", "--cms", "-o", files.cms_out, "--pin-file", files.sign, files.document], None, 0),
    ]
    for n in batch_sizes:
        cmds.append((f"sign --batch digests ×{n}", ["sign", "--key", "sign", "--batch", "digests", "--pin-file", files.sign],
                     files.batches[n], n))
    cmds += [
        ("card-info", ["card-info", "--pin-file", files.cardinfo], None, 0),
        ("card-info --my-number-only", ["card-info", "--my-number-only", "--pin-file", files.cardinfo], None, 0),
        ("pin change auth", ["pin", "change", "auth", "--pin-file", files.auth, "--new-pin-file", files.auth_new], None, 0),
    ]
    return cmds


def secrets_of(args):
    """The PINs a command line gives, by the INS of the command that carries each."""
    def content(flag):
        if flag not in args:
            return ""
        with open(args[args.index(flag) + 1], encoding="utf-8") as f:
            return f.read().strip()

    return {"20": content("--pin-file"), "24": content("--new-pin-file")}


class Result:
    def __init__(self, op, items, runs, apdus, rss_kib=None):
        self.op, self.items, self.runs, self.apdus, self.rss_kib = op, items, runs, apdus, rss_kib
        self.failed = next((r for r in runs if r.code != 0), None)

    @property
    def n_apdus(self):
        return len(self.apdus)

    @property
    def n_bytes(self):
        return sum(a.bytes for a in self.apdus)

    def median(self, attr):
        return statistics.median(getattr(r, attr) for r in self.runs)

    def max(self, attr):
        return max(getattr(r, attr) for r in self.runs)


def run_scenario(bins, workdir, name, sim_args, files, batch_sizes, repeat, peak_rss=False):
    """Run every command `repeat` times (plus once under GNU time with peak_rss)."""
    sim = Sim(bins, workdir, name, sim_args)
    results = []
    try:
        env = sim.env()
        for op, argv, stdin_path, items in commands(files, batch_sizes):
            runs, apdus, rss = [], None, None
            for r in range(repeat + (1 if peak_rss else 0)):
                measuring_rss = r == repeat
                args = list(argv)
                if op == "pin change auth" and r % 2 == 1:  # change it back on every other run
                    i, j = args.index(files.auth), args.index(files.auth_new)
                    args[i], args[j] = files.auth_new, files.auth
                out = os.path.join(files.dir, "batch.out") if items else None
                sim.mark()
                p = run_proc([sim.jpki_bin()] + args, env, stdin_path, out, peak_rss=measuring_rss)
                these = sim.take_apdus(secrets_of(args))
                if p.code == 0 and items:
                    with open(out, "rb") as f:
                        lines = f.read().count(b"\n")
                    if lines != items:
                        p.code, p.stderr = -1, f"{lines} output lines for {items} items"
                if apdus is not None and len(these) != len(apdus):
                    log(f"note: {op}: {len(these)} APDUs in run {r + 1}, {len(apdus)} in run 1")
                apdus = apdus if apdus is not None else these
                if measuring_rss:
                    rss = p.maxrss_kib
                    if p.code != 0:
                        runs.append(p)
                else:
                    runs.append(p)
                if p.code != 0:
                    log(f"FAIL: {op} exited {p.code}: {p.stderr.strip()}")
                    break
            results.append(Result(op, items, runs, apdus, rss))
            log(f"{name}: {op}: {len(apdus)} APDUs, {runs[0].wall_ms:.0f} ms")
        n_auth, n_sign = sim.cert_len("auth"), sim.cert_len("sign")
    finally:
        sim.stop()
    return results, n_auth, n_sign


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

AIDS = {"D392F000260100000001": "AP", "D3921000310001010408": "TXT", "D3921000310001010402": "VIS"}


def token(cmd):
    ins, p1, p2, body = cmd[2:4], cmd[4:6], cmd[6:8], cmd[8:]
    if ins == "A4" and p1 == "04":
        return AIDS.get(body[2:], "SELECT " + body[2:])
    if ins == "A4" and p1 == "02":
        return f"SEL({body[2:6]})"
    if ins == "20":
        sfi = "" if p2 == "80" else f"[{p2}]"
        return ("Q" if not body else "V") + sfi
    if ins == "24":
        return "CHANGE"
    if ins == "B0":
        sfi = f"[{p1}]" if int(p1, 16) & 0x80 else ""
        return ("READext" if len(body) == 6 else "READ") + sfi
    if ins == "2A":
        return "SIGN"
    if ins == "C0":
        return "GET RESPONSE"
    return cmd[:8]


def sequence(apdus):
    """The APDUs in §15 notation, runs of the same command folded (READ ×6)."""
    out = []
    for a in apdus:
        t = token(a.cmd)
        if a.sw != "9000" and not a.sw.startswith("63C"):
            t += f"→{a.sw}"
        if out and out[-1][0] == t:
            out[-1][1] += 1
        else:
            out.append([t, 1])
    return ", ".join(t if n == 1 else f"{t} ×{n}" for t, n in out)


def cell(result, value):
    return f"FAIL (exit {result.failed.code})" if result.failed else value


def modelled_table(scenarios, apdu_ms, sign_ms):
    lines = [
        "| operation | ext len | APDUs | floor (conservative) | floor (shortest) | jpki/myna (Rust / Go) | jpki-rs | OpenSC | bytes | wall ms | card ms (model) |",
        "|---|---|--:|--:|--:|---|---|---|--:|--:|--:|",
    ]
    for ext, (results, n_auth, n_sign) in scenarios:
        for r in results:
            cons, short, derived = floor_of(r.op, ext == "on", n_auth, n_sign, r.items)
            star = "*" if derived else ""
            myna, jrs, osc = peers_of(r.op)
            card_ms = sum(apdu_ms + (sign_ms if a.is_signature else 0) for a in r.apdus)
            lines.append(
                f"| `{r.op}` | {ext} | {cell(r, str(r.n_apdus))} | {cons}{star} | {short}{star} | {myna} | {jrs} | {osc} | "
                f"{r.n_bytes} | {r.runs[0].wall_ms:.0f} | {card_ms} |"
            )
    return "\n".join(lines)


def scaling_table(named):
    lines = [
        "| card | items | APDUs | APDUs added per added item | wall ms | wall ms added per added item |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for label, results in named:
        prev = None
        for r in results:
            if not r.items:
                continue
            wall = r.median("wall_ms")
            if prev is None:
                per_apdu = per_ms = "—"
            else:
                d = r.items - prev[0]
                per_apdu = f"{(r.n_apdus - prev[1]) / d:.2f}"
                per_ms = f"{(wall - prev[2]) / d:.2f}"
            lines.append(f"| {label} | {r.items} | {cell(r, str(r.n_apdus))} | {per_apdu} | {wall:.0f} | {per_ms} |")
            prev = (r.items, r.n_apdus, wall)
    return "\n".join(lines)


def rss(r):
    if r.rss_kib is None or r.rss_kib != r.rss_kib:
        return "n/a"
    return f"{r.rss_kib / 1024:.1f}"


def transport_note(zero):
    by_items = {r.items: r for r in zero if r.items and not r.failed}
    if 100 not in by_items or 1000 not in by_items:
        return ""
    a, b = by_items[100], by_items[1000]
    d = b.items - a.items
    wall = (b.median("wall_ms") - a.median("wall_ms")) / d
    cpu = (statistics.median(x.user_ms + x.sys_ms for x in b.runs) - statistics.median(x.user_ms + x.sys_ms for x in a.runs)) / d
    apdus = (b.n_apdus - a.n_apdus) / d
    note = (
        f"On the zero-latency card each added item costs {wall:.1f} ms of wall time for {apdus:.2f} APDU, of which "
        f"{cpu:.2f} ms is `jpki`'s own CPU (signature check and output); the rest is the path "
        "jpki → pcscd → vpcd → jpki-sim and the simulator's RSA signature."
    )
    if wall > 20:
        note += (
            " That much points at Nagle + delayed ACK on the vpcd socket: vpcd sends each APDU's 2-byte length and "
            "its body as two TCP segments, and unless jpki-sim acknowledges the first at once (TCP_QUICKACK), the "
            "body waits ~40 ms (`strace -T` on jpki-sim shows the read of the body blocking that long). A real reader "
            "has no such cost: compare APDU counts, and wall − card ms only between rows with equal counts."
        )
    return note


def cpu_table(results, startup):
    lines = [
        "| operation | APDUs | bytes | wall ms | CPU ms (user + sys) | peak RSS MiB |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for r in [startup] + results:
        cpu = statistics.median(x.user_ms + x.sys_ms for x in r.runs)
        lines.append(
            f"| `{r.op}` | {cell(r, str(r.n_apdus))} | {r.n_bytes} | {r.median('wall_ms'):.1f} | {cpu:.1f} | {rss(r)} |"
        )
    return "\n".join(lines)


def sequences_section(scenarios):
    lines = []
    for ext, (results, _, _) in scenarios:
        lines.append(f"\nExtended length {ext}:\n")
        for r in results:
            if r.items > 10:
                continue
            lines.append(f"* `{r.op}` ({r.n_apdus}): {sequence(r.apdus)}")
    return "\n".join(lines)


def machine():
    def sh(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    pcscd = sh("pcscd", "--version").splitlines()
    rev = sh("git", "rev-parse", "--short", "HEAD") or "?"
    if sh("git", "status", "--porcelain", "--untracked-files=no"):
        rev += " with uncommitted changes"
    return [
        f"* jpki-tool at commit {rev}",
        f"* date: {sh('date', '-u')}",
        f"* machine: {sh('uname', '-srm')}, {sh('nproc')} cores (`nproc`), CPU {cpu}",
        f"* {pcscd[0] if pcscd else 'pcscd ?'}; {sh('rustc', '-V')}; Python {platform.python_version()}",
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default="target/release", help="where jpki and jpki-sim are (default: target/release)")
    ap.add_argument("--apdu-latency-ms", type=int, default=10)
    ap.add_argument("--sign-latency-ms", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5, help="runs per command on the zero-latency card (medians are shown)")
    ap.add_argument("--full", action="store_true", help="also sign 1,000 digests on the modelled cards (about 5 minutes each)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (APDU logs, state) and print its path")
    args = ap.parse_args()

    t0 = float(os.environ.get("JPKI_BENCH_T0") or time.time())
    bins = os.path.abspath(args.bin_dir)
    for b in ("jpki", "jpki-sim"):
        if not os.access(os.path.join(bins, b), os.X_OK):
            print(f"bench: {os.path.join(bins, b)} is missing; run scripts/bench.sh (it builds them)", file=sys.stderr)
            return 2
    workdir = tempfile.mkdtemp(prefix="jpki-bench-")
    try:
        modelled_sizes = (1, 10, 100, 1000) if args.full else (1, 10, 100)
        files = Files(workdir, 1000)
        model = ["--apdu-latency-ms", str(args.apdu_latency_ms), "--sign-latency-ms", str(args.sign_latency_ms)]
        scenarios = []
        for ext in ("on", "off"):
            scenarios.append((ext, run_scenario(bins, workdir, f"modelled-ext-{ext}", model + ["--extended-length", ext],
                                                files, modelled_sizes, 1)))
        zero, _, _ = run_scenario(bins, workdir, "zero-latency", ["--extended-length", "on"], files,
                                  (1, 10, 100, 1000), args.repeat, peak_rss=True)
        version = [os.path.join(bins, "jpki"), "--version"]
        startup = Result("--version", 0, [run_proc(version, dict(os.environ)) for _ in range(args.repeat)], [],
                         run_proc(version, dict(os.environ), peak_rss=True).maxrss_kib)
    except SetupError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    n_auth, n_sign = scenarios[0][1][1], scenarios[0][1][2]
    out = ["# jpki benchmark (issue 6)", ""]
    out += machine()
    out += [
        f"* certificates on the virtual card: auth N = {n_auth} bytes (⌈N/256⌉ = {ceil256(n_auth)}), "
        f"sign N = {n_sign} bytes (⌈N/256⌉ = {ceil256(n_sign)})",
        "",
        f"## APDUs, bytes and wall time on a modelled card ({args.apdu_latency_ms} ms per APDU, "
        f"{args.sign_latency_ms} ms more per signature)",
        "",
        "Each row is one `jpki` process, run once, against `jpki-sim --apdu-latency-ms "
        f"{args.apdu_latency_ms} --sign-latency-ms {args.sign_latency_ms} --extended-length on|off` "
        "(`jpki` picks the length from the ATR). APDUs and bytes (command + response data + SW) come from the "
        "simulator's APDU log; wall ms is the whole process from spawn to exit; card ms is the latency the model "
        "adds for those APDUs, so wall − card is the cost of `jpki`, pcscd and vpcd.",
        "",
        modelled_table(scenarios, args.apdu_latency_ms, args.sign_latency_ms),
        "",
        "Floors: card-protocol.md §15 (conservative = forms several peers send to real cards; shortest = SFI "
        "forms and extended Le, single-source). * = derived from §15's sequences for this exact command "
        "(see the comments in scripts/bench.py). Peers' counts as §15 gives them; cert rows count for "
        "N = 1,583; \"bind\" = OpenSC's AP SELECT at bind; — = §15 gives no count. "
        + ("" if args.full else "The 1,000-digest batch runs only on the zero-latency card below "
           "(on the modelled card it would take over 5 minutes per length; `--full` runs it)."),
        "",
        "## Batch scaling",
        "",
        scaling_table([(f"modelled, ext {ext}", res[0]) for ext, res in scenarios] + [("zero latency", zero)]),
        "",
        transport_note(zero),
        "",
        f"## Time outside the card (zero-latency card, extended length on, median of {args.repeat} runs)",
        "",
        "CPU ms is the `jpki` process's own user + sys time from `os.wait4` (`/usr/bin/time -f %U/%S` only "
        "resolves 10 ms; and Linux splits a few milliseconds between user and sys by tick sampling, so only "
        "the sum is shown). Peak RSS is `/usr/bin/time -f %M` from one more run (GNU time alone peaks at about "
        "1 MiB). `--version` is start-up alone, with no card access.",
        "",
        cpu_table(zero, startup),
        "",
        "Release binaries (stripped, `lto = \"thin\"`): "
        + ", ".join(f"`{b}` {os.path.getsize(os.path.join(bins, b)):,} bytes "
                    f"({os.path.getsize(os.path.join(bins, b)) / 2**20:.2f} MiB)" for b in ("jpki", "jpki-sim")),
        "",
        "## APDU sequences",
        "",
        "In §15 notation: AP/TXT/VIS = SELECT of the JPKI / 券面事項入力補助 / 券面事項確認 applet, SEL(x) = "
        "SELECT EF, Q = retry query (empty VERIFY), V = VERIFY, READ = short READ BINARY, READext = extended "
        "Le, SIGN = COMPUTE DIGITAL SIGNATURE, CHANGE = CHANGE REFERENCE DATA.",
        sequences_section(scenarios),
        "",
        f"Total run time of the benchmark: {time.time() - t0:.0f} s",
    ]
    print("\n".join(out))
    failed = [r for _, res in scenarios for r in res[0] if r.failed] + [r for r in zero if r.failed]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
