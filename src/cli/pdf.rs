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
use super::i18n::{pick, tr};
use super::output::{check_output_path, Output, Readers};
use super::session::{signer, Connect};
use super::sign::{card_cms, open_file, write_signature};
use super::{Global, KeyChoice, PinArgs};

/// The note under `pdf sign --help`. Japanese has no spaces for clap to wrap
/// at, so its lines are broken here.
fn privacy() -> &'static str {
    pick(
        "Privacy: the signing certificate (署名用) that goes into the PDF carries your name, address, birth date \
         and sex, and anyone who receives the file can read them. The auth key (--key auth) carries none of them, \
         but relying parties such as the 登記・供託オンライン申請 system require the signing key.",
        "個人情報について: PDF に入る署名用電子証明書には氏名・住所・生年月日・性別が\n\
         記載されており、ファイルを受け取った人は誰でも読めます。利用者証明用の鍵 (--key auth) の\n\
         証明書には記載されていませんが、登記・供託オンライン申請システムなど、署名用の鍵を求める\n\
         提出先があります。",
    )
}

#[derive(Debug, Subcommand)]
pub enum PdfCommand {
    #[command(about = super::i18n::pick(
        "Sign a PDF with the card (an incremental update: the original bytes are kept)",
        "カードで PDF に署名する (増分更新: 元のバイト列はそのまま残る)"
    ))]
    Sign(PdfSignArgs),
    #[command(about = super::i18n::pick(
        "Check every signature of a PDF (does not check revocation)",
        "PDF のすべての署名を検証する (失効は確認しない)"
    ))]
    Verify(PdfVerifyArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileChoice {
    #[value(help = super::i18n::pick(
        "adbe.pkcs7.detached: CMS with the signing time among the signed attributes",
        "adbe.pkcs7.detached: 署名属性に署名時刻を含む CMS"
    ))]
    Adbe,
    #[value(help = super::i18n::pick(
        "ETSI.CAdES.detached (PAdES B-B): CMS with ESS signing-certificate-v2",
        "ETSI.CAdES.detached (PAdES B-B): ESS signing-certificate-v2 を含む CMS"
    ))]
    Pades,
}

#[derive(Debug, Args)]
#[command(after_help = privacy())]
pub struct PdfSignArgs {
    #[arg(value_name = "IN.pdf", help = super::i18n::pick(
        "The PDF to sign",
        "署名する PDF"
    ))]
    pub input: PathBuf,
    #[arg(short, long, value_name = "OUT.pdf", help = super::i18n::pick(
        "Where to write the signed PDF (written whole or not at all)",
        "署名した PDF の書き出し先 (全部書けなければ何も書かない)"
    ))]
    pub output: PathBuf,
    #[arg(long, value_enum, default_value_t = KeyChoice::Sign, help = super::i18n::pick(
        "Key to sign with: sign (署名用, signing password; the default) or auth (利用者証明用, 4-digit PIN)",
        "署名に使う鍵: sign (署名用、署名用パスワード。既定) か auth (利用者証明用、利用者証明用暗証番号)"
    ))]
    pub key: KeyChoice,
    #[arg(long, value_enum, default_value_t = ProfileChoice::Adbe, help = super::i18n::pick(
        "Signature kind: adbe (adbe.pkcs7.detached) or pades (ETSI.CAdES.detached)",
        "署名の種類: adbe (adbe.pkcs7.detached) か pades (ETSI.CAdES.detached)"
    ))]
    pub profile: ProfileChoice,
    #[arg(long, value_name = "TEXT", help = super::i18n::pick(
        "The reason for signing (/Reason)",
        "署名の理由 (/Reason)"
    ))]
    pub reason: Option<String>,
    #[arg(long, value_name = "TEXT", help = super::i18n::pick(
        "Where it was signed (/Location)",
        "署名した場所 (/Location)"
    ))]
    pub location: Option<String>,
    #[arg(long, value_name = "TEXT", help = super::i18n::pick(
        "How to reach the signer (/ContactInfo)",
        "署名者の連絡先 (/ContactInfo)"
    ))]
    pub contact: Option<String>,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

