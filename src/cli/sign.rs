//! `jpki sign`: PKCS#1 v1.5 signatures, checked against the card's own
//! certificate before anything is output.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use base64::Engine;
use clap::{Args, ValueEnum};
use jpki::digest::{HashAlgorithm, MessageDigest};
use jpki::Error;

use super::exit::Failure;
use super::i18n::{pick, tr};
use super::output::{
    check_binary_stdout, check_output_path, io_problem, path_text, quoted_path, write_file, Output, Readers,
};
use super::{session, session::Connect, Global, KeyChoice, PinArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashChoice {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashChoice {
    pub fn algorithm(self) -> HashAlgorithm {
        match self {
            HashChoice::Sha1 => HashAlgorithm::Sha1,
            HashChoice::Sha224 => HashAlgorithm::Sha224,
            HashChoice::Sha256 => HashAlgorithm::Sha256,
            HashChoice::Sha384 => HashAlgorithm::Sha384,
            HashChoice::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigFormat {
    Raw,
    Hex,
    Base64,
}

/// What a CMS made with the signing key tells whoever receives it.
fn cms_privacy() -> &'static str {
    pick(
        "Privacy: a CMS signature (--cms) carries the signer's certificate. With the signing key (--key sign) that is \
         the 署名用電子証明書, which holds your name, address, birth date and sex: anyone who receives the signature can \
         read them. The auth key (--key auth) carries none of them.",
        // Japanese has no spaces for clap to wrap at: one sentence a line.
        "プライバシー: CMS 署名 (--cms) には署名者の証明書が入ります。\n\
         署名用の鍵 (--key sign) では署名用電子証明書で、あなたの氏名・住所・生年月日・性別 (基本4情報) が\n\
         記載されており、署名を受け取った人は誰でも読めます。\n\
         利用者証明用の鍵 (--key auth) の証明書には基本4情報は入っていません。",
    )
}

#[derive(Debug, Args)]
#[command(after_help = cms_privacy())]
pub struct SignArgs {
    #[arg(long, value_enum, help = super::i18n::pick(
        "Key to sign with: sign (署名用, signing password) or auth (利用者証明用, 4-digit PIN)",
        "署名に使う鍵: sign (署名用、署名用パスワード) か auth (利用者証明用、利用者証明用暗証番号)"
    ))]
    pub key: KeyChoice,
    #[arg(long, value_name = "HEX", conflicts_with = "input", help = super::i18n::pick(
        "A precomputed digest in hex (length checked against --hash)",
        "計算済みのダイジェスト (hex。長さは --hash と照合する)"
    ))]
    pub digest: Option<String>,
    #[arg(long, value_enum, default_value_t = HashChoice::Sha256, help = super::i18n::pick(
        "Hash algorithm of --digest, or used to hash the input",
        "--digest のハッシュアルゴリズム、または入力のハッシュに使うもの"
    ))]
    pub hash: HashChoice,
    #[arg(value_name = "FILE", help = super::i18n::pick(
        "File to hash and sign (`-` for stdin)",
        "ハッシュして署名するファイル (`-` で標準入力)"
    ))]
    pub input: Option<PathBuf>,
    #[arg(long, value_enum, conflicts_with = "cms", help = super::i18n::pick(
        "Signature encoding: hex (default on stdout), base64, or raw (default with -o). Not with --cms",
        "署名の形式: hex (標準出力の既定)、base64、raw (-o の既定)。--cms とは併用不可"
    ))]
    pub format: Option<SigFormat>,
    #[arg(short, long, value_name = "FILE", help = super::i18n::pick(
        "Write the signature to FILE",
        "署名をこのファイルに書き出す"
    ))]
    pub output: Option<PathBuf>,
    #[arg(long, conflicts_with = "batch", help = super::i18n::pick(
        "Produce CMS (PKCS#7) SignedData, detached unless --attached. It carries the signer's certificate: \
         with --key sign, your name, address, birth date and sex (see below)",
        "CMS (PKCS#7) SignedData を作る (--attached がなければ分離形式)。署名者の証明書が入るため、\
         --key sign ではあなたの氏名・住所・生年月日・性別が含まれます (下記参照)"
    ))]
    pub cms: bool,
    #[arg(long, requires = "cms", conflicts_with = "digest", help = super::i18n::pick(
        "Include the content in the CMS",
        "CMS にデータ本体を含める"
    ))]
    pub attached: bool,
    #[arg(long, requires = "cms", help = super::i18n::pick(
        "Write the CMS as PEM instead of DER",
        "CMS を DER ではなく PEM で書き出す"
    ))]
    pub pem: bool,
    #[arg(long, value_enum, value_name = "KIND", help = super::i18n::pick(
        "Sign many items read from stdin, one a line: hex digests or file paths",
        "標準入力から1行に1つずつ読んだものにまとめて署名する: hex のダイジェストかファイルのパス"
    ))]
    pub batch: Option<super::batch::BatchInput>,
    #[arg(long, requires = "batch", help = super::i18n::pick(
        "In a batch, go on past bad lines (they are reported and not signed)",
        "まとめて署名するとき、誤った行があっても続ける (その行は報告し、署名しない)"
    ))]
    pub keep_going: bool,
    #[arg(long, conflicts_with = "digest", help = super::i18n::pick(
        "Sign empty input (an empty FILE, stdin or batch file) instead of refusing it",
        "空の入力 (空のファイル、標準入力、一括入力) を拒まずに署名する"
    ))]
    pub allow_empty: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

