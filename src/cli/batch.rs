//! `jpki sign --batch`: many signatures, one PIN prompt, one card session,
//! one VERIFY (unless the card demands one per signature).

use std::io::BufRead;
use std::path::Path;

use clap::ValueEnum;
use jpki::digest::{HashAlgorithm, MessageDigest};
use jpki::Error;
use serde_json::json;

use super::exit::{ExitCode, Failure};
use super::output::{escape_bytes, print_stdout, Output};
use super::sign::{encode_text, SigFormat, SignArgs};
use super::{session, session::Connect, Global};

/// What each input line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchInput {
    #[value(help = super::i18n::pick("A hex digest of the --hash algorithm", "--hash のアルゴリズムによるダイジェスト (hex)"))]
    Digests,
    #[value(help = super::i18n::pick("A path of a file to hash and sign", "ハッシュして署名するファイルのパス"))]
    Files,
}

/// One input line, parsed.
struct Item {
    line: usize,
    /// The line as given, escaped so that it names one path only (see `path_text`).
    input: String,
    digest: Result<MessageDigest, String>,
}

/// Longest input line accepted, not counting its `\n` or `\r\n` (a path or a
/// SHA-512 digest fits easily).
const MAX_LINE: usize = 64 * 1024;

fn parse_items(
    kind: BatchInput,
    algorithm: HashAlgorithm,
    allow_empty: bool,
    reader: &mut impl BufRead,
) -> Result<Vec<Item>, Failure> {
    let mut items = Vec::new();
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        // Room for the longest line and its "\r\n": anything longer is refused below.
        let n = std::io::Read::take(reader.by_ref(), MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Failure::usage(format!("cannot read the batch input: {e}")))?;
        if n == 0 {
            break;
        }
        line += 1;
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.len() > MAX_LINE {
            return Err(Failure::usage(format!("line {line} of the batch input is longer than {MAX_LINE} bytes")));
        }
        // A blank line is a bad item, not skipped: output lines stay aligned with input lines.
        let digest = if bytes.trim_ascii().is_empty() {
            Err("the line is empty".to_string())
        } else {
            match kind {
                BatchInput::Digests => std::str::from_utf8(bytes)
                    .map_err(|_| "the line is not a hex digest".to_string())
                    .and_then(|text| MessageDigest::from_hex(algorithm, text).map_err(|e| e.to_string())),
                BatchInput::Files => line_path(bytes).and_then(|path| hash_file(algorithm, allow_empty, path)),
            }
        };
        items.push(Item { line, input: escape_bytes(bytes), digest });
    }
    Ok(items)
}

/// The path a line names, byte for byte: a lossy decode could name another file.
#[cfg(unix)]
fn line_path(bytes: &[u8]) -> Result<&Path, String> {
    if bytes.contains(&0) {
        return Err("the line holds a NUL byte, which no path can contain".to_string());
    }
    Ok(Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn line_path(bytes: &[u8]) -> Result<&Path, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(Path::new(text)),
        Ok(_) => Err("the line holds a NUL byte, which no path can contain".to_string()),
        Err(_) => Err("the line is not UTF-8, which paths here must be".to_string()),
    }
}

