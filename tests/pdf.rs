//! `jpki pdf sign` and `jpki pdf verify` end to end, through the real pcscd
//! and vpcd against `jpki-sim`, on PDFs made by several producers, with the
//! results checked by programs we did not write: poppler's `pdfsig`,
//! `qpdf --check` and pyHanko. Every tool is installed by scripts/setup.sh;
//! a missing one fails the test.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::pki::{self, openssl};
use common::*;

/// Most APDUs one PDF signature may spend: the same as one `sign --cms`.
const MAX_SIGN_APDUS: usize = 8;

/// Run an external tool, failing loudly when it is not installed.
#[track_caller]
fn tool(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program).current_dir(dir).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {program} ({e}): install the PDF test tools with `bash scripts/setup.sh`")
    })
}

/// Run a tool and insist on exit 0.
#[track_caller]
fn tool_ok(dir: &Path, program: &str, args: &[&str]) -> Output {
    let o = tool(dir, program, args);
    assert!(o.status.success(), "{program} {args:?} failed\nstdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    o
}

const PIKEPDF_SCRIPT: &str = r#"
import sys, pikepdf
out, with_form = sys.argv[1], sys.argv[2] == "form"
pdf = pikepdf.new()
pdf.add_blank_page(page_size=(595, 842))
page = pdf.pages[0]
if with_form:
    field = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("holder"), V=pikepdf.String("x"), Rect=[50, 700, 250, 720], P=page.obj))
    # An indirect /Annots array and a direct /AcroForm in the catalog.
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), DA=pikepdf.String("/Helv 0 Tf 0 g"))
pdf.save(out)
"#;

/// pyHanko's validation of every signature in `pdf` with `ca` as the only trust anchor.
fn pyhanko_validate(dir: &Path, ca: &Path, pdf: &Path) -> Output {
    let (ca, pdf) = (ca.to_str().unwrap(), pdf.to_str().unwrap());
    let args = ["-m", "pyhanko", "sign", "validate", "--trust", ca, "--trust-replace", "--no-revocation-check"];
    tool(dir, "python3", &[&args[..], &["--pretty-print", pdf]].concat())
}

/// Input PDFs from several producers: (name, path).
fn producers(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    std::fs::write(
        dir.join("in.ps"),
        "%!PS\n/Helvetica findfont 24 scalefont setfont\n72 700 moveto (Minutes of the board) show showpage\n\
         72 700 moveto (Page two) show showpage\n",
    )
    .unwrap();
    tool_ok(dir, "ps2pdf", &["in.ps", "ghostscript.pdf"]);
    tool_ok(dir, "qpdf", &["--object-streams=generate", "ghostscript.pdf", "qpdf-object-streams.pdf"]);
    tool_ok(dir, "qpdf", &["--linearize", "ghostscript.pdf", "qpdf-linearized.pdf"]);
    tool_ok(dir, "pdftocairo", &["-pdf", "ghostscript.pdf", "cairo.pdf"]);
    std::fs::write(dir.join("make.py"), PIKEPDF_SCRIPT).unwrap();
    tool_ok(dir, "python3", &["make.py", "pikepdf.pdf", "plain"]);
    tool_ok(dir, "python3", &["make.py", "pikepdf-acroform.pdf", "form"]);
    ["ghostscript", "qpdf-object-streams", "qpdf-linearized", "cairo", "pikepdf", "pikepdf-acroform"]
        .into_iter()
        .map(|n| (n, dir.join(format!("{n}.pdf"))))
        .collect()
}

fn sign_pin(sim: &Sim) -> PathBuf {
    pin_file(sim.state.path(), "sign.pin", b"ABC123\n")
}