/// Save a signature the card made; if that fails, say that it was lost.
pub fn write_signature(path: &Path, bytes: &[u8], readers: Readers) -> Result<(), Failure> {
    write_file(path, bytes, readers).map_err(|f| Failure {
        message: tr!(
            "{} (the card made the signature, but it was not saved)",
            "{} (カードは署名しましたが、署名は保存されていません)",
            f.message
        ),
        ..f
    })
}

/// The input FILE, or `-` for stdin.
fn input_path(args: &SignArgs) -> &Path {
    args.input.as_deref().unwrap_or(Path::new("-"))
}

/// Counts the bytes read through it.
pub struct Counting<'a> {
    pub inner: &'a mut dyn Read,
    pub bytes: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Run `consume` on the input FILE, or on stdin for `-` or no FILE. Empty
/// input is refused (a signature over nothing is rarely what was meant)
/// unless --allow-empty is given.
fn read_input<T>(args: &SignArgs, consume: impl FnOnce(&mut dyn Read) -> std::io::Result<T>) -> Result<T, Failure> {
    let input = input_path(args);
    let counted = |r: &mut dyn Read| {
        let mut counting = Counting { inner: r, bytes: 0 };
        consume(&mut counting).map(|value| (value, counting.bytes))
    };
    let result = if input.as_os_str() == "-" {
        if std::io::stdin().is_terminal() {
            let hint = if args.attached {
                pick("Give a FILE or pipe data to stdin", "FILE を指定するか、データを標準入力に流してください")
            } else {
                pick(
                    "Give a FILE or pipe data to stdin, or use --digest HEX",
                    "FILE を指定するか、データを標準入力に流すか、--digest HEX を使ってください",
                )
            };
            return Err(Failure::usage(pick("no data to sign", "署名するデータがありません")).with_hint(hint));
        }
        counted(&mut std::io::stdin().lock())
    } else {
        open_file(input).and_then(|mut f| counted(&mut f))
    };
    let shown = if input.as_os_str() == "-" { pick("stdin", "標準入力").to_string() } else { quoted_path(input) };
    match result {
        Err(e) => {
            let e = io_problem(&e);
            Err(Failure::usage(tr!("cannot read {shown}: {e}", "{shown} を読めません: {e}")))
        }
        Ok((_, 0)) if !args.allow_empty => Err(Failure::usage(tr!(
            "the input {shown} is empty; nothing was signed",
            "入力 {shown} が空です。何も署名していません"
        ))
        .with_hint(pick(
            "Pass --allow-empty to sign empty input",
            "空の入力に署名するには --allow-empty を付けてください",
        ))),
        Ok((value, _)) => Ok(value),
    }
}

/// Open a file for reading; a directory is refused here rather than failing
/// on the first read.
pub fn open_file(path: &Path) -> std::io::Result<std::fs::File> {
    if path.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::IsADirectory, pick("it is a directory", "フォルダーです")));
    }
    std::fs::File::open(path)
}

