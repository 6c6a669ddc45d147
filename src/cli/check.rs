//! `jpki check`: check a raw PKCS#1 or a CMS signature offline. It does not
//! check revocation.

use std::path::{Path, PathBuf};

use base64::Engine;
use clap::Args;
use jpki::card::CertKind;
use jpki::cert::{check_certificate, der_from_pem_or_der, verify_pkcs1, CertProblem};
use jpki::digest::MessageDigest;
use jpki::pin::PinKind;

use super::cert::{unix_now, CertChoice};
use super::exit::{ExitCode, Failure};
use super::output::{one_line, Output};
use super::sign::HashChoice;
use super::{session::Connect, Global, PinArgs};

#[derive(Debug, Args)]
#[command(after_help = super::i18n::pick(
    "This is a self-check for users. It does NOT check whether the certificate was revoked (JPKI revocation needs a \
     platform operator's OCSP access); a signature that passes here may still be rejected by a relying party.",
    "利用者が自分で確かめるためのものです。証明書が失効していないかは確認しません\n\
     (公的個人認証の失効確認にはプラットフォーム事業者の OCSP 接続が必要です)。\n\
     ここで問題がなくても、受け取る側で拒否されることがあります。"
))]
pub struct CheckArgs {
    #[arg(long, value_name = "FILE", conflicts_with = "cms", required_unless_present = "cms", help = super::i18n::pick(
        "A raw PKCS#1 v1.5 signature file (binary, hex or base64)",
        "raw の PKCS#1 v1.5 署名ファイル (バイナリ、hex、base64)"
    ))]
    pub signature: Option<PathBuf>,
    #[arg(long, value_name = "FILE", help = super::i18n::pick(
        "A CMS (PKCS#7) signature file, DER or PEM",
        "CMS (PKCS#7) の署名ファイル (DER か PEM)"
    ))]
    pub cms: Option<PathBuf>,
    #[arg(long, value_name = "FILE", conflicts_with = "card_cert", help = super::i18n::pick(
        "The signer's certificate (PEM or DER). A CMS usually carries it",
        "署名者の証明書 (PEM か DER)。CMS には通常含まれている"
    ))]
    pub cert: Option<PathBuf>,
    #[arg(long, value_enum, value_name = "WHICH", help = super::i18n::pick(
        "Take the signer's certificate from the card instead",
        "代わりに署名者の証明書をカードから読む"
    ))]
    pub card_cert: Option<CertChoice>,
    #[arg(long, value_name = "FILE", help = super::i18n::pick(
        "Also check that the certificate was issued by this CA certificate (PEM or DER)",
        "証明書がこの認証局 (CA) 証明書 (PEM か DER) の発行であることも確かめる"
    ))]
    pub ca: Option<PathBuf>,
    #[arg(long, value_name = "HEX", conflicts_with = "data", help = super::i18n::pick(
        "The signed digest in hex, instead of the data",
        "データの代わりに、署名されたダイジェストを hex で"
    ))]
    pub digest: Option<String>,
    #[arg(long, value_enum, default_value_t = HashChoice::Sha256, help = super::i18n::pick(
        "Hash algorithm for a raw signature",
        "raw 署名のハッシュアルゴリズム"
    ))]
    pub hash: HashChoice,
    #[arg(value_name = "DATA", help = super::i18n::pick(
        "The signed data (for a detached CMS or a raw signature)",
        "署名されたデータ (分離形式の CMS か raw 署名の場合)"
    ))]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read the {what} {}: {e}", super::output::quoted_path(path))))
}

fn fail(code: ExitCode, kind: &'static str, message: String) -> Failure {
    Failure { code, kind, message, hint: None, pin: None, tries_left: None, unlock: None }
}

fn problem(p: CertProblem) -> Failure {
    let (code, kind) = match p {
        CertProblem::Expired(_) | CertProblem::NotYetValid(_) => {
            (ExitCode::CertNotValidNow, "certificate_not_valid_now")
        }
        CertProblem::WrongKeyUsage(_) => (ExitCode::CertKeyUsage, "certificate_key_usage"),
        CertProblem::ChainBroken(_) => (ExitCode::CertChain, "certificate_chain"),
    };
    fail(code, kind, p.to_string())
}

/// Signature bytes from a binary, hex or base64 file.
fn decode_signature(bytes: &[u8]) -> Vec<u8> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let t: String = text.split_whitespace().collect();
        if let Ok(v) = hex::decode(&t) {
            return v;
        }
        if let Ok(v) = base64::engine::general_purpose::STANDARD.decode(&t) {
            return v;
        }
    }
    bytes.to_vec()
}

