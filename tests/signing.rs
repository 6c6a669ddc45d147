//! Signing end to end: `jpki sign --batch`, `jpki sign --cms` and `jpki check`,
//! through the real pcscd and vpcd against `jpki-sim`, cross-checked with the
//! openssl CLI. Counters come from the card's state file, APDUs from its log.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::pki::openssl;
use common::*;
use jpki::digest::HashAlgorithm;

/// Both keys: (key name, PIN, tries at the maximum).
const KEYS: [(&str, &str, u64); 2] = [("sign", SIGN_PIN, SIGN_TRIES), ("auth", AUTH_PIN, AUTH_TRIES)];

/// Most APDUs a batch may spend besides one COMPUTE DIGITAL SIGNATURE per item.
const MAX_BATCH_OVERHEAD: usize = 7;

/// Most APDUs one CMS signature may spend.
const MAX_CMS_APDUS: usize = 8;

/// The content of a PIN file for `key`'s PIN.
fn pin_of(key: &str) -> String {
    let pin = KEYS.iter().find(|k| k.0 == key).map(|k| k.1).expect("known key");
    format!("{pin}\n")
}

/// `jpki GLOBAL... sign --key KEY ARGS... --pin-file <file>` aimed at the simulator.
fn sign_cmd(sim: &Sim, global: &[&str], key: &str, args: &[&str]) -> Command {
    let path = pin_file(sim.state.path(), &format!("{key}.pin"), pin_of(key).as_bytes());
    let mut cmd = sim.jpki();
    cmd.args(global).args(["sign", "--key", key]).args(args).arg("--pin-file").arg(path);
    cmd
}

fn cert_der(sim: &Sim, key: &str) -> Vec<u8> {
    std::fs::read(sim.state_file(&format!("{key}.crt.der"))).unwrap()
}

fn ca_pem(sim: &Sim, key: &str) -> String {
    sim.state_file(&format!("{key}-ca.crt.pem")).to_str().unwrap().to_string()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    HashAlgorithm::Sha256.hash(data)
}

/// The card certificate's public key as PEM in `dir`; returns its file name.
fn public_key(sim: &Sim, dir: &Path, key: &str) -> String {
    let name = format!("{key}.pub.pem");
    let cert = sim.state_file(&format!("{key}.crt.der"));
    openssl(dir, &["x509", "-inform", "DER", "-noout", "-pubkey", "-in", cert.to_str().unwrap(), "-out", &name]);
    name
}

/// Assert an exit code; on failure show the output and the end of the card's log.
#[track_caller]
fn assert_exit(sim: &Sim, o: &Output, code: i32) {
    if o.status.code() != Some(code) {
        let log = sim.log_lines();
        let tail = log[log.len().saturating_sub(30)..].join("\n");
        panic!(
            "exit code {:?}, expected {code}\nstdout: {}\nstderr: {}\ncard log ({}):\n{tail}",
            o.status.code(),
            stdout(o),
            stderr(o),
            sim.reader
        );
    }
}

