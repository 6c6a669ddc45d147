//! `jpki check`: check a raw PKCS#1 or a CMS signature offline. It does not
//! check revocation.

use std::path::{Path, PathBuf};

use base64::Engine;
use clap::Args;
use jpki::card::CertKind;
use jpki::cert::{check_certificate, der_from_pem_or_der, verify_pkcs1, CertError, CertProblem};
use jpki::digest::MessageDigest;
use jpki::pin::PinKind;

use super::cert::{local_time, unix_now, CertChoice};
use super::exit::{ExitCode, Failure};
use super::i18n::{pick, tr};
use super::output::{one_line, Output};
use super::sign::HashChoice;
use super::{session::Connect, Global, PinArgs};

#[derive(Debug, Args)]
#[command(after_help = super::i18n::pick(
    "This is a self-check for users. It does NOT check whether the certificate was revoked (JPKI revocation needs a \
     platform operator's OCSP access); a signature that passes here may still be rejected by a relying party.",
    "利用者が自分で確かめるためのものです。証明書が失効していないかは確認しません\n\
     (公的個人認証サービスの失効確認にはプラットフォーム事業者の OCSP 接続が必要です)。\n\
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

/// The files `check` reads, named in both languages.
#[derive(Clone, Copy)]
enum Input {
    Certificate,
    CaCertificate,
    Data,
    Cms,
    Signature,
}

impl Input {
    fn name(self) -> &'static str {
        match self {
            Input::Certificate => pick("certificate", "証明書"),
            Input::CaCertificate => pick("CA certificate", "認証局 (CA) 証明書"),
            Input::Data => pick("data file", "データファイル"),
            Input::Cms => pick("CMS file", "CMS ファイル"),
            Input::Signature => pick("signature file", "署名ファイル"),
        }
    }
}

fn read(path: &Path, what: Input) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        let (what, path, e) = (what.name(), super::output::quoted_path(path), super::output::io_problem(&e));
        Failure::usage(tr!("cannot read the {what} {path}: {e}", "{what} {path} を読めません: {e}"))
    })
}

/// Why a signature did not verify, in the reader's language.
fn why_not(e: &CertError) -> String {
    match e {
        CertError::SignatureMismatch => {
            pick("the signature does not verify against the certificate's key", "証明書の鍵で署名を検証できません")
                .to_string()
        }
        CertError::SignatureLength { got, expected } => tr!(
            "signature length {got} does not match the key size {expected}",
            "署名の長さ {got} バイトが鍵の大きさ {expected} バイトと合いません"
        ),
        CertError::NotRsa(what) => {
            tr!("the certificate's key is not RSA: {what}", "証明書の鍵が RSA ではありません: {what}")
        }
        CertError::Parse(what) => tr!("not a valid X.509 certificate: {what}", "X.509 証明書として読めません: {what}"),
    }
}

fn fail(code: ExitCode, kind: &'static str, message: String) -> Failure {
    Failure { code, kind, message, hint: None, pin: None, tries_left: None, unlock: None }
}

fn problem(p: CertProblem) -> Failure {
    let (code, kind, message) = match &p {
        CertProblem::Expired(at) => {
            let at = local_time(*at);
            let message = tr!("the certificate expired on {at}", "証明書は {at} に有効期限が切れています");
            (ExitCode::CertNotValidNow, "certificate_not_valid_now", message)
        }
        CertProblem::NotYetValid(at) => {
            let at = local_time(*at);
            let message = tr!("the certificate is not valid until {at}", "証明書は {at} まで有効になりません");
            (ExitCode::CertNotValidNow, "certificate_not_valid_now", message)
        }
        CertProblem::WrongKeyUsage(usage) => {
            let message = tr!(
                "the certificate's key usage ({usage}) does not allow digital signatures",
                "証明書の鍵用途 ({usage}) はデジタル署名を許していません"
            );
            (ExitCode::CertKeyUsage, "certificate_key_usage", message)
        }
        CertProblem::ChainBroken(why) => {
            // `why` is the library's own (English) account of the chain.
            let message = tr!(
                "the certificate was not issued by the given CA: {why}",
                "証明書は指定した認証局から発行されていません: {why}"
            );
            (ExitCode::CertChain, "certificate_chain", message)
        }
    };
    fail(code, kind, message)
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
        return der_from_pem_or_der(&read(path, Input::Certificate)?).map_err(|e| Failure::usage(e.to_string()));
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
        Failure::usage(pick("no certificate to check against", "照合する証明書がありません")).with_hint(pick(
            "Give --cert FILE or --card-cert WHICH",
            "--cert FILE か --card-cert WHICH を指定してください",
        ))
    })
}