fn certificate(
    global: &Global,
    connect: &dyn Connect,
    args: &CheckArgs,
    embedded: Option<Vec<u8>>,
) -> Result<Vec<u8>, Failure> {
    if let Some(path) = &args.cert {
        return der_from_pem_or_der(&read(path, "certificate")?).map_err(|e| Failure::usage(e.to_string()));
    }
    if let Some(which) = args.card_cert {
        let kind = which.kind();
        let pin = match kind.required_pin() {
            Some(p) => Some(args.pin_args.obtain_default(p)?),
            // A smartphone wants the auth PIN for it: a --pin-file is read now.
            None if kind == CertKind::Auth => args.pin_args.given(PinKind::Auth)?,
            None => None,
        };
        return super::cert::read_from_card(global, connect, kind, pin, &args.pin_args);
    }
    embedded.ok_or_else(|| {
        Failure::usage("no certificate to check against").with_hint("Give --cert FILE or --card-cert WHICH")
    })
}

pub fn run(global: &Global, connect: &dyn Connect, args: &CheckArgs) -> Result<Output, Failure> {
    if args.card_cert.is_none_or(|w| w.kind().required_pin().is_none() && w.kind() != CertKind::Auth) {
        args.pin_args.refuse_unused("`check` without --card-cert sign or auth")?;
    }
    // Every file is read and parsed before the card may be used.
    let ca = match &args.ca {
        Some(p) => Some(der_from_pem_or_der(&read(p, "CA certificate")?).map_err(|e| Failure::usage(e.to_string()))?),
        None => None,
    };
    if let Some(ca) = &ca {
        jpki::cert::summarize(ca, 0).map_err(|e| Failure::usage(format!("the CA file: {e}")))?;
    }
    let data = match &args.data {
        Some(p) => Some(read(p, "data file")?),
        None => None,
    };
    let (cert, mode, signing_time) = if let Some(cms_path) = &args.cms {
        let parsed = jpki::cms::parse(&read(cms_path, "CMS file")?).map_err(|e| Failure::usage(e.to_string()))?;
        let content = data.or(parsed.attached_content.clone());
        let digest = match (&args.digest, content) {
            (Some(hex_text), _) => hex::decode(hex_text.trim()).map_err(|_| Failure::usage("--digest is not hex"))?,
            (None, Some(c)) => parsed.hash.hash(&c),
            (None, None) => return Err(Failure::usage("the CMS is detached: give the signed DATA file")),
        };
        if digest != parsed.message_digest {
            return Err(fail(
                ExitCode::BadSignature,
                "digest_mismatch",
                "the data does not match the digest signed in the CMS (it was changed, or it is the wrong file)".into(),
            ));
        }
        let cert = certificate(global, connect, args, parsed.signer_certificate.clone())?;
        let signed_digest = parsed.hash.hash(&parsed.signed_bytes);
        verify_pkcs1(&cert, parsed.hash, &signed_digest, &parsed.signature).map_err(|e| {
            fail(ExitCode::BadSignature, "bad_signature", format!("the CMS signature does not verify: {e}"))
        })?;
        (cert, "cms", parsed.signing_time)
    } else {
        let sig_path = args.signature.as_ref().ok_or_else(|| Failure::usage("give --signature FILE or --cms FILE"))?;
        let signature = decode_signature(&read(sig_path, "signature file")?);
        let algorithm = args.hash.algorithm();
        let digest = match (&args.digest, &data) {
            (Some(h), _) => {
                MessageDigest::from_hex(algorithm, h).map_err(|e| Failure::usage(format!("--digest: {e}")))?
            }
            (None, Some(d)) => {
                MessageDigest::new(algorithm, algorithm.hash(d)).map_err(|e| Failure::usage(e.to_string()))?
            }
            (None, None) => return Err(Failure::usage("give the signed DATA file or --digest HEX")),
        };
        let cert = certificate(global, connect, args, None)?;
        verify_pkcs1(&cert, algorithm, &digest.bytes, &signature).map_err(|e| {
            fail(
                ExitCode::BadSignature,
                "bad_signature",
                format!("the signature does not match this data and certificate: {e}"),
            )
        })?;
        (cert, "raw", None)
    };
    let now = unix_now();
    check_certificate(&cert, ca.as_deref(), signing_time.unwrap_or(now).max(0).min(now)).map_err(problem)?;
    if signing_time.is_some() {
        check_certificate(&cert, None, now).map_err(problem)?;
    }
    let summary = jpki::cert::summarize(&cert, now).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Output {
        text: format!(
            "Good {mode} signature by {}\n(certificate valid until {}{}; revocation was not checked)\n",
            one_line(&summary.subject),
            one_line(&summary.not_after),
            if ca.is_some() { ", issued by the given CA" } else { "" }
        ),
        ..Default::default()
    }
    .field("valid", true)
    .field("mode", mode)
    .field("signer", summary.subject)
    .field("chain_checked", ca.is_some())
    .field("revocation_checked", false))
}