/// Input data of batch item `i`.
fn item_data(key: &str, n: usize, i: usize) -> Vec<u8> {
    format!("{key} batch item {i} of {n}\n").into_bytes()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn batch_of_digests_spends_one_verify_and_one_apdu_per_item_with_both_keys() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    for (key, _, _) in KEYS {
        let cert = cert_der(&sim, key);
        let pubkey = public_key(&sim, work.path(), key);
        // (items, APDUs, APDUs that are not signatures)
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for n in [1usize, 10, 100] {
            let data: Vec<Vec<u8>> = (0..n).map(|i| item_data(key, n, i)).collect();
            let digests: Vec<Vec<u8>> = data.iter().map(|d| sha256(d)).collect();
            let input: String = digests.iter().map(|d| format!("{}\n", hex::encode(d))).collect();

            let before = sim.apdu_count();
            let o = run_with_stdin(&mut sign_cmd(&sim, &[], key, &["--batch", "digests"]), input.as_bytes());
            assert_exit(&sim, &o, 0);
            let apdus = sim.apdus_since(before);
            assert_eq!(
                count(&apdus, LoggedApdu::is_verify_with_data),
                1,
                "{key} n={n}: one VERIFY with data: {apdus:?}"
            );
            assert_eq!(count(&apdus, LoggedApdu::is_signature), n, "{key} n={n}: one signature APDU per item");
            let overhead = apdus.len() - n;
            assert!(overhead <= MAX_BATCH_OVERHEAD, "{key} n={n}: {overhead} APDUs besides the signatures: {apdus:?}");
            runs.push((n, apdus.len(), overhead));

            let text = stdout(&o);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), n, "{key}: one output line per item");
            for (i, line) in lines.iter().enumerate() {
                let sig = hex::decode(line).unwrap_or_else(|e| panic!("{key} line {}: not hex ({e}): {line}", i + 1));
                assert_eq!(sig.len(), 256);
                jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &digests[i], &sig)
                    .unwrap_or_else(|e| panic!("{key} line {}: the signature does not verify: {e}", i + 1));
            }
            if n == 100 {
                // A sample of five, checked by openssl over the data and over the bare digest.
                for i in [0, 24, 49, 74, 99] {
                    let (data_file, sig_file, digest_file) =
                        (format!("{key}-{i}.txt"), format!("{key}-{i}.sig"), format!("{key}-{i}.dgst"));
                    std::fs::write(work.path().join(&data_file), &data[i]).unwrap();
                    std::fs::write(work.path().join(&sig_file), hex::decode(lines[i]).unwrap()).unwrap();
                    std::fs::write(work.path().join(&digest_file), &digests[i]).unwrap();
                    openssl(work.path(), &["dgst", "-sha256", "-verify", &pubkey, "-signature", &sig_file, &data_file]);
                    openssl(
                        work.path(),
                        &[
                            "pkeyutl",
                            "-verify",
                            "-pubin",
                            "-inkey",
                            &pubkey,
                            "-pkeyopt",
                            "digest:sha256",
                            "-in",
                            &digest_file,
                            "-sigfile",
                            &sig_file,
                        ],
                    );
                }
            }
        }
        // The same constant C every time, and exactly one more APDU per item.
        let c = runs[0].2;
        eprintln!("{key}: batch APDUs = {c} + items ({runs:?})");
        assert!(runs.iter().all(|r| r.2 == c), "{key}: the constant changed: {runs:?}");
        assert_eq!(runs[0].1, c + 1);
        assert_eq!(runs[1].1 - runs[0].1, 9, "{key}: 10 items vs 1: {runs:?}");
        assert_eq!(runs[2].1 - runs[1].1, 90, "{key}: 100 items vs 10: {runs:?}");
        assert_eq!(runs[2].1, c + 100, "{key}: {runs:?}");
    }
    sim.assert_counters_full("signing");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn batch_of_files_and_json_lines_in_input_order() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let contents: [&[u8]; 4] = [b"first file\n", b"", b"third file with a longer body\n", &[0u8, 1, 2, 255]];
    let names = ["one.txt", "empty file", "three.xml", "four.bin"];
    let paths: Vec<PathBuf> = names
        .iter()
        .zip(contents)
        .map(|(name, content)| {
            let p = work.path().join(name);
            std::fs::write(&p, content).unwrap();
            p
        })
        .collect();
    let input: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();

    // Text: one hex signature a line, in input order, with each key.
    for (key, _, _) in KEYS {
        let cert = cert_der(&sim, key);
        // The empty file is refused unless asked for.
        let o = run_with_stdin(&mut sign_cmd(&sim, &[], key, &["--batch", "files"]), input.as_bytes());
        assert_exit(&sim, &o, 2);
        assert!(stderr(&o).contains("line 2") && stderr(&o).contains("empty"), "{}", stderr(&o));
        let before = sim.apdu_count();
        let o = run_with_stdin(&mut sign_cmd(&sim, &[], key, &["--batch", "files", "--allow-empty"]), input.as_bytes());
        assert_exit(&sim, &o, 0);
        let apdus = sim.apdus_since(before);
        assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), 1);
        assert_eq!(count(&apdus, LoggedApdu::is_signature), paths.len());
        let text = stdout(&o);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), paths.len(), "{text}");
        for (i, line) in lines.iter().enumerate() {
            let sig = hex::decode(line).unwrap();
            jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &sha256(contents[i]), &sig)
                .unwrap_or_else(|e| panic!("{key}: {} does not verify: {e}", names[i]));
        }
        // openssl checks one of them over the file itself.
        let pubkey = public_key(&sim, work.path(), key);
        std::fs::write(work.path().join("three.sig"), hex::decode(lines[2]).unwrap()).unwrap();
        openssl(work.path(), &["dgst", "-sha256", "-verify", &pubkey, "-signature", "three.sig", "three.xml"]);
    }

    // JSON lines for files: line numbers, inputs and signatures in input order.
    let cert = cert_der(&sim, "sign");
    let o = run_with_stdin(
        &mut sign_cmd(&sim, &["--json"], "sign", &["--batch", "files", "--allow-empty"]),
        input.as_bytes(),
    );
    assert_exit(&sim, &o, 0);
    let docs: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(docs.len(), paths.len());
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["schema_version"], 6, "{doc}");
        assert_eq!(doc["command"], "sign-batch", "{doc}");
        assert_eq!(doc["line"], i + 1, "{doc}");
        assert_eq!(doc["input"], paths[i].display().to_string(), "{doc}");
        assert_eq!(doc["ok"], true, "{doc}");
        assert_eq!(doc["format"], "hex", "{doc}");
        let sig = hex::decode(doc["signature"].as_str().unwrap()).unwrap();
        jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &sha256(contents[i]), &sig).unwrap();
    }

    // JSON lines for SHA-512 digests in base64, with the auth key.
    let cert = cert_der(&sim, "auth");
    let digests: Vec<Vec<u8>> = (0..6).map(|i| HashAlgorithm::Sha512.hash(&item_data("auth", 6, i))).collect();
    let input: String = digests.iter().map(|d| format!("{}\n", hex::encode(d))).collect();
    let o = run_with_stdin(
        &mut sign_cmd(&sim, &["--json"], "auth", &["--batch", "digests", "--hash", "sha512", "--format", "base64"]),
        input.as_bytes(),
    );
    assert_exit(&sim, &o, 0);
    let docs: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs.len(), digests.len());
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["line"], i + 1, "{doc}");
        assert_eq!(doc["input"], hex::encode(&digests[i]), "{doc}");
        assert_eq!(doc["format"], "base64", "{doc}");
        use base64::Engine;
        let sig = base64::engine::general_purpose::STANDARD.decode(doc["signature"].as_str().unwrap()).unwrap();
        jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha512, &digests[i], &sig).unwrap();
    }
    sim.assert_counters_full("signing");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn batch_bad_line_signs_nothing_unless_keep_going() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let cert = cert_der(&sim, "sign");
    // Line 3 is not hex; line 5 is hex of the wrong length for SHA-256.
    let mut lines: Vec<String> = (0..6).map(|i| hex::encode(sha256(&item_data("sign", 6, i)))).collect();
    lines[2] = "not a hex digest!".into();
    lines[4] = "abcd".into();
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let good: Vec<usize> = vec![0, 1, 3, 5];

    // Without --keep-going: exit 2, the first bad line named, nothing sent at all.
    let before = sim.apdu_count();
    let o = run_with_stdin(&mut sign_cmd(&sim, &[], "sign", &["--batch", "digests"]), input.as_bytes());
    assert_exit(&sim, &o, 2);
    let err = stderr(&o);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("nothing was signed"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    let apdus = sim.apdus_since(before);
    assert_eq!(count(&apdus, LoggedApdu::is_signature), 0, "{apdus:?}");
    assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), 0, "{apdus:?}");
    assert!(apdus.is_empty(), "nothing should reach the card: {apdus:?}");
    sim.assert_counters_full("signing");

    // The same with --json: one error document naming the line.
    let o = run_with_stdin(&mut sign_cmd(&sim, &["--json"], "sign", &["--batch", "digests"]), input.as_bytes());
    assert_exit(&sim, &o, 2);
    let doc = json(&o);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["exit_code"], 2);
    assert!(doc["error"]["message"].as_str().unwrap().contains("line 3"), "{doc}");
    assert_eq!(sim.apdus_since(before), Vec::<LoggedApdu>::new());

    // With --keep-going: the good lines are signed, the bad ones get empty lines, exit 2.
    let before = sim.apdu_count();
    let o = run_with_stdin(&mut sign_cmd(&sim, &[], "sign", &["--batch", "digests", "--keep-going"]), input.as_bytes());
    assert_exit(&sim, &o, 2);
    let err = stderr(&o);
    assert!(err.contains("line 3") && err.contains("line 5"), "{err}");
    let text = stdout(&o);
    let out: Vec<&str> = text.lines().collect();
    assert_eq!(out.len(), lines.len(), "one output line per input line: {text}");
    for (i, line) in out.iter().enumerate() {
        if good.contains(&i) {
            let sig = hex::decode(line).unwrap();
            jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &hex::decode(&lines[i]).unwrap(), &sig).unwrap();
        } else {
            assert!(line.is_empty(), "bad line {} should give an empty line: {line}", i + 1);
        }
    }
    let apdus = sim.apdus_since(before);
    assert_eq!(count(&apdus, LoggedApdu::is_signature), good.len(), "{apdus:?}");
    assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), 1, "{apdus:?}");
    sim.assert_counters_full("signing");

    // --keep-going with --json: ok:false lines for the bad ones, then the batch_incomplete error.
    let o = run_with_stdin(
        &mut sign_cmd(&sim, &["--json"], "sign", &["--batch", "digests", "--keep-going"]),
        input.as_bytes(),
    );
    assert_exit(&sim, &o, 2);
    let docs: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Every document names the batch, the closing failure too.
    assert!(docs.iter().all(|d| d["command"] == "sign-batch"), "{docs:?}");
    let items: Vec<&serde_json::Value> = docs.iter().filter(|d| d.get("line").is_some()).collect();
    assert_eq!(items.len(), lines.len(), "{docs:?}");
    for (i, doc) in items.iter().enumerate() {
        assert_eq!(doc["line"], i + 1, "{doc}");
        assert_eq!(doc["input"], lines[i].as_str(), "{doc}");
        assert_eq!(doc["ok"], good.contains(&i), "{doc}");
        if !good.contains(&i) {
            assert!(doc["error"].as_str().is_some_and(|e| !e.is_empty()), "{doc}");
            assert!(doc.get("signature").is_none(), "{doc}");
        }
    }
    let last = docs.last().unwrap();
    assert_eq!(last["ok"], false, "{last}");
    assert_eq!(last["error"]["kind"], "batch_incomplete", "{last}");
    assert_eq!(last["error"]["exit_code"], 2, "{last}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn batch_paths_are_bytes_and_a_line_of_64_kib_is_read_whole() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().as_os_str().as_bytes();
    let shown = work.path().to_str().unwrap();
    // A file whose name is not UTF-8 is signed, and reported with an escape.
    let named = [dir, b"/a-\xff.txt"].concat();
    let content = b"the file named with a byte that is not UTF-8\n";
    std::fs::write(OsStr::from_bytes(&named), content).unwrap();
    // A lossy decode of the missing report-\xff.txt would name this file instead.
    std::fs::write(work.path().join("report-\u{FFFD}.txt"), b"another file\n").unwrap();
    let missing = [dir, b"/report-\xff.txt"].concat();
    let input = [&named[..], b"\n", &missing, b"\n"].concat();
    let before = sim.apdu_count();
    let o = run_with_stdin(&mut sign_cmd(&sim, &["--json"], "sign", &["--batch", "files", "--keep-going"]), &input);
    assert_exit(&sim, &o, 2);
    let docs: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs.len(), 3, "{docs:?}");
    assert_eq!(docs[0]["ok"], true, "{}", docs[0]);
    assert_eq!(docs[0]["input"], format!("{shown}/a-\\xff.txt"));
    let sig = hex::decode(docs[0]["signature"].as_str().unwrap()).unwrap();
    jpki::cert::verify_pkcs1(&cert_der(&sim, "sign"), HashAlgorithm::Sha256, &sha256(content), &sig).unwrap();
    assert_eq!(docs[1]["ok"], false, "{}", docs[1]);
    assert_eq!(docs[1]["input"], format!("{shown}/report-\\xff.txt"));
    assert!(docs[1]["error"].as_str().unwrap().contains("cannot read"), "{}", docs[1]);
    assert_eq!(docs[2]["command"], "sign-batch", "{}", docs[2]);
    assert_eq!(docs[2]["error"]["kind"], "batch_incomplete", "{}", docs[2]);
    assert_eq!(count(&sim.apdus_since(before), LoggedApdu::is_signature), 1);

    // A line of exactly 65,536 bytes is read as one line (its "\r\n" or "\n"
    // is not counted): here a bad digest, while the lines around it are signed.
    let d = hex::encode(sha256(b"x"));
    let input = format!("{d}\n{}\r\n{d}\n", "a".repeat(65_536));
    let o = run_with_stdin(&mut sign_cmd(&sim, &[], "auth", &["--batch", "digests", "--keep-going"]), input.as_bytes());
    assert_exit(&sim, &o, 2);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(!lines[0].is_empty() && lines[1].is_empty() && !lines[2].is_empty(), "{text}");
    assert!(stderr(&o).contains("line 2") && !stderr(&o).contains("longer"), "{}", stderr(&o));
    sim.assert_counters_full("signing");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn outputs_replace_planted_links_and_personal_data_is_for_the_owner_only() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let p = |name: &str| work.path().join(name);
    let data = p("data.txt");
    std::fs::write(&data, b"the document\n").unwrap();
    let data = data.to_str().unwrap();
    let victim = p("victim");
    std::fs::write(&victim, b"precious\n").unwrap();
    let is_regular = |path: &Path| std::fs::symlink_metadata(path).unwrap().file_type().is_file();
    // A link planted where the temporary file used to be made: never followed.
    symlink(&victim, p(".out.sig.jpki-tmp")).unwrap();
    let o = run(&mut sign_cmd(&sim, &[], "sign", &["-o", p("out.sig").to_str().unwrap(), data]));
    assert_exit(&sim, &o, 0);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
    assert!(is_regular(&p("out.sig")));
    let sig = std::fs::read(p("out.sig")).unwrap();
    jpki::cert::verify_pkcs1(&cert_der(&sim, "sign"), HashAlgorithm::Sha256, &sha256(b"the document\n"), &sig).unwrap();
    // An output that is a link to a regular file: the link is replaced, its target untouched.
    symlink(&victim, p("linked.der")).unwrap();
    let o = run(sim.jpki().args(["cert", "auth", "-o"]).arg(p("linked.der")));
    assert_exit(&sim, &o, 0);
    assert!(is_regular(&p("linked.der")));
    assert_eq!(std::fs::read(p("linked.der")).unwrap(), cert_der(&sim, "auth"));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
    // A link to a device (like /dev/stdout) is written through and stays a link.
    symlink("/dev/null", p("null")).unwrap();
    let o = run(sim.jpki().args(["cert", "auth-ca", "-o"]).arg(p("null")));
    assert_exit(&sim, &o, 0);
    assert!(std::fs::symlink_metadata(p("null")).unwrap().file_type().is_symlink());

    // The signing certificate, and a CMS that carries it, are readable by the owner only.
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let pin = pin_file(work.path(), "sign.pin", b"ABC123\n");
    let o = run(sim.jpki().args(["cert", "sign", "-o"]).arg(p("sign.der")).arg("--pin-file").arg(&pin));
    assert_exit(&sim, &o, 0);
    let o = run(&mut sign_cmd(&sim, &[], "sign", &["--cms", "-o", p("sign.p7s").to_str().unwrap(), data]));
    assert_exit(&sim, &o, 0);
    assert_eq!((mode(&p("sign.der")), mode(&p("sign.p7s"))), (0o600, 0o600));
    // Other outputs get the usual mode (what the umask allows), like any new file.
    std::fs::write(p("usual"), b"").unwrap();
    assert_eq!((mode(&p("linked.der")), mode(&p("out.sig"))), (mode(&p("usual")), mode(&p("usual"))));
    let names: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".jpki-")), "temporary files left behind: {names:?}");

    // Empty input is signed when asked for: the digest of nothing.
    let o = run_with_stdin(&mut sign_cmd(&sim, &[], "auth", &["--allow-empty"]), b"");
    assert_exit(&sim, &o, 0);
    let sig = hex::decode(stdout(&o).trim()).unwrap();
    jpki::cert::verify_pkcs1(&cert_der(&sim, "auth"), HashAlgorithm::Sha256, &sha256(b""), &sig).unwrap();
    sim.assert_counters_full("signing");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn batch_re_verifies_when_the_card_wants_a_fresh_verify_per_signature() {
    pcscd_test!();
    let sim = Sim::start(&["--sign-needs-fresh-verify"]);
    let n = 5;
    for (key, _, _) in KEYS {
        let cert = cert_der(&sim, key);
        let digests: Vec<Vec<u8>> = (0..n).map(|i| sha256(&item_data(key, n, i))).collect();
        let input: String = digests.iter().map(|d| format!("{}\n", hex::encode(d))).collect();
        let before = sim.apdu_count();
        let o = run_with_stdin(&mut sign_cmd(&sim, &[], key, &["--batch", "digests"]), input.as_bytes());
        assert_exit(&sim, &o, 0);
        let err = stderr(&o);
        assert!(err.contains("re-verified"), "{key}: stderr should say it re-verified: {err}");
        let text = stdout(&o);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), n);
        for (i, line) in lines.iter().enumerate() {
            jpki::cert::verify_pkcs1(&cert, HashAlgorithm::Sha256, &digests[i], &hex::decode(line).unwrap()).unwrap();
        }
        let apdus = sim.apdus_since(before);
        // The guarded VERIFY, then one re-VERIFY for each later signature.
        assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), n, "{key}: {apdus:?}");
        assert!(apdus.iter().all(|a| a.sw == 0x9000 || a.sw == 0x6982 || a.sw & 0xFFF0 == 0x63C0), "{apdus:?}");
        sim.assert_counters_full("signing");
    }
}