#[derive(Debug, Args)]
#[command(after_help = super::i18n::pick(
    "This does NOT check whether a certificate was revoked. The signing time is the one the signer's computer \
     claimed (there is no time-stamp).",
    "証明書が失効していないかは確認しません。\n\
     署名時刻は署名者のコンピューターが示したものです (タイムスタンプはありません)。"
))]
pub struct PdfVerifyArgs {
    #[arg(value_name = "IN.pdf", help = super::i18n::pick(
        "The PDF to check",
        "検証する PDF"
    ))]
    pub input: PathBuf,
    #[arg(long, value_name = "FILE", help = super::i18n::pick(
        "Also check that each signer's certificate was issued by this CA certificate (PEM or DER)",
        "各署名者の証明書がこの認証局 (CA) 証明書 (PEM か DER) の発行であることも確かめる"
    ))]
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
        PdfError::Encrypted => pick(
            "Remove the password or encryption first (for example `qpdf --decrypt`), then sign that file",
            "先にパスワードや暗号化を外し (例: `qpdf --decrypt`)、そのファイルに署名してください",
        ),
        PdfError::NotPdf => pick("Give a PDF file", "PDF ファイルを指定してください"),
        PdfError::Damaged(_) => pick(
            "Open and save it again in a PDF program, or rewrite it with `qpdf IN.pdf OUT.pdf`, then sign that file",
            "PDF ソフトで開いて保存し直すか、`qpdf IN.pdf OUT.pdf` で書き直してから、そのファイルに署名してください",
        ),
        _ => pick(
            "Rewrite it with `qpdf IN.pdf OUT.pdf` and try that file; if it still fails, please report it",
            "`qpdf IN.pdf OUT.pdf` で書き直したファイルで試してください。それでも失敗する場合は報告してください",
        ),
    };
    Failure::usage(format!("{}: {}", path.display(), pdf_error_text(&e))).with_hint(hint)
}

/// The library's PDF error in the reader's language (a detail it carries stays as the parser wrote it).
fn pdf_error_text(e: &PdfError) -> String {
    match e {
        PdfError::NotPdf => {
            pick("it is not a PDF file (no %PDF- header)", "PDF ファイルではありません (%PDF- ヘッダーがありません)")
                .into()
        }
        PdfError::Encrypted => pick("the PDF is encrypted", "PDF が暗号化されています").into(),
        PdfError::Damaged(d) => tr!("the PDF is damaged: {d}", "PDF が壊れています: {d}"),
        PdfError::TooLarge(d) => tr!("the PDF is too large to handle: {d}", "PDF が大きすぎて扱えません: {d}"),
        PdfError::Unsupported(d) => {
            tr!(
                "the PDF uses something jpki does not support: {d}",
                "PDF に jpki が対応していない機能が使われています: {d}"
            )
        }
        PdfError::SignatureTooLarge(n) => tr!(
            "the signature ({n} bytes) does not fit the space reserved for it",
            "署名 ({n} バイト) が、そのために確保した領域に収まりません"
        ),
    }
}