/// `jpki pdf sign IN -o OUT ARGS...` with the signing password from a file.
fn pdf_sign(sim: &Sim, input: &Path, output: &Path, args: &[&str]) -> Output {
    run(sim
        .jpki()
        .args(["pdf", "sign"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .args(args)
        .arg("--pin-file")
        .arg(sign_pin(sim)))
}

fn pdf_verify(input: &Path, args: &[&str]) -> Output {
    run(jpki().args(["--json", "pdf", "verify"]).arg(input).args(args))
}

/// Sign, and check what every outside tool says of the result.
#[track_caller]
fn sign_and_check(sim: &Sim, dir: &Path, input: &Path, output: &Path, args: &[&str]) -> serde_json::Value {
    let before = sim.apdu_count();
    let o = pdf_sign(sim, input, output, &[&["--json"][..], args].concat());
    assert_code(&o, 0);
    let apdus = sim.apdu_count() - before;
    assert!(apdus <= MAX_SIGN_APDUS, "{}: {apdus} APDUs", input.display());
    let doc = json(&o);
    let original = std::fs::read(input).unwrap();
    let signed = std::fs::read(output).unwrap();
    assert!(signed.starts_with(&original), "{}: the original bytes are not a prefix", input.display());
    assert_eq!(doc["bytes"].as_u64(), Some(signed.len() as u64));

    let pdfsig = tool(dir, "pdfsig", &[output.to_str().unwrap()]);
    let text = stdout(&pdfsig);
    let last = text.rsplit("Signature #").next().unwrap_or("");
    assert!(last.contains("Signature is Valid."), "pdfsig on {}:\n{text}{}", output.display(), stderr(&pdfsig));
    assert!(last.contains("Total document signed"), "pdfsig on {}:\n{text}", output.display());
    assert!(!text.contains("Not total") || text.matches("Signature #").count() > 1, "{text}");

    let qpdf = tool(dir, "qpdf", &["--check", output.to_str().unwrap()]);
    assert_eq!(qpdf.status.code(), Some(0), "qpdf --check {}:\n{}{}", output.display(), stdout(&qpdf), stderr(&qpdf));
    assert!(stdout(&qpdf).contains("No syntax or stream encoding errors"), "{}", stdout(&qpdf));

    let ca = sim.state_file("sign-ca.crt.pem");
    let v = pdf_verify(output, &["--ca", ca.to_str().unwrap()]);
    assert_code(&v, 0);
    let report = json(&v);
    let sigs = report["signatures"].as_array().unwrap();
    assert!(sigs.last().unwrap()["covers_whole_file"].as_bool().unwrap(), "{report}");
    doc
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pdfs_from_every_producer_are_signed_and_accepted_by_pdfsig_and_qpdf() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let inputs = producers(dir);
    for (name, input) in &inputs {
        let output = dir.join(format!("{name}-signed.pdf"));
        let doc = sign_and_check(&sim, dir, input, &output, &["--reason", "承認", "--location", "Tokyo"]);
        assert_eq!(doc["sub_filter"], "adbe.pkcs7.detached");
        assert_eq!(doc["field"], "Signature1");
        // pdfsig names the field, the kind and the hash.
        let text = stdout(&tool(dir, "pdfsig", &[output.to_str().unwrap()]));
        assert!(text.contains("adbe.pkcs7.detached") && text.contains("SHA-256"), "{name}: {text}");
        // The existing form field is still there beside the signature.
        if *name == "pikepdf-acroform" {
            let v = json(&pdf_verify(&output, &[]));
            assert_eq!(v["signatures"].as_array().unwrap().len(), 1);
            let dump = stdout(&tool_ok(dir, "qpdf", &["--json", "--json-key=acroform", output.to_str().unwrap()]));
            assert!(dump.contains("\"holder\"") && dump.contains("Signature1"), "{dump}");
        }
    }
    // The same APDUs as one `sign --cms` (the command headers; the signed digest differs).
    let headers = |apdus: Vec<LoggedApdu>| -> Vec<[u8; 4]> { apdus.iter().map(|a| a.header).collect() };
    let before = sim.apdu_count();
    let o = pdf_sign(&sim, &inputs[0].1, &dir.join("again.pdf"), &[]);
    assert_code(&o, 0);
    let pdf_apdus = headers(sim.apdus_since(before));
    let before = sim.apdu_count();
    let mut cms = sim.jpki();
    cms.args(["sign", "--key", "sign", "--cms", "-o"]).arg(dir.join("x.p7s")).arg(&inputs[0].1);
    assert_code(&run(cms.arg("--pin-file").arg(sign_pin(&sim))), 0);
    assert_eq!(pdf_apdus, headers(sim.apdus_since(before)), "pdf sign and sign --cms send different APDUs");
    println!("CASES pdf producers signed and accepted: {}", inputs.len());
    assert_eq!(sim.tries_left("sign"), 5);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pades_profile_is_valid_for_pyhanko_against_the_simulator_ca() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let inputs = producers(dir);
    let ca = sim.state_file("sign-ca.crt.pem");
    for (name, input) in
        inputs.iter().filter(|(n, _)| ["ghostscript", "qpdf-object-streams", "pikepdf-acroform"].contains(n))
    {
        let output = dir.join(format!("{name}-pades.pdf"));
        let doc = sign_and_check(&sim, dir, input, &output, &["--profile", "pades"]);
        assert_eq!(doc["sub_filter"], "ETSI.CAdES.detached");
        let o = pyhanko_validate(dir, &ca, &output);
        let text = stdout(&o);
        assert!(o.status.success(), "pyhanko on {name}: {text}{}", stderr(&o));
        assert!(text.contains("The signer's certificate is trusted."), "{name}: {text}");
        assert!(text.contains("The signature is cryptographically sound."), "{name}: {text}");
        assert!(text.contains("The signature covers the entire file."), "{name}: {text}");
        assert!(text.contains("judged VALID"), "{name}: {text}");
        // The same file with the CA of the other key is not trusted.
        let wrong = sim.state_file("auth-ca.crt.pem");
        let o = pyhanko_validate(dir, &wrong, &output);
        assert!(
            !o.status.success() || !stdout(&o).contains("judged VALID"),
            "pyhanko trusted the wrong CA: {}",
            stdout(&o)
        );
    }
}

/// A signer's key and certificate issued with openssl by the CA that `ca` names (openssl x509
/// options): `NAME.key.pem`, `NAME.key.der` (PKCS#8), `NAME.crt.pem` and `NAME.crt.der` in `dir`.
fn issue_signer(dir: &Path, name: &str, subject: &str, extensions: &str, ca: &[&str]) {
    let file = |ext: &str| format!("{name}.{ext}");
    std::fs::write(dir.join(file("cnf")), extensions).unwrap();
    let (key, csr, crt) = (file("key.pem"), file("csr"), file("crt.pem"));
    pki::key_and_request(dir, &key, &csr, subject);
    let issue =
        ["x509", "-req", "-in", &csr, "-set_serial", "4242", "-days", "20", "-extfile", &file("cnf"), "-out", &crt];
    openssl(dir, &[&issue[..], ca].concat());
    openssl(dir, &["x509", "-in", &crt, "-outform", "DER", "-out", &file("crt.der")]);
    openssl(dir, &["pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", &file("key.der")]);
}

/// A second simulated holder: a key and a certificate issued by the simulator's signing CA.
fn second_holder(dir: &Path) -> (PathBuf, PathBuf) {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/sim/fixtures");
    let (ca_key, ca_cert) = (fixtures.join("sign-ca.key.der"), fixtures.join("sign-ca.crt.der"));
    let ca =
        ["-CA", ca_cert.to_str().unwrap(), "-CAform", "DER", "-CAkey", ca_key.to_str().unwrap(), "-CAkeyform", "DER"];
    let extensions = "keyUsage = critical, digitalSignature, nonRepudiation\n\
         subjectAltName = @san\n[san]\notherName.1 = 1.2.392.200149.8.5.5.1;FORMAT:UTF8,UTF8:佐藤　花子\n";
    issue_signer(dir, "holder2", "/C=JP/L=Osaka-fu/CN=second holder", extensions, &ca);
    (dir.join("holder2.key.der"), dir.join("holder2.crt.der"))
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_pdf_co_signed_by_two_holders_keeps_both_signatures_valid() {
    pcscd_test!();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let inputs = producers(dir);
    let input = &inputs.iter().find(|(n, _)| *n == "qpdf-object-streams").unwrap().1;
    let (key2, cert2) = second_holder(dir);
    let (once, twice) = (dir.join("once.pdf"), dir.join("twice.pdf"));
    let mut sim = Sim::start(&[]);
    sign_and_check(&sim, dir, input, &once, &[]);
    sim.restart(&["--sign-key", key2.to_str().unwrap(), "--sign-cert", cert2.to_str().unwrap()]);
    sign_and_check(&sim, dir, &once, &twice, &["--profile", "pades"]);

    let text = stdout(&tool(dir, "pdfsig", &[twice.to_str().unwrap()]));
    assert_eq!(text.matches("Signature is Valid.").count(), 2, "{text}");
    assert!(text.contains("CN=second holder"), "{text}");
    // pdfsig with the simulator's CA as its only trust anchor (an NSS database).
    let ca = sim.state_file("sign-ca.crt.pem");
    std::fs::create_dir(dir.join("nss")).unwrap();
    tool_ok(dir, "certutil", &["-N", "-d", "sql:nss", "--empty-password"]);
    tool_ok(
        dir,
        "certutil",
        &["-A", "-d", "sql:nss", "-n", "jpki-sim sign CA", "-t", "CT,C,C", "-i", ca.to_str().unwrap()],
    );
    let text = stdout(&tool(dir, "pdfsig", &["-nssdir", "sql:nss", twice.to_str().unwrap()]));
    let second = text.rsplit("Signature #").next().unwrap_or("");
    assert!(second.contains("Signature is Valid.") && second.contains("Certificate is Trusted."), "{text}");
    // The fixture's certificate names an OCSP responder that cannot be reached (a real card's names
    // one that only platform operators may use), and NSS then gives up on the chain; the second
    // holder's certificate names none. (pdfsig 22.12's -no-ocsp makes every chain fail instead.)
    assert!(!text.split("Signature #").nth(1).unwrap_or("").contains("Certificate is Trusted."), "{text}");
    let report = json(&pdf_verify(&twice, &["--ca", ca.to_str().unwrap()]));
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2, "{report}");
    assert_eq!(sigs[0]["holder_name"], "山田　太郎");
    assert_eq!(sigs[1]["holder_name"], "佐藤　花子");
    assert_eq!(sigs[0]["covers_whole_file"], false);
    assert_eq!(sigs[0]["only_signatures_after"], true);
    assert_eq!(sigs[1]["covers_whole_file"], true);
    assert_eq!(sigs[1]["field"], "Signature2");
    let o = pyhanko_validate(dir, &ca, &twice);
    let text = stdout(&o);
    assert!(o.status.success(), "pyhanko: {text}{}", stderr(&o));
    assert_eq!(text.matches("judged VALID").count(), 2, "{text}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn verify_reports_tampering_a_wrong_ca_and_unsigned_additions_with_check_exit_codes() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let inputs = producers(dir);
    let signed = dir.join("signed.pdf");
    sign_and_check(&sim, dir, &inputs[0].1, &signed, &[]);
    let bytes = std::fs::read(&signed).unwrap();
    let ca = sim.state_file("sign-ca.crt.pem");
    let case = |name: &str, data: &[u8], args: &[&str], code: i32, kind: &str| {
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, data).unwrap();
        let o = pdf_verify(&path, args);
        assert_code(&o, code);
        assert_eq!(json(&o)["error"]["kind"], kind, "{name}");
        assert_eq!(stderr(&o).lines().count(), 1, "{name}: {}", stderr(&o));
    };
    // A changed byte inside the signed part (the title text in the page content).
    let at = bytes.windows(5).position(|w| w == b"Pages").unwrap();
    let mut changed = bytes.clone();
    changed[at] = b'Q';
    case("changed", &changed, &[], 8, "digest_mismatch");
    case("wrong-ca", &bytes, &["--ca", sim.state_file("auth-ca.crt.pem").to_str().unwrap()], 11, "certificate_chain");
    let mut appended = bytes.clone();
    appended.extend_from_slice(b"1 0 obj\n<</Type/Catalog>>\nendobj\n%%EOF\n");
    case("appended", &appended, &["--ca", ca.to_str().unwrap()], 8, "bad_signature");
    case("unsigned", &std::fs::read(&inputs[0].1).unwrap(), &[], 8, "bad_signature");
    // Text mode: one line on stderr, the per-signature report on stdout.
    let o = run(jpki().args(["pdf", "verify"]).arg(dir.join("changed.pdf")));
    assert_code(&o, 8);
    assert!(stdout(&o).contains("NOT VALID"), "{}", stdout(&o));
}

/// PDFs that must be refused before the card is touched.
fn bad_pdfs(dir: &Path, good: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let original = std::fs::read(good).unwrap();
    tool_ok(dir, "qpdf", &["--encrypt", "user", "owner", "256", "--", good.to_str().unwrap(), "encrypted.pdf"]);
    let encrypted = std::fs::read(dir.join("encrypted.pdf")).unwrap();
    let mut bad_offset = original.clone();
    let sx = bad_offset.windows(9).rposition(|w| w == b"startxref").unwrap();
    let digits = sx + 10;
    for b in bad_offset[digits..].iter_mut().take_while(|b| b.is_ascii_digit()) {
        *b = b'1';
    }
    // The last section's trailer names itself as the previous one.
    let mut prev_loop = original.clone();
    let offset = std::str::from_utf8(&original[digits..]).unwrap().split_whitespace().next().unwrap().to_string();
    let trailer = prev_loop.windows(7).rposition(|w| w == b"trailer").unwrap();
    let open = trailer + prev_loop[trailer..].windows(2).position(|w| w == b"<<").unwrap() + 2;
    prev_loop.splice(open..open, format!("/Prev {offset} ").into_bytes());
    vec![
        ("encrypted", encrypted),
        ("truncated", original[..original.len() / 2].to_vec()),
        ("truncated-tail", original[..original.len() - 20].to_vec()),
        ("bad-xref-offset", bad_offset),
        ("prev-loop", prev_loop),
        ("not-pdf", b"hello, this is not a PDF\n".to_vec()),
        ("empty", Vec::new()),
        ("enormous-object-stream", enormous_object_stream()),
        ("deep-nesting", nested_catalog(10_000)),
    ]
}

/// A PDF whose catalog sits in an object stream that inflates to 40 MiB.
fn enormous_object_stream() -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(b"1 0 <</Type/Catalog/Pages 2 0 R>> ").unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..40 {
        z.write_all(&zeros).unwrap();
    }
    let packed = z.finish().unwrap();
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let objstm = pdf.len();
    pdf.extend_from_slice(
        format!("3 0 obj\n<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>\nstream\n", packed.len())
            .as_bytes(),
    );
    pdf.extend_from_slice(&packed);
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = pdf.len();
    let mut rows = Vec::new();
    for (kind, a, b) in [(0u8, 0u32, 65535u16), (2, 3, 0), (0, 0, 0), (1, objstm as u32, 0), (1, xref as u32, 0)] {
        rows.push(kind);
        rows.extend_from_slice(&a.to_be_bytes());
        rows.extend_from_slice(&b.to_be_bytes());
    }
    pdf.extend_from_slice(
        format!("4 0 obj\n<</Type/XRef/Size 5/W[1 4 2]/Root 1 0 R/Length {}>>\nstream\n", rows.len()).as_bytes(),
    );
    pdf.extend_from_slice(&rows);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

/// A classic PDF whose catalog holds arrays nested `depth` deep.
fn nested_catalog(depth: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let cat = pdf.len();
    pdf.extend_from_slice(
        format!("1 0 obj\n<</Type/Catalog/X {}{}>>\nendobj\n", "[".repeat(depth), "]".repeat(depth)).as_bytes(),
    );
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 2\n0000000000 65535 f\r\n{cat:010} 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn bad_pdfs_are_refused_before_the_card_and_nothing_is_written() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let inputs = producers(dir);
    let cases = bad_pdfs(dir, &inputs[0].1);
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (name, data) in &cases {
        let input = dir.join(format!("bad-{name}.pdf"));
        std::fs::write(&input, data).unwrap();
        let output = out_dir.join(format!("{name}-signed.pdf"));
        let before = sim.apdu_count();
        let start = std::time::Instant::now();
        let o = pdf_sign(&sim, &input, &output, &[]);
        assert_code(&o, 2);
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "{name}: took {:?}", start.elapsed());
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("jpki: error: ") && !err.contains("panicked"), "{name}: {err}");
        assert_eq!(sim.apdu_count(), before, "{name}: the card was used");
        assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "{name}: something was written");
        // verify refuses it the same way (an unsigned good file is exit 8, not 2).
        let v = pdf_verify(&input, &[]);
        assert_code(&v, 2);
        eprintln!("{name}: {}", err.trim());
    }
    // A directory, a missing file.
    for input in [dir.to_path_buf(), dir.join("missing.pdf")] {
        let o = pdf_sign(&sim, &input, &out_dir.join("x.pdf"), &[]);
        assert_code(&o, 2);
    }
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
    assert_eq!(sim.apdu_count(), 0, "no APDU for any bad input");
    assert_eq!(sim.tries_left("sign"), 5);
    println!("CASES bad PDFs refused before the card: {}", cases.len() + 2);
}