fn hash_file(algorithm: HashAlgorithm, allow_empty: bool, path: &Path) -> Result<MessageDigest, String> {
    let mut file = super::sign::open_file(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut counting = super::sign::Counting { inner: &mut file, bytes: 0 };
    let bytes = algorithm.hash_reader(&mut counting).map_err(|e| format!("cannot read it: {e}"))?;
    if counting.bytes == 0 && !allow_empty {
        return Err("the file is empty (pass --allow-empty to sign it)".to_string());
    }
    MessageDigest::new(algorithm, bytes).map_err(|e| e.to_string())
}

/// Counts for the closing summary.
#[derive(Default)]
struct Tally {
    signed: usize,
    bad_lines: usize,
}

pub fn run(global: &Global, connect: &dyn Connect, args: &SignArgs, kind: BatchInput) -> Result<Output, Failure> {
    let key = args.key.key();
    let algorithm = args.hash.algorithm();
    let format = args.format.unwrap_or(SigFormat::Hex);
    if format == SigFormat::Raw {
        return Err(Failure::usage("--batch writes one line per signature: use --format hex or base64"));
    }
    if args.output.is_some() || args.input.is_some() || args.digest.is_some() {
        return Err(Failure::usage("--batch reads its items from stdin and writes results to stdout")
            .with_hint("Drop FILE, --digest and -o"));
    }
    if args.pin_args.pin_file.as_deref() == Some(Path::new("-")) {
        return Err(Failure::usage("stdin carries the batch, so it cannot carry the PIN too").with_hint(
            if cfg!(unix) {
                "Use --pin-file PATH, /dev/fd/N or the environment variable"
            } else {
                "Use --pin-file PATH or the environment variable"
            },
        ));
    }
    let pin_kind = key.pin();
    let pin = args.pin_args.obtain_default(pin_kind)?;
    if args.allow_empty && kind == BatchInput::Digests {
        return Err(Failure::usage("--allow-empty applies to files, not to a batch of digests"));
    }
    let items = parse_items(kind, algorithm, args.allow_empty, &mut std::io::stdin().lock())?;
    if items.is_empty() {
        // Nothing to sign: do not spend a VERIFY (or the card's time) on it.
        return Err(Failure::usage("the batch input on stdin has no items; nothing was signed")
            .with_hint("Give one hex digest or file path per line"));
    }
    let bad: Vec<&Item> = items.iter().filter(|i| i.digest.is_err()).collect();
    if let (Some(first), false) = (bad.first(), args.keep_going) {
        let reason = first.digest.as_ref().err().cloned().unwrap_or_default();
        return Err(Failure::usage(format!("line {} of the batch input: {reason}; nothing was signed", first.line))
            .with_hint("Fix the line, or pass --keep-going to sign the other lines"));
    }
    if bad.len() == items.len() {
        return Err(Failure::usage("no line of the batch input can be signed; nothing was sent to the card"));
    }
    let mut tally = Tally::default();
    let mut signer = session::signer(global, connect, key, &pin, args.pin_args.force)?;
    for item in &items {
        let digest = match &item.digest {
            Ok(d) => d,
            Err(reason) => {
                tally.bad_lines += 1;
                emit(global, item, Err(reason.clone()), format)?;
                eprintln!("jpki: line {}: {reason}; not signed", item.line);
                continue;
            }
        };
        let signature = signer.sign_reverifying(digest, &pin).map_err(|e| match e {
            e @ Error::SelfCheckFailed(_) => {
                let f = Failure::from(e);
                Failure { message: format!("line {}: {}", item.line, f.message), ..f }
            }
            e => Failure::from(e),
        })?;
        emit(global, item, Ok(&signature), format)?;
        tally.signed += 1;
    }
    let reverified = signer.reverified();
    drop(signer);
    if reverified > 0 {
        eprintln!(
            "jpki: note: this card wants the PIN verified before every signature; it was re-verified {} times with the PIN you gave",
            reverified
        );
    }
    let summary = format!("jpki: signed {} of {} items", tally.signed, items.len());
    if tally.bad_lines > 0 {
        eprintln!("{summary}; {} lines were not signed", tally.bad_lines);
        return Err(Failure {
            code: ExitCode::Usage,
            kind: "batch_incomplete",
            message: format!("{} batch lines were not signed", tally.bad_lines),
            hint: None,
            pin: None,
            tries_left: None,
            unlock: None,
        });
    }
    Ok(Output { streamed: true, ..Default::default() })
}

/// Write one result line in input order.
fn emit(global: &Global, item: &Item, result: Result<&[u8], String>, format: SigFormat) -> Result<(), Failure> {
    let line = if global.json {
        let doc = match result {
            Ok(sig) => {
                json!({"schema_version": super::output::SCHEMA_VERSION, "command": "sign-batch", "line": item.line,
                "input": item.input, "ok": true, "signature": encode_text(sig, format), "format": format.name()})
            }
            Err(reason) => {
                json!({"schema_version": super::output::SCHEMA_VERSION, "command": "sign-batch", "line": item.line,
                "input": item.input, "ok": false, "error": reason})
            }
        };
        doc.to_string()
    } else {
        match result {
            Ok(sig) => encode_text(sig, format),
            Err(_) => String::new(),
        }
    };
    print_stdout(format!("{line}\n").as_bytes(), true).map_err(|e| {
        Failure::output(format!("cannot write the output: {e}; signatures made so far were not all delivered"))
    })
}