/// What is wrong with a signature, in the reader's language.
fn problem_text(p: &SigProblem) -> String {
    match p {
        SigProblem::ByteRange(d) => tr!("its /ByteRange is malformed: {d}", "/ByteRange の形式が正しくありません: {d}"),
        SigProblem::Cms(d) => tr!("its CMS cannot be read: {d}", "CMS を読み取れません: {d}"),
        SigProblem::DigestMismatch => pick(
            "the document was changed after it was signed (the digest does not match)",
            "署名の後で文書が変更されています (ダイジェストが一致しません)",
        )
        .into(),
        SigProblem::BadSignature(d) => tr!("the CMS signature does not verify: {d}", "CMS の署名を検証できません: {d}"),
        SigProblem::SigningCertificate => pick(
            "the CMS names another certificate than the one it carries (ESS signing-certificate-v2)",
            "CMS が、含んでいる証明書とは別の証明書を指しています (ESS signing-certificate-v2)",
        )
        .into(),
        SigProblem::Certificate(c) => match c {
            CertProblem::Expired(at) => {
                tr!("the certificate expired on {at}", "証明書は {at} に有効期限が切れています")
            }
            CertProblem::NotYetValid(at) => {
                tr!("the certificate is not valid until {at}", "証明書は {at} まで有効になりません")
            }
            CertProblem::WrongKeyUsage(u) => tr!(
                "the certificate's key usage ({u}) does not allow digital signatures",
                "証明書の鍵用途 ({u}) はデジタル署名を許していません"
            ),
            CertProblem::ChainBroken(d) => {
                tr!(
                    "the certificate was not issued by the given CA: {d}",
                    "証明書は指定した認証局から発行されていません: {d}"
                )
            }
        },
    }
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
    let shown = path.display().to_string();
    read().map_err(|e| Failure::usage(tr!("cannot read {shown:?}: {e}", "{shown:?} を読めません: {e}")))
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
        eprintln!(
            "{}",
            pick(
                "jpki: note: the signed PDF will carry your signing certificate, with your name, address, birth date \
                 and sex",
                "jpki: 注意: 署名した PDF には署名用電子証明書が入り、あなたの氏名・住所・生年月日・性別が記録されます",
            )
        );
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
            fn fail(e: impl Into<jpki::BadData>) -> Failure {
                Failure::from(jpki::Error::BadCardData(e.into()))
            }
            // /Contents is sized from a CMS of the same shape: only the digest and signature values differ.
            let key_len = jpki::cert::rsa_public_key(cert).map_err(fail)?;
            let blank = attributes(&[0; 32], cert).map_err(fail)?;
            let signature = vec![0; rsa::traits::PublicKeyParts::size(&key_len)];
            let cms_len = jpki::cms::assemble(cert, hash, blank, &signature, None).map_err(fail)?.len();
            let ready = plan.prepare(profile, &fields, cms_len).map_err(|e| refused(&args.input, e))?;
            let digest = ready.digest(&data, hash);
            let attrs = attributes(&digest, cert).map_err(fail)?;
            prepared = Some((ready, digest));
            Ok(attrs)
        },
        None,
    )?;
    let (mut ready, digest) = prepared.ok_or_else(|| {
        internal(pick("the PDF update was not prepared", "PDF の更新部分が用意されていません").into())
    })?;
    // The CMS as it will be embedded must name this document and verify against the card's certificate.
    let parsed = jpki::cms::parse(&cms)
        .map_err(|e| internal(tr!("the CMS made does not parse: {e}", "作成した CMS を解析できません: {e}")))?;
    if parsed.message_digest != digest {
        return Err(internal(
            pick("the CMS made does not sign this document", "作成した CMS がこの文書に対する署名になっていません")
                .into(),
        ));
    }
    jpki::cert::verify_pkcs1(&certificate, hash, &hash.hash(&parsed.signed_bytes), &parsed.signature)
        .map_err(|e| Failure::from(jpki::Error::SelfCheckFailed(e)))?;
    ready.embed(data.len(), &cms).map_err(|e| internal(pdf_error_text(&e)))?;
    let original_len = data.len();
    data.extend_from_slice(&ready.update);
    // The signing certificate inside names the holder: owner only.
    let readers = if key == jpki::card::KeyKind::Sign { Readers::Owner } else { Readers::Usual };
    write_signature(&args.output, &data, readers)?;

    Ok(Output {
        text: {
            let (input, field, sub_filter) = (args.input.display(), &plan.field_name, profile.sub_filter());
            let (output, added) = (args.output.display(), ready.update.len());
            tr!(
                "Signed {input} as field {field} ({sub_filter}); wrote {output} ({added} bytes added to the original \
                 {original_len})\n",
                "{input} にフィールド {field} ({sub_filter}) として署名し、{output} に書き出しました \
                 (元の {original_len} バイトに {added} バイトを追加)\n"
            )
        },
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
    let (n, field, sub_filter) = (i + 1, &c.field, &c.sub_filter);
    let mut t = tr!("Signature {n} ({field}, {sub_filter}): ", "署名 {n} ({field}、{sub_filter}): ");
    match &c.problem {
        None => t.push_str(pick("valid\n", "有効\n")),
        Some(p) => t.push_str(&tr!("NOT VALID: {}\n", "無効: {}\n", problem_text(p))),
    }
    if let Some(s) = &c.signer {
        t.push_str(&tr!("  signer:       {s}\n", "  署名者:       {s}\n"));
    }
    if let Some(name) = &c.holder_name {
        t.push_str(&tr!("  holder:       {name}\n", "  名義人:       {name}\n"));
    }
    if let Some(at) = c.signing_time {
        let at = jpki::cert::format_time(at);
        t.push_str(&tr!("  signed at:    {at} (the signer's clock)\n", "  署名時刻:     {at} (署名者の時計)\n"));
    }
    let (covered, after) = (c.covered_bytes, c.bytes_after);
    let coverage = if c.covers_whole_file {
        pick("the whole file", "ファイル全体").to_string()
    } else if c.only_signatures_after {
        tr!(
            "the file up to this signature; the {after} bytes after it are later signatures",
            "この署名までのファイル。その後の {after} バイトは後の署名です"
        )
    } else {
        tr!(
            "{covered} of {file_len} bytes; the {after} bytes after it are NOT signed by it",
            "{file_len} バイト中 {covered} バイト。その後の {after} バイトはこの署名の対象外です"
        )
    };
    t.push_str(&tr!("  covers:       {coverage}\n", "  対象範囲:     {coverage}\n"));
    if c.problem.is_none() {
        t.push_str(&if chain {
            tr!(
                "  certificate:  valid at signing time, issued by the given CA; revocation not checked\n",
                "  証明書:       署名時に有効、指定した認証局が発行。失効は未確認\n"
            )
        } else {
            tr!(
                "  certificate:  valid at signing time, issuer not checked (give --ca); revocation not checked\n",
                "  証明書:       署名時に有効、発行者は未確認 (--ca で指定)。失効は未確認\n"
            )
        });
    }
    t
}

fn verify(global: &Global, args: &PdfVerifyArgs) -> Result<Output, Failure> {
    let ca = match &args.ca {
        Some(p) => {
            let shown = p.display().to_string();
            let bytes = std::fs::read(p).map_err(|e| {
                Failure::usage(tr!(
                    "cannot read the CA certificate {shown:?}: {e}",
                    "認証局 (CA) 証明書 {shown:?} を読めません: {e}"
                ))
            })?;
            let der = der_from_pem_or_der(&bytes).map_err(|e| Failure::usage(e.to_string()))?;
            jpki::cert::summarize(&der, 0)
                .map_err(|e| Failure::usage(tr!("the CA file: {e}", "認証局 (CA) のファイル: {e}")))?;
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
        let input = args.input.display();
        return Err(fail(
            ExitCode::BadSignature,
            "bad_signature",
            tr!("{input} has no signatures", "{input} には署名がありません"),
        ));
    }
    if let Some((i, c, p)) = checks.iter().enumerate().find_map(|(i, c)| c.problem.as_ref().map(|p| (i, c, p))) {
        print_report(global, &text);
        let (code, kind) = problem_code(p);
        let (n, field, problem) = (i + 1, &c.field, problem_text(p));
        return Err(fail(
            code,
            kind,
            tr!("signature {n} ({field}) is not valid: {problem}", "署名 {n} ({field}) は無効です: {problem}"),
        ));
    }
    let last = checks.iter().map(|c| c.covered_bytes).max().unwrap_or(0);
    if !checks.iter().any(|c| c.covers_whole_file) {
        print_report(global, &text);
        return Err(fail(
            ExitCode::BadSignature,
            "bad_signature",
            tr!(
                "{} bytes were added after the last signature and are not signed",
                "最後の署名の後に {} バイトが追加されており、署名されていません",
                file_len - last
            ),
        )
        .with_hint(pick(
            "Ask the sender which changes were made after signing",
            "署名の後にどんな変更が加えられたか、送り主に確認してください",
        )));
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