pub fn run(global: &Global, connect: &dyn Connect, args: &CheckArgs) -> Result<Output, Failure> {
    if args.card_cert.is_none_or(|w| w.kind().required_pin().is_none() && w.kind() != CertKind::Auth) {
        args.pin_args.refuse_unused(pick(
            "`check` without --card-cert sign or auth",
            "--card-cert sign も --card-cert auth もない `check`",
        ))?;
    }
    // Every file is read and parsed before the card may be used.
    let ca = match &args.ca {
        Some(p) => {
            Some(der_from_pem_or_der(&read(p, Input::CaCertificate)?).map_err(|e| Failure::usage(e.to_string()))?)
        }
        None => None,
    };
    if let Some(ca) = &ca {
        jpki::cert::summarize(ca, 0)
            .map_err(|e| Failure::usage(tr!("the CA file: {e}", "認証局 (CA) のファイル: {e}")))?;
    }
    let data = match &args.data {
        Some(p) => Some(read(p, Input::Data)?),
        None => None,
    };
    let (cert, mode, signing_time) = if let Some(cms_path) = &args.cms {
        let parsed = jpki::cms::parse(&read(cms_path, Input::Cms)?).map_err(|e| Failure::usage(e.to_string()))?;
        let content = data.or(parsed.attached_content.clone());
        let digest = match (&args.digest, content) {
            (Some(hex_text), _) => hex::decode(hex_text.trim())
                .map_err(|_| Failure::usage(pick("--digest is not hex", "--digest が16進数ではありません")))?,
            (None, Some(c)) => parsed.hash.hash(&c),
            (None, None) => {
                return Err(Failure::usage(pick(
                    "the CMS is detached: give the signed DATA file",
                    "分離型の CMS です: 署名されたデータのファイル (DATA) を指定してください",
                )))
            }
        };
        if digest != parsed.message_digest {
            return Err(fail(
                ExitCode::BadSignature,
                "digest_mismatch",
                pick(
                    "the data does not match the digest signed in the CMS (it was changed, or it is the wrong file)",
                    "データが CMS で署名されたダイジェストと一致しません (変更されたか、別のファイルです)",
                )
                .into(),
            ));
        }
        let cert = certificate(global, connect, args, parsed.signer_certificate.clone())?;
        let signed_digest = parsed.hash.hash(&parsed.signed_bytes);
        verify_pkcs1(&cert, parsed.hash, &signed_digest, &parsed.signature).map_err(|e| {
            let e = why_not(&e);
            let message = tr!("the CMS signature does not verify: {e}", "CMS 署名を検証できません: {e}");
            fail(ExitCode::BadSignature, "bad_signature", message)
        })?;
        (cert, "cms", parsed.signing_time)
    } else {
        let sig_path = args.signature.as_ref().ok_or_else(|| {
            Failure::usage(pick(
                "give --signature FILE or --cms FILE",
                "--signature FILE か --cms FILE を指定してください",
            ))
        })?;
        let signature = decode_signature(&read(sig_path, Input::Signature)?);
        let algorithm = args.hash.algorithm();
        let digest = match (&args.digest, &data) {
            (Some(h), _) => {
                MessageDigest::from_hex(algorithm, h).map_err(|e| Failure::usage(format!("--digest: {e}")))?
            }
            (None, Some(d)) => {
                MessageDigest::new(algorithm, algorithm.hash(d)).map_err(|e| Failure::usage(e.to_string()))?
            }
            (None, None) => {
                return Err(Failure::usage(pick(
                    "give the signed DATA file or --digest HEX",
                    "署名されたデータのファイル (DATA) か --digest HEX を指定してください",
                )))
            }
        };
        let cert = certificate(global, connect, args, None)?;
        verify_pkcs1(&cert, algorithm, &digest.bytes, &signature).map_err(|e| {
            let e = why_not(&e);
            let message = tr!(
                "the signature does not match this data and certificate: {e}",
                "署名がこのデータと証明書に一致しません: {e}"
            );
            fail(ExitCode::BadSignature, "bad_signature", message)
        })?;
        (cert, "raw", None)
    };
    let now = unix_now();
    check_certificate(&cert, ca.as_deref(), signing_time.unwrap_or(now).max(0).min(now)).map_err(problem)?;
    if signing_time.is_some() {
        check_certificate(&cert, None, now).map_err(problem)?;
    }
    let summary = jpki::cert::summarize(&cert, now).map_err(|e| Failure::usage(e.to_string()))?;
    let (signer, until) = (one_line(&summary.subject), local_time(summary.times.not_after));
    // `mode` stays the JSON value; the sentence names the format.
    let form = if mode == "cms" { "CMS" } else { pick("raw", "PKCS#1") };
    let text = match ca.is_some() {
        false => tr!(
            "Good {form} signature by {signer}\n(certificate valid until {until}; revocation was not checked)\n",
            "{signer} による正しい {form} 署名です\n(証明書の有効期限 {until}。失効は確認していません)\n"
        ),
        true => tr!(
            "Good {form} signature by {signer}\n(certificate valid until {until}, issued by the given CA; revocation was not checked)\n",
            "{signer} による正しい {form} 署名です\n(証明書の有効期限 {until}、指定した認証局が発行。失効は確認していません)\n"
        ),
    };
    Ok(Output { text, ..Default::default() }
        .field("valid", true)
        .field("mode", mode)
        .field("signer", summary.subject)
        .field("chain_checked", ca.is_some())
        .field("revocation_checked", false))
}