#[test]
fn pdf_sign_help_warns_about_the_personal_data_in_the_certificate() {
    let o = run(jpki().args(["pdf", "sign", "--help"]));
    assert_code(&o, 0);
    // clap wraps the note by display width: a phrase may span two lines.
    let text = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("name") && text.contains("address") && text.contains("birth date") && text.contains("sex"),
        "{text}"
    );
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pdf_sign_and_verify_speak_japanese_under_lang_ja() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let input = producers(dir)[0].1.clone();
    let signed = dir.join("signed.pdf");
    let o = pdf_sign(&sim, &input, &signed, &["--lang", "ja"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("として署名し") && text.contains("バイトを追加"), "{text}");
    assert!(!text.contains("Signed "), "{text}");

    let o = run(jpki().args(["--lang", "ja", "pdf", "verify"]).arg(&signed));
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.starts_with("署名 1 (") && text.contains("有効") && text.contains("ファイル全体"), "{text}");
    assert!(text.contains("発行者は未確認") && !text.contains("valid"), "{text}");

    // A refusal, and its hint, in Japanese too; the JSON kind stays as it is.
    let o = run(jpki().args(["--lang", "ja", "pdf", "verify"]).arg(&input));
    assert_code(&o, 8);
    assert!(stderr(&o).contains("には署名がありません"), "{}", stderr(&o));
    let o = run(jpki().args(["--lang", "ja", "--json", "pdf", "verify"]).arg(&input));
    assert_eq!(json(&o)["error"]["kind"], "bad_signature");
    let not_pdf = dir.join("not.pdf");
    std::fs::write(&not_pdf, b"hello").unwrap();
    let o = run(jpki().args(["--lang", "ja", "pdf", "verify"]).arg(&not_pdf));
    assert_code(&o, 2);
    assert!(stderr(&o).contains("PDF ファイルではありません"), "{}", stderr(&o));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn pdf_sign_keeps_every_pin_rule_of_sign_and_writes_nothing_when_it_fails() {
    pcscd_test!();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let input = &producers(dir)[0].1;
    let output = dir.join("out.pdf");
    let mut sim = Sim::start(&["--set-tries", "sign=1"]);
    let with_pin = |sim: &Sim, pin: &[u8], extra: &[&str]| {
        let pin = pin_file(sim.state.path(), "given.pin", pin);
        let mut cmd = sim.jpki();
        cmd.args(["--json", "pdf", "sign"]).arg(input).arg("-o").arg(&output).args(extra).arg("--pin-file").arg(pin);
        run(&mut cmd)
    };
    // A password that cannot be valid: refused before the card.
    let o = with_pin(&sim, b"ab\n", &[]);
    assert_code(&o, 2);
    assert_eq!(json(&o)["error"]["kind"], "invalid_pin");
    assert_eq!(sim.apdu_count(), 0);
    // The last try is not spent without --force.
    let o = with_pin(&sim, b"WRONG1\n", &[]);
    assert_code(&o, 5);
    assert_eq!(json(&o)["error"]["kind"], "last_try_refused");
    assert_eq!(verifies_with_data(&sim.apdus()).len(), 0);
    assert_eq!(sim.tries_left("sign"), 1);
    // A wrong password spends exactly the one try it was given.
    sim.restart(&["--set-tries", "sign=3"]);
    let o = with_pin(&sim, b"WRONG1\n", &[]);
    assert_code(&o, 4);
    assert_eq!(sim.tries_left("sign"), 2);
    assert_eq!(verifies_with_data(&sim.apdus()).len(), 1);
    // A blocked password is never tried.
    sim.restart(&["--set-tries", "sign=0"]);
    let o = with_pin(&sim, b"ABC123\n", &["--force"]);
    assert_code(&o, 5);
    assert_eq!(json(&o)["error"]["kind"], "pin_blocked");
    assert_eq!(verifies_with_data(&sim.apdus()).len(), 1, "no VERIFY sent to a blocked password");
    assert!(!output.exists(), "a failed signing wrote the output");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("jpki-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn at_a_terminal_pdf_sign_reminds_once_that_the_certificate_carries_personal_data() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let input = &producers(dir)[0].1;
    let pin = sign_pin(&sim);
    // `script` (util-linux) gives jpki a pseudo-terminal for stdout and stderr.
    let on_terminal = |json: &str, out: &str| {
        let line = format!(
            "{} {json} pdf sign '{}' -o '{}' --pin-file '{}'",
            jpki_bin(),
            input.display(),
            dir.join(out).display(),
            pin.display()
        );
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]).env("JPKI_READER", &sim.reader);
        let o = run(&mut cmd);
        assert_code(&o, 0);
        stdout(&o)
    };
    let screen = on_terminal("", "t.pdf");
    assert_eq!(screen.matches("jpki: note:").count(), 1, "{screen}");
    assert!(screen.contains("address, birth date and sex"), "{screen}");
    let screen = on_terminal("--json", "j.pdf");
    assert!(!screen.contains("jpki: note:"), "{screen}");
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_pdf_signed_by_pyhanko_is_checked_and_co_signed_with_both_signatures_valid() {
    pcscd_test!();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let input = producers(dir)[0].1.clone();
    // A throwaway CA and signer of our own, used by pyHanko.
    pki::ThrowawayCa::new(dir, "/CN=Other CA");
    let extensions = "keyUsage = critical, digitalSignature, nonRepudiation\n";
    issue_signer(dir, "leaf", "/CN=pyHanko signer", extensions, &pki::ThrowawayCa::X509_ARGS);
    let p12 = ["-export", "-inkey", "leaf.key.pem", "-in", "leaf.crt.pem", "-certfile", "ca.pem", "-out", "leaf.p12"];
    openssl(dir, &[&["pkcs12"][..], &p12, &["-passout", "pass:pw"]].concat());
    std::fs::write(dir.join("pass"), "pw").unwrap();
    let args = ["-m", "pyhanko", "sign", "addsig", "--field", "Other", "pkcs12", "--passfile", "pass"];
    tool_ok(dir, "python3", &[&args[..], &[input.to_str().unwrap(), "by-pyhanko.pdf", "leaf.p12"]].concat());

    // jpki reads pyHanko's signature and checks it against that CA.
    let report = json(&pdf_verify(&dir.join("by-pyhanko.pdf"), &["--ca", dir.join("ca.pem").to_str().unwrap()]));
    assert_eq!(report["signatures"][0]["field"], "Other", "{report}");
    assert_eq!(report["signatures"][0]["signer"], "CN=pyHanko signer", "{report}");

    // Then the holder signs the same file.
    let sim = Sim::start(&[]);
    let both = dir.join("both.pdf");
    let o = pdf_sign(&sim, &dir.join("by-pyhanko.pdf"), &both, &[]);
    assert_code(&o, 0);
    let text = stdout(&tool(dir, "pdfsig", &[both.to_str().unwrap()]));
    assert_eq!(text.matches("Signature is Valid.").count(), 2, "{text}");
    assert!(text.rsplit("Signature #").next().unwrap().contains("Total document signed"), "{text}");
    let qpdf = tool(dir, "qpdf", &["--check", both.to_str().unwrap()]);
    assert_eq!(qpdf.status.code(), Some(0), "{}", stdout(&qpdf));
    let o = pyhanko_validate(dir, &sim.state_file("sign-ca.crt.pem"), &both);
    let text = stdout(&o);
    // The first signature is by a CA pyHanko is not told to trust; the second must be judged valid.
    let second = text.split("Field 2").nth(1).unwrap_or_else(|| panic!("{text}{}", stderr(&o)));
    assert!(second.contains("judged VALID") && second.contains("cryptographically sound"), "{text}");
    let report = json(&pdf_verify(&both, &[]));
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["only_signatures_after"], true, "{report}");
    assert_eq!(sigs[1]["covers_whole_file"], true, "{report}");
}