/// PIN, digest and output checks shared by the raw and CMS modes; nothing touches the card.
fn prepare(
    args: &SignArgs,
    binary_out: bool,
    json: bool,
) -> Result<(jpki::pin::Pin, MessageDigest, Option<Vec<u8>>), Failure> {
    let reads_stdin = args.digest.is_none() && input_path(args).as_os_str() == "-";
    if let Some(path) = &args.output {
        let mut inputs: Vec<&Path> = args.pin_args.pin_file.as_deref().into_iter().collect();
        if args.digest.is_none() {
            inputs.push(input_path(args));
        }
        check_output_path(path, &inputs)?;
    }
    check_binary_stdout(binary_out, args.output.is_some())?;
    if args.pin_args.pin_file.as_deref() == Some(Path::new("-")) && reads_stdin {
        return Err(Failure::usage(pick(
            "stdin cannot carry both the PIN and the data to sign",
            "標準入力で暗証番号と署名するデータの両方は渡せません",
        ))
        .with_hint(pick(
            "Give the data as a FILE, or the PIN with an environment variable",
            "データを FILE で渡すか、暗証番号を環境変数で渡してください",
        )));
    }
    let pin_kind = args.key.key().pin();
    // Said before the PIN is asked for, so that the holder can still stop.
    if args.cms && args.key.key() == jpki::card::KeyKind::Sign && !json && super::pin_input::at_terminal() {
        eprintln!(
            "jpki: {}",
            pick(
                "note: the CMS will carry your signing certificate, with your name, address, birth date and sex",
                "注意: この CMS には署名用電子証明書が入り、あなたの氏名・住所・生年月日・性別が含まれます",
            )
        );
    }
    let pin = args.pin_args.obtain_default(pin_kind)?;
    if args.attached {
        let content = read_input(args, |r| {
            let mut content = Vec::new();
            r.read_to_end(&mut content).map(|_| content)
        })?;
        let digest = MessageDigest::new(args.hash.algorithm(), args.hash.algorithm().hash(&content))
            .map_err(|e| Failure::usage(e.to_string()))?;
        return Ok((pin, digest, Some(content)));
    }
    Ok((pin, gather_digest(args)?, None))
}

fn cms_run(global: &Global, connect: &dyn Connect, args: &SignArgs) -> Result<Output, Failure> {
    let key = args.key.key();
    let (pin, digest, content) = prepare(args, !args.pem && !global.json, global.json)?;
    let hash = digest.algorithm;
    let attrs = jpki::cms::signed_attributes(&digest.bytes, std::time::SystemTime::now())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let signer = session::signer(global, connect, key, &pin, args.pin_args.force)?;
    let (der, _) = card_cms(signer, hash, |_| Ok(attrs), content.as_deref())?;
    let encoded = if args.pem { jpki::cms::to_pem(&der).into_bytes() } else { der.clone() };
    let mut out = Output::default()
        .field("key", key.name())
        .field("hash", hash.name())
        .field("digest", hex::encode(&digest.bytes))
        .field("cms_detached", content.is_none())
        .field("cms_base64", base64::engine::general_purpose::STANDARD.encode(&der))
        .field("verified_against_certificate", true);
    if let Some(path) = &args.output {
        // The CMS carries the signer's certificate: the signing one names the holder.
        let readers = if key == jpki::card::KeyKind::Sign { Readers::Owner } else { Readers::Usual };
        write_signature(path, &encoded, readers)?;
        out = out.field("output", path_text(path));
        let (n, shown) = (encoded.len(), path_text(path));
        out.text = tr!(
            "Wrote the CMS signature ({n} bytes) to {shown}\n",
            "CMS 署名 ({n}バイト) を {shown} に書き出しました\n"
        );
    } else if args.pem {
        out.text = String::from_utf8_lossy(&encoded).into_owned();
    } else {
        out.bytes = Some(encoded);
    }
    out.must_deliver = args.output.is_none();
    Ok(out)
}

/// A CMS SignedData made on the card opened by `signer`: the signed attributes built (`attrs` sees the card's
/// certificate), signed, the signature checked against the certificate, and
/// the CMS assembled. Returns the CMS (DER) and the certificate.
pub fn card_cms(
    mut signer: session::Signer,
    hash: HashAlgorithm,
    attrs: impl FnOnce(&[u8]) -> Result<::cms::signed_data::SignedAttributes, Failure>,
    content: Option<&[u8]>,
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let attrs = attrs(signer.certificate())?;
    let to_sign = jpki::cms::to_be_signed(&attrs).map_err(|e| Failure::usage(e.to_string()))?;
    let attrs_digest = MessageDigest::new(hash, hash.hash(&to_sign)).map_err(|e| Failure::usage(e.to_string()))?;
    let signature = signer.sign(&attrs_digest)?;
    let certificate = signer.certificate().to_vec();
    drop(signer);
    let der = jpki::cms::assemble(&certificate, hash, attrs, &signature, content)
        .map_err(|e| Failure::from(Error::BadCardData(e.into())))?;
    Ok((der, certificate))
}