/// What one `jpki sign --cms` call should produce.
struct CmsCase {
    key: &'static str,
    hash: Option<&'static str>,
    attached: bool,
    pem: bool,
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn cms_from_both_keys_verifies_with_openssl() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let data = b"Contract between A and B.\r\nBinary \x00\x01\xff and CRLF must survive.\n";
    std::fs::write(work.path().join("data.bin"), data).unwrap();
    let mut cases = Vec::new();
    for (key, _, _) in KEYS {
        for hash in [None, Some("sha384"), Some("sha512")] {
            for (attached, pem) in [(false, false), (false, true), (true, false), (true, true)] {
                cases.push(CmsCase { key, hash, attached, pem });
            }
        }
    }
    for case in &cases {
        let CmsCase { key, hash, attached, pem } = *case;
        let label = format!(
            "{key}-{}-{}-{}",
            hash.unwrap_or("default"),
            if attached { "attached" } else { "detached" },
            if pem { "pem" } else { "der" }
        );
        let out = format!("{label}.p7s");
        let out_path = work.path().join(&out);
        let mut args = vec!["--cms", "-o", out_path.to_str().unwrap()];
        if let Some(h) = hash {
            args.extend(["--hash", h]);
        }
        if attached {
            args.push("--attached");
        }
        if pem {
            args.push("--pem");
        }
        let data_path = work.path().join("data.bin");
        args.push(data_path.to_str().unwrap());

        let before = sim.apdu_count();
        let o = run(&mut sign_cmd(&sim, &[], key, &args));
        assert_exit(&sim, &o, 0);
        let apdus = sim.apdus_since(before);
        assert!(apdus.len() <= MAX_CMS_APDUS, "{label}: {} APDUs: {apdus:?}", apdus.len());
        assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), 1, "{label}");
        assert_eq!(count(&apdus, LoggedApdu::is_signature), 1, "{label}");

        let bytes = std::fs::read(&out_path).unwrap();
        assert_eq!(bytes.starts_with(b"-----BEGIN CMS-----"), pem, "{label}");
        let parsed = jpki::cms::parse(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        let algorithm = HashAlgorithm::from_name(hash.unwrap_or("sha256")).unwrap();
        assert_eq!(parsed.hash, algorithm, "{label}");
        assert_eq!(parsed.message_digest, algorithm.hash(data), "{label}");
        assert_eq!(parsed.attached_content.as_deref(), attached.then_some(&data[..]), "{label}");
        assert_eq!(parsed.signer_certificate.as_deref(), Some(&cert_der(&sim, key)[..]), "{label}");

        // openssl 3.0 needs -purpose any: the card's leaf certificates carry no
        // S/MIME (emailProtection) extended key usage, so the default smimesign
        // purpose check fails with "unsuitable certificate purpose".
        let ca = ca_pem(&sim, key);
        let content_out = format!("{label}.out");
        let mut verify = vec![
            "cms",
            "-verify",
            "-binary",
            "-inform",
            if pem { "PEM" } else { "DER" },
            "-in",
            &out,
            "-CAfile",
            &ca,
            "-purpose",
            "any",
        ];
        if attached {
            verify.extend(["-out", &content_out]);
        } else {
            verify.extend(["-content", "data.bin", "-out", "/dev/null"]);
        }
        openssl(work.path(), &verify);
        if attached {
            assert_eq!(std::fs::read(work.path().join(&content_out)).unwrap(), data, "{label}: attached content");
        }

        // jpki check accepts it too, against the card's CA.
        let mut check = sim.jpki();
        check.args(["--json", "check", "--cms"]).arg(&out_path).arg("--ca").arg(&ca);
        if !attached {
            check.arg(&data_path);
        }
        let o = run(&mut check);
        assert_exit(&sim, &o, 0);
        let doc = json(&o);
        assert_eq!(doc["valid"], true, "{label}: {doc}");
        assert_eq!(doc["mode"], "cms", "{label}: {doc}");
        assert_eq!(doc["chain_checked"], true, "{label}: {doc}");
        assert_eq!(doc["revocation_checked"], false, "{label}: {doc}");
    }

    // --json: the CMS comes back in base64 and verifies the same way.
    let data_path = work.path().join("data.bin");
    let o = run(&mut sign_cmd(&sim, &["--json"], "sign", &["--cms", data_path.to_str().unwrap()]));
    assert_exit(&sim, &o, 0);
    let doc = json(&o);
    assert_eq!(doc["key"], "sign", "{doc}");
    assert_eq!(doc["hash"], "sha256", "{doc}");
    assert_eq!(doc["cms_detached"], true, "{doc}");
    assert_eq!(doc["digest"], hex::encode(sha256(data)), "{doc}");
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD.decode(doc["cms_base64"].as_str().unwrap()).unwrap();
    std::fs::write(work.path().join("json.p7s"), der).unwrap();
    let ca = ca_pem(&sim, "sign");
    openssl(
        work.path(),
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "json.p7s",
            "-content",
            "data.bin",
            "-CAfile",
            &ca,
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    sim.assert_counters_full("signing");
}

