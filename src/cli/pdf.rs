//! `jpki pdf sign` and `jpki pdf verify`: PDF signatures as an incremental
//! update, made through the same card path as `sign --cms`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use jpki::cert::{der_from_pem_or_der, CertProblem};
use jpki::digest::HashAlgorithm;
use jpki::pdf::signatures::{SigProblem, SignatureCheck};
use jpki::pdf::{PdfError, Profile, SignatureFields};

use super::exit::{ExitCode, Failure};
use super::output::{check_output_path, Output, Readers};
use super::session::{signer, Connect};
use super::sign::{card_cms, open_file, write_signature};
use super::{Global, KeyChoice, PinArgs};

const PRIVACY: &str = "Privacy: the signing certificate (署名用) that goes into the PDF carries your name, \
address, birth date and sex, and anyone who receives the file can read them. The auth key (--key auth) \
carries none of them, but relying parties such as the 登記・供託オンライン申請 system require the signing key.";

#[derive(Debug, Subcommand)]
pub enum PdfCommand {
    /// Sign a PDF with the card (an incremental update: the original bytes are kept).
    Sign(PdfSignArgs),
    /// Check every signature of a PDF (does not check revocation).
    Verify(PdfVerifyArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileChoice {
    /// adbe.pkcs7.detached: CMS with the signing time among the signed attributes.
    Adbe,
    /// ETSI.CAdES.detached (PAdES B-B): CMS with ESS signing-certificate-v2.
    Pades,
}

#[derive(Debug, Args)]
#[command(after_help = PRIVACY)]
pub struct PdfSignArgs {
    /// The PDF to sign.
    #[arg(value_name = "IN.pdf")]
    pub input: PathBuf,
    /// Where to write the signed PDF (written whole or not at all).
    #[arg(short, long, value_name = "OUT.pdf")]
    pub output: PathBuf,
    /// Key to sign with: sign (署名用, signing password; the default) or auth (利用者証明用, 4-digit PIN).
    #[arg(long, value_enum, default_value_t = KeyChoice::Sign)]
    pub key: KeyChoice,
    /// Signature kind: adbe (adbe.pkcs7.detached) or pades (ETSI.CAdES.detached).
    #[arg(long, value_enum, default_value_t = ProfileChoice::Adbe)]
    pub profile: ProfileChoice,
    /// The reason for signing (/Reason).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Where it was signed (/Location).
    #[arg(long, value_name = "TEXT")]
    pub location: Option<String>,
    /// How to reach the signer (/ContactInfo).
    #[arg(long, value_name = "TEXT")]
    pub contact: Option<String>,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "This does NOT check whether a certificate was revoked. The signing time is the one the \
signer's computer claimed (there is no time-stamp).")]
pub struct PdfVerifyArgs {
    /// The PDF to check.
    #[arg(value_name = "IN.pdf")]
    pub input: PathBuf,
    /// Also check that each signer's certificate was issued by this CA certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

pub fn run(global: &Global, connect: &dyn Connect, command: &PdfCommand) -> Result<Output, Failure> {
    match command {
        PdfCommand::Sign(args) => sign(global, connect, args),
        PdfCommand::Verify(args) => verify(global, args),
    }
}

/// A PDF that cannot be used: exit 2, with what to do.
fn refused(path: &Path, e: PdfError) -> Failure {
    let hint = match e {
        PdfError::Encrypted => {
            "Remove the password or encryption first (for example `qpdf --decrypt`), then sign that file"
        }
        PdfError::NotPdf => "Give a PDF file",
        PdfError::Damaged(_) => {
            "Open and save it again in a PDF program, or rewrite it with `qpdf IN.pdf OUT.pdf`, then sign that file"
        }
        _ => "Rewrite it with `qpdf IN.pdf OUT.pdf` and try that file; if it still fails, please report it",
    };
    Failure::usage(format!("{}: {e}", path.display())).with_hint(hint)
}

/// The whole file in memory, with room for the update so that it is never copied.
fn read_pdf(path: &Path) -> Result<Vec<u8>, Failure> {
    let read = || -> std::io::Result<Vec<u8>> {
        let mut file = open_file(path)?;
        let len = file.metadata()?.len();
        let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(256 << 10));
        file.read_to_end(&mut data)?;
        Ok(data)
    };
    read().map_err(|e| Failure::usage(format!("cannot read {:?}: {e}", path.display().to_string())))
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn internal(message: String) -> Failure {
    Failure { code: ExitCode::Internal, kind: "internal", ..Failure::usage(message) }
}

fn sign(global: &Global, connect: &dyn Connect, args: &PdfSignArgs) -> Result<Output, Failure> {
    // Every input is read and checked before the card is touched.
    let mut inputs: Vec<&Path> = args.pin_args.pin_file.as_deref().into_iter().collect();
    inputs.push(&args.input);
    check_output_path(&args.output, &inputs)?;
    let mut data = read_pdf(&args.input)?;
    let plan = jpki::pdf::plan(&data).map_err(|e| refused(&args.input, e))?;
    let key = args.key.key();
    let pin = args.pin_args.obtain_default(key.pin())?;
    if key == jpki::card::KeyKind::Sign && !global.json && std::io::stderr().is_terminal() {
        eprintln!("jpki: note: the signed PDF will carry your signing certificate, with your name, address, birth date and sex");
    }
    let profile = match args.profile {
        ProfileChoice::Adbe => Profile::Adbe,
        ProfileChoice::Pades => Profile::Pades,
    };
    let now = SystemTime::now();
    let fields = SignatureFields {
        reason: args.reason.clone(),
        location: args.location.clone(),
        contact: args.contact.clone(),
        signing_time: unix(now),
    };
    let hash = HashAlgorithm::Sha256;
    let attributes = |digest: &[u8], cert: &[u8]| match profile {
        Profile::Adbe => jpki::cms::signed_attributes(digest, now),
        Profile::Pades => jpki::cms::pades_signed_attributes(digest, cert),
    };
    let mut prepared = None;
    let signer = signer(global, connect, key, &pin, args.pin_args.force)?;
    let (cms, certificate) = card_cms(
        signer,
        hash,
        |cert| {
            let fail = |e: String| Failure::from(jpki::Error::BadCardData(e));
            // /Contents is sized from a CMS of the same shape: only the digest and signature values differ.
            let key_len = jpki::cert::rsa_public_key(cert).map_err(|e| fail(e.to_string()))?;
            let blank = attributes(&[0; 32], cert).map_err(|e| fail(e.to_string()))?;
            let signature = vec![0; rsa::traits::PublicKeyParts::size(&key_len)];
            let cms_len =
                jpki::cms::assemble(cert, hash, blank, &signature, None).map_err(|e| fail(e.to_string()))?.len();
            let ready = plan.prepare(profile, &fields, cms_len).map_err(|e| refused(&args.input, e))?;
            let digest = ready.digest(&data, hash);
            let attrs = attributes(&digest, cert).map_err(|e| fail(e.to_string()))?;
            prepared = Some((ready, digest));
            Ok(attrs)
        },
        None,
    )?;
    let (mut ready, digest) = prepared.ok_or_else(|| internal("the PDF update was not prepared".into()))?;
    // The CMS as it will be embedded must name this document and verify against the card's certificate.
    let parsed = jpki::cms::parse(&cms).map_err(|e| internal(format!("the CMS made does not parse: {e}")))?;
    if parsed.message_digest != digest {
        return Err(internal("the CMS made does not sign this document".into()));
    }
    jpki::cert::verify_pkcs1(&certificate, hash, &hash.hash(&parsed.signed_bytes), &parsed.signature)
        .map_err(|e| Failure::from(jpki::Error::SelfCheckFailed(e)))?;
    ready.embed(data.len(), &cms).map_err(|e| internal(e.to_string()))?;
    let original_len = data.len();
    data.extend_from_slice(&ready.update);
    // The signing certificate inside names the holder: owner only.
    let readers = if key == jpki::card::KeyKind::Sign { Readers::Owner } else { Readers::Usual };
    write_signature(&args.output, &data, readers)?;

    Ok(Output {
        text: format!(
            "Signed {} as field {} ({}); wrote {} ({} bytes added to the original {})\n",
            args.input.display(),
            plan.field_name,
            profile.sub_filter(),
            args.output.display(),
            ready.update.len(),
            original_len
        ),
        ..Default::default()
    }
    .field("input", args.input.display().to_string())
    .field("output", args.output.display().to_string())
    .field("key", key.name())
    .field("field", plan.field_name.clone())
    .field("sub_filter", profile.sub_filter())
    .field("signing_time", unix(now))
    .field("byte_range", ready.byte_range.to_vec())
    .field("original_bytes", original_len)
    .field("bytes", data.len())
    .field("verified_against_certificate", true))
}

/// Exit code and JSON kind of a signature's problem, as in `check`.
fn problem_code(p: &SigProblem) -> (ExitCode, &'static str) {
    match p {
        SigProblem::DigestMismatch => (ExitCode::BadSignature, "digest_mismatch"),
        SigProblem::Certificate(CertProblem::Expired(_) | CertProblem::NotYetValid(_)) => {
            (ExitCode::CertNotValidNow, "certificate_not_valid_now")
        }
        SigProblem::Certificate(CertProblem::WrongKeyUsage(_)) => (ExitCode::CertKeyUsage, "certificate_key_usage"),
        SigProblem::Certificate(CertProblem::ChainBroken(_)) => (ExitCode::CertChain, "certificate_chain"),
        _ => (ExitCode::BadSignature, "bad_signature"),
    }
}

fn describe(i: usize, c: &SignatureCheck, file_len: u64, chain: bool) -> String {
    let mut t = format!("Signature {} ({}, {}): ", i + 1, c.field, c.sub_filter);
    match &c.problem {
        None => t.push_str("valid\n"),
        Some(p) => t.push_str(&format!("NOT VALID: {p}\n")),
    }
    if let Some(s) = &c.signer {
        t.push_str(&format!("  signer:       {s}\n"));
    }
    if let Some(n) = &c.holder_name {
        t.push_str(&format!("  holder:       {n}\n"));
    }
    if let Some(at) = c.signing_time {
        t.push_str(&format!("  signed at:    {} (the signer's clock)\n", jpki::cert::format_time(at)));
    }
    let coverage = if c.covers_whole_file {
        "the whole file".to_string()
    } else if c.only_signatures_after {
        format!("the file up to this signature; the {} bytes after it are later signatures", c.bytes_after)
    } else {
        format!("{} of {file_len} bytes; the {} bytes after it are NOT signed by it", c.covered_bytes, c.bytes_after)
    };
    t.push_str(&format!("  covers:       {coverage}\n"));
    if c.problem.is_none() {
        let issuer = if chain { "issued by the given CA" } else { "issuer not checked (give --ca)" };
        t.push_str(&format!("  certificate:  valid at signing time, {issuer}; revocation not checked\n"));
    }
    t
}

fn verify(global: &Global, args: &PdfVerifyArgs) -> Result<Output, Failure> {
    let ca = match &args.ca {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| {
                Failure::usage(format!("cannot read the CA certificate {:?}: {e}", p.display().to_string()))
            })?;
            let der = der_from_pem_or_der(&bytes).map_err(|e| Failure::usage(e.to_string()))?;
            jpki::cert::summarize(&der, 0).map_err(|e| Failure::usage(format!("the CA file: {e}")))?;
            Some(der)
        }
        None => None,
    };
    let data = read_pdf(&args.input)?;
    let now = unix(SystemTime::now());
    let checks = jpki::pdf::signatures::check_all(&data, ca.as_deref(), now).map_err(|e| refused(&args.input, e))?;
    let file_len = data.len() as u64;
    let text: String = checks.iter().enumerate().map(|(i, c)| describe(i, c, file_len, ca.is_some())).collect();
    let fail = |code, kind, message: String| Failure {
        code,
        kind,
        message,
        hint: None,
        pin: None,
        tries_left: None,
        unlock: None,
    };
    if checks.is_empty() {
        return Err(fail(
            ExitCode::BadSignature,
            "bad_signature",
            format!("{} has no signatures", args.input.display()),
        ));
    }
    if let Some((i, c, p)) = checks.iter().enumerate().find_map(|(i, c)| c.problem.as_ref().map(|p| (i, c, p))) {
        print_report(global, &text);
        let (code, kind) = problem_code(p);
        return Err(fail(code, kind, format!("signature {} ({}) is not valid: {p}", i + 1, c.field)));
    }
    let last = checks.iter().map(|c| c.covered_bytes).max().unwrap_or(0);
    if !checks.iter().any(|c| c.covers_whole_file) {
        print_report(global, &text);
        return Err(fail(
            ExitCode::BadSignature,
            "bad_signature",
            format!("{} bytes were added after the last signature and are not signed", file_len - last),
        )
        .with_hint("Ask the sender which changes were made after signing"));
    }
    Ok(Output { text, ..Default::default() }
        .field("valid", true)
        .field("signatures", serde_json::to_value(&checks).unwrap_or_default())
        .field("chain_checked", ca.is_some())
        .field("revocation_checked", false))
}

/// The per-signature report on stdout before a failure (text mode only; JSON gets the failure document).
fn print_report(global: &Global, text: &str) {
    if !global.json {
        let _ = super::output::print_stdout(super::output::terminal_safe(text).as_bytes(), false);
    }
}