/// Why a digest was refused, in the current language.
pub fn digest_problem(e: &jpki::digest::DigestError) -> String {
    match *e {
        jpki::digest::DigestError::NotHex => {
            pick("the digest is not valid hex", "ダイジェストが正しい16進数ではありません").to_string()
        }
        jpki::digest::DigestError::WrongLength { algorithm, expected, got } => {
            let digits = expected * 2;
            tr!(
                "a {algorithm} digest has {expected} bytes ({digits} hex digits), but {got} bytes were given",
                "{algorithm} のダイジェストは{expected}バイト (16進数{digits}桁) ですが、{got}バイトでした"
            )
        }
        // The library may add kinds; its own words then.
        #[allow(unreachable_patterns)]
        _ => e.to_string(),
    }
}

/// The digest to sign, from --digest or by hashing the input.
pub fn gather_digest(args: &SignArgs) -> Result<MessageDigest, Failure> {
    let algorithm = args.hash.algorithm();
    if let Some(hex_text) = &args.digest {
        return MessageDigest::from_hex(algorithm, hex_text)
            .map_err(|e| Failure::usage(format!("--digest: {}", digest_problem(&e))));
    }
    let bytes = read_input(args, |r| algorithm.hash_reader(r))?;
    MessageDigest::new(algorithm, bytes).map_err(|e| Failure::usage(e.to_string()))
}

impl SigFormat {
    pub fn name(self) -> &'static str {
        match self {
            SigFormat::Raw => "raw",
            SigFormat::Hex => "hex",
            SigFormat::Base64 => "base64",
        }
    }
}

/// The signature as text (hex unless base64 is asked for), without a newline.
pub fn encode_text(signature: &[u8], format: SigFormat) -> String {
    match format {
        SigFormat::Base64 => base64::engine::general_purpose::STANDARD.encode(signature),
        SigFormat::Hex | SigFormat::Raw => hex::encode(signature),
    }
}

/// The signature as output: raw bytes, or one line of text.
pub fn encode(signature: &[u8], format: SigFormat) -> Vec<u8> {
    match format {
        SigFormat::Raw => signature.to_vec(),
        text => format!("{}\n", encode_text(signature, text)).into_bytes(),
    }
}

pub fn run(global: &Global, connect: &dyn Connect, args: &SignArgs) -> Result<Output, Failure> {
    if let Some(kind) = args.batch {
        return super::batch::run(global, connect, args, kind);
    }
    if args.cms {
        return cms_run(global, connect, args);
    }
    let key = args.key.key();
    let format = args.format.unwrap_or(if args.output.is_some() { SigFormat::Raw } else { SigFormat::Hex });
    let (pin, digest, _) = prepare(args, format == SigFormat::Raw && !global.json, global.json)?;

    let signature = session::signer(global, connect, key, &pin, args.pin_args.force)?.sign(&digest)?;

    let encoded = encode(&signature, format);
    let mut out = Output::default()
        .field("key", key.name())
        .field("hash", digest.algorithm.name())
        .field("digest", hex::encode(&digest.bytes))
        .field("signature", hex::encode(&signature))
        .field("signature_base64", base64::engine::general_purpose::STANDARD.encode(&signature))
        .field("verified_against_certificate", true);
    if let Some(path) = &args.output {
        write_signature(path, &encoded, Readers::Usual)?;
        out = out.field("output", path_text(path));
        let (n, shown) = (signature.len(), path_text(path));
        out.text =
            tr!("Wrote the signature ({n} bytes) to {shown}\n", "署名 ({n}バイト) を {shown} に書き出しました\n");
    } else if format == SigFormat::Raw {
        out.bytes = Some(encoded);
    } else {
        out.text = String::from_utf8_lossy(&encoded).into_owned();
    }
    out.must_deliver = args.output.is_none();
    Ok(out)
}