/// Run `jpki --json check ARGS` and return (exit code, error kind, stderr line).
fn check_fails(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    let o = run(sim.jpki().args(["check"]).args(args));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    let code = o.status.code().unwrap_or(-1);
    let o = run(sim.jpki().args(["--json", "check"]).args(args));
    assert_eq!(o.status.code(), Some(code), "the same exit code with --json");
    let doc = json(&o);
    assert_eq!(doc["ok"], false, "{doc}");
    assert_eq!(doc["error"]["exit_code"], code, "{doc}");
    (code, doc["error"]["kind"].as_str().unwrap_or_default().to_string(), err)
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn check_accepts_good_signatures_and_rejects_bad_ones_with_distinct_codes() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let p = |name: &str| work.path().join(name).to_str().unwrap().to_string();
    let data_txt = p("data.txt");
    let tampered_txt = p("tampered.txt");
    let sign_sig = p("sign.sig");
    let auth_sig = p("auth.sig");
    let auth_sig_hex = p("auth.sig.hex");
    let data_p7s = p("data.p7s");
    let attached_p7m = p("attached.p7m");
    let data = b"Tax return 2026, final version\n";
    std::fs::write(&data_txt, data).unwrap();
    let mut tampered = data.to_vec();
    tampered[4] ^= 0x20;
    std::fs::write(&tampered_txt, &tampered).unwrap();
    let (sign_cert, auth_cert) = (sim.state_file("sign.crt.der"), sim.state_file("auth.crt.der"));
    let (sign_cert, auth_cert) = (sign_cert.to_str().unwrap(), auth_cert.to_str().unwrap());
    let (sign_ca, auth_ca) = (ca_pem(&sim, "sign"), ca_pem(&sim, "auth"));
    let sign_ca_der = sim.state_file("sign-ca.crt.der").to_str().unwrap().to_string();
    let auth_ca_der = sim.state_file("auth-ca.crt.der").to_str().unwrap().to_string();

    // Signatures from the card: raw (binary) with each key, a hex one, and a detached CMS.
    for (key, _, _) in KEYS {
        let o = run(&mut sign_cmd(&sim, &[], key, &["-o", &p(&format!("{key}.sig")), &data_txt]));
        assert_exit(&sim, &o, 0);
    }
    let digest = hex::encode(sha256(data));
    let o = run(&mut sign_cmd(&sim, &[], "auth", &["--digest", &digest]));
    assert_exit(&sim, &o, 0);
    std::fs::write(&auth_sig_hex, o.stdout).unwrap();
    let o = run(&mut sign_cmd(&sim, &[], "sign", &["--cms", "-o", &data_p7s, &data_txt]));
    assert_exit(&sim, &o, 0);
    let o = run(&mut sign_cmd(&sim, &[], "sign", &["--cms", "--attached", "--pem", "-o", &attached_p7m, &data_txt]));
    assert_exit(&sim, &o, 0);

    // Good signatures: exit 0.
    let good: [Vec<&str>; 7] = [
        vec!["--signature", &sign_sig, "--cert", sign_cert, &data_txt],
        vec!["--signature", &sign_sig, "--cert", sign_cert, "--ca", &sign_ca, &data_txt],
        vec!["--signature", &auth_sig, "--cert", auth_cert, "--ca", &auth_ca_der, &data_txt],
        vec!["--signature", &auth_sig_hex, "--cert", auth_cert, "--digest", &digest],
        vec!["--cms", &data_p7s, "--ca", &sign_ca, &data_txt],
        vec!["--cms", &data_p7s, "--ca", &sign_ca_der, "--digest", &digest],
        vec!["--cms", &attached_p7m, "--cert", sign_cert, "--ca", &sign_ca],
    ];
    for args in &good {
        let o = run(sim.jpki().args(["--json", "check"]).args(args));
        assert_exit(&sim, &o, 0);
        let doc = json(&o);
        assert_eq!(doc["valid"], true, "{args:?}: {doc}");
        assert_eq!(doc["revocation_checked"], false, "{args:?}: {doc}");
        assert_eq!(doc["mode"], if args[0] == "--cms" { "cms" } else { "raw" }, "{args:?}: {doc}");
        assert_eq!(doc["chain_checked"], args.contains(&"--ca"), "{args:?}: {doc}");
    }
    let o = run(sim.jpki().args(["check", "--signature", &sign_sig, "--cert", sign_cert, &data_txt]));
    assert!(stdout(&o).contains("revocation was not checked"), "{}", stdout(&o));

    // The certificate from the card: no PIN for the auth certificate, at most 3 APDUs.
    let before = sim.apdu_count();
    let o = run(sim.jpki().args(["check", "--signature", &auth_sig, "--card-cert", "auth", &data_txt]));
    assert_exit(&sim, &o, 0);
    let apdus = sim.apdus_since(before);
    assert!(apdus.len() <= 3, "{apdus:?}");
    assert_eq!(count(&apdus, LoggedApdu::is_verify_with_data), 0);

    // Tampered data.
    let (code, kind, cms_tampered) = check_fails(&sim, &["--cms", &data_p7s, "--ca", &sign_ca, &tampered_txt]);
    assert_eq!((code, kind.as_str()), (8, "digest_mismatch"), "{cms_tampered}");
    assert!(cms_tampered.contains("does not match"), "{cms_tampered}");
    let (code, kind, raw_tampered) = check_fails(&sim, &["--signature", &sign_sig, "--cert", sign_cert, &tampered_txt]);
    assert_eq!((code, kind.as_str()), (8, "bad_signature"), "{raw_tampered}");
    assert!(raw_tampered.contains("does not match"), "{raw_tampered}");

    // A signature by the other key (checked against the other certificate).
    let (code, kind, other_raw) = check_fails(&sim, &["--signature", &sign_sig, "--cert", auth_cert, &data_txt]);
    assert_eq!((code, kind.as_str()), (8, "bad_signature"), "{other_raw}");
    let (code, kind, other_cms) = check_fails(&sim, &["--cms", &data_p7s, "--cert", auth_cert, &data_txt]);
    assert_eq!((code, kind.as_str()), (8, "bad_signature"), "{other_cms}");
    assert!(other_cms.contains("does not verify"), "{other_cms}");
    let (code, kind, _) = check_fails(&sim, &["--signature", &auth_sig, "--cert", sign_cert, &data_txt]);
    assert_eq!((code, kind.as_str()), (8, "bad_signature"));

    // The wrong CA: the auth CA for a signing-certificate signature.
    let (code, kind, wrong_ca) = check_fails(&sim, &["--cms", &data_p7s, "--ca", &auth_ca, &data_txt]);
    assert_eq!((code, kind.as_str()), (11, "certificate_chain"), "{wrong_ca}");
    assert!(wrong_ca.contains("not issued by the given CA"), "{wrong_ca}");
    let (code, kind, _) =
        check_fails(&sim, &["--signature", &sign_sig, "--cert", sign_cert, "--ca", &auth_ca_der, &data_txt]);
    assert_eq!((code, kind.as_str()), (11, "certificate_chain"));

    // Each problem has its own message.
    let messages = [&cms_tampered, &raw_tampered, &other_cms, &wrong_ca];
    for (i, a) in messages.iter().enumerate() {
        for b in &messages[i + 1..] {
            assert_ne!(a, b);
        }
    }
    sim.assert_counters_full("signing");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn check_rejects_expired_future_and_non_signing_certificates() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let ca = pki::ThrowawayCa::new(dir, "/CN=Throwaway Test CA");
    pki::key_and_request(dir, "leaf.key", "leaf.csr", "/CN=Throwaway Test Leaf");
    let signing = "keyUsage = critical, digitalSignature, nonRepudiation\n";
    let good = ca.issue("leaf.csr", "good.pem", signing, &["-days", "30"]);
    let expired =
        ca.issue("leaf.csr", "expired.pem", signing, &["-startdate", "20200101000000Z", "-enddate", "20210101000000Z"]);
    let future =
        ca.issue("leaf.csr", "future.pem", signing, &["-startdate", "20400101000000Z", "-enddate", "20410101000000Z"]);
    let encipher_only = "keyUsage = critical, keyEncipherment, dataEncipherment\n";
    let no_signing = ca.issue("leaf.csr", "encipher.pem", encipher_only, &["-days", "30"]);
    std::fs::write(dir.join("data.txt"), b"signed by a throwaway key\n").unwrap();
    openssl(dir, &["dgst", "-sha256", "-sign", "leaf.key", "-out", "data.sig", "data.txt"]);
    let (sig, data, ca) = (dir.join("data.sig"), dir.join("data.txt"), dir.join("ca.pem"));
    let (sig, data, ca) = (sig.to_str().unwrap(), data.to_str().unwrap(), ca.to_str().unwrap());

    // The control: the same key in a valid signing certificate passes, chain included.
    let o = run(sim.jpki().args(["check", "--signature", sig, "--cert", &good, "--ca", ca, data]));
    assert_exit(&sim, &o, 0);

    let (code, kind, expired_msg) = check_fails(&sim, &["--signature", sig, "--cert", &expired, "--ca", ca, data]);
    assert_eq!((code, kind.as_str()), (9, "certificate_not_valid_now"), "{expired_msg}");
    assert!(expired_msg.contains("expired") && expired_msg.contains("2021-01-01"), "{expired_msg}");

    let (code, kind, future_msg) = check_fails(&sim, &["--signature", sig, "--cert", &future, data]);
    assert_eq!((code, kind.as_str()), (9, "certificate_not_valid_now"), "{future_msg}");
    assert!(future_msg.contains("not valid until") && future_msg.contains("2040-01-01"), "{future_msg}");

    let (code, kind, usage_msg) = check_fails(&sim, &["--signature", sig, "--cert", &no_signing, "--ca", ca, data]);
    assert_eq!((code, kind.as_str()), (10, "certificate_key_usage"), "{usage_msg}");
    assert!(usage_msg.contains("key usage") && usage_msg.contains("keyEncipherment"), "{usage_msg}");

    // A good certificate against the card's CA: the chain is wrong.
    let (code, kind, chain_msg) =
        check_fails(&sim, &["--signature", sig, "--cert", &good, "--ca", &ca_pem(&sim, "sign"), data]);
    assert_eq!((code, kind.as_str()), (11, "certificate_chain"), "{chain_msg}");

    let messages = [&expired_msg, &future_msg, &usage_msg, &chain_msg];
    for (i, a) in messages.iter().enumerate() {
        for b in &messages[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // None of this touched the card.
    assert_eq!(sim.apdu_count(), 0, "{:?}", sim.log_lines());
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn check_help_says_revocation_is_not_checked() {
    pcscd_test!();
    let o = run(jpki().args(["check", "--help"]));
    assert_code(&o, 0);
    let text = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    assert!(text.contains("does not check whether the certificate was revoked"), "{text}");
}
