//! `jpki sign --batch`: many signatures, one PIN prompt, one card session,
//! one VERIFY (unless the card demands one per signature).

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressState, ProgressStyle};

use clap::ValueEnum;
use jpki::digest::{HashAlgorithm, MessageDigest};
use jpki::Error;
use serde_json::json;

use super::exit::{ExitCode, Failure};
use super::i18n::{pick, tr};
use super::output::{escape_bytes, io_problem, print_stdout, Output};
use super::sign::{digest_problem, encode_text, SigFormat, SignArgs};
use super::{pin_input, session, session::Connect, Global};

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
        let n = std::io::Read::take(reader.by_ref(), MAX_LINE as u64 + 2).read_until(b'\n', &mut buf).map_err(|e| {
            let e = io_problem(&e);
            Failure::usage(tr!("cannot read the batch input: {e}", "一括入力を読めません: {e}"))
        })?;
        if n == 0 {
            break;
        }
        line += 1;
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.len() > MAX_LINE {
            return Err(Failure::usage(tr!(
                "line {line} of the batch input is longer than {MAX_LINE} bytes",
                "一括入力の{line}行目が{MAX_LINE}バイトを超えています"
            )));
        }
        // A blank line is a bad item, not skipped: output lines stay aligned with input lines.
        let digest = if bytes.trim_ascii().is_empty() {
            Err(pick("the line is empty", "空の行です").to_string())
        } else {
            match kind {
                BatchInput::Digests => std::str::from_utf8(bytes)
                    .map_err(|_| pick("the line is not a hex digest", "16進数のダイジェストではありません").to_string())
                    .and_then(|text| MessageDigest::from_hex(algorithm, text).map_err(|e| digest_problem(&e))),
                BatchInput::Files => line_path(bytes).and_then(|path| hash_file(algorithm, allow_empty, path)),
            }
        };
        items.push(Item { line, input: escape_bytes(bytes), digest });
    }
    Ok(items)
}

fn nul_in_path() -> String {
    pick("the line holds a NUL byte, which no path can contain", "行に NUL バイトがあります。パスには含められません")
        .to_string()
}

/// The path a line names, byte for byte: a lossy decode could name another file.
#[cfg(unix)]
fn line_path(bytes: &[u8]) -> Result<&Path, String> {
    if bytes.contains(&0) {
        return Err(nul_in_path());
    }
    Ok(Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn line_path(bytes: &[u8]) -> Result<&Path, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(Path::new(text)),
        Ok(_) => Err(nul_in_path()),
        Err(_) => Err(pick(
            "the line is not UTF-8, which paths here must be",
            "パスは UTF-8 でなければなりませんが、この行は違います",
        )
        .to_string()),
    }
}

fn hash_file(algorithm: HashAlgorithm, allow_empty: bool, path: &Path) -> Result<MessageDigest, String> {
    let cannot_read = |e: std::io::Error| {
        let e = io_problem(&e);
        tr!("cannot read it: {e}", "読めません: {e}")
    };
    let mut file = super::sign::open_file(path).map_err(cannot_read)?;
    let mut counting = super::sign::Counting { inner: &mut file, bytes: 0 };
    let bytes = algorithm.hash_reader(&mut counting).map_err(cannot_read)?;
    if counting.bytes == 0 && !allow_empty {
        return Err(pick(
            "the file is empty (pass --allow-empty to sign it)",
            "ファイルが空です (署名するには --allow-empty を付けてください)",
        )
        .to_string());
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
        return Err(Failure::usage(pick(
            "--batch writes one line per signature: use --format hex or base64",
            "--batch は署名を1行ずつ書き出します。--format hex か base64 を使ってください",
        )));
    }
    if args.output.is_some() || args.input.is_some() || args.digest.is_some() {
        return Err(Failure::usage(pick(
            "--batch reads its items from stdin and writes results to stdout",
            "--batch は標準入力から項目を読み、結果を標準出力に書きます",
        ))
        .with_hint(pick("Drop FILE, --digest and -o", "FILE、--digest、-o を外してください")));
    }
    if args.pin_args.pin_file.as_deref() == Some(Path::new("-")) {
        return Err(Failure::usage(pick(
            "stdin carries the batch, so it cannot carry the PIN too",
            "標準入力は一括入力に使うので、暗証番号は渡せません",
        ))
        .with_hint(if cfg!(unix) {
            pick(
                "Use --pin-file PATH, /dev/fd/N or the environment variable",
                "--pin-file PATH、/dev/fd/N、または環境変数を使ってください",
            )
        } else {
            pick("Use --pin-file PATH or the environment variable", "--pin-file PATH か環境変数を使ってください")
        }));
    }
    let pin_kind = key.pin();
    let pin = args.pin_args.obtain_default(pin_kind)?;
    if args.allow_empty && kind == BatchInput::Digests {
        return Err(Failure::usage(pick(
            "--allow-empty applies to files, not to a batch of digests",
            "--allow-empty はファイル用です。ダイジェストの一括署名には使えません",
        )));
    }
    let items = parse_items(kind, algorithm, args.allow_empty, &mut std::io::stdin().lock())?;
    if items.is_empty() {
        // Nothing to sign: do not spend a VERIFY (or the card's time) on it.
        return Err(Failure::usage(pick(
            "the batch input on stdin has no items; nothing was signed",
            "標準入力の一括入力に項目がありません。何も署名していません",
        ))
        .with_hint(pick(
            "Give one hex digest or file path per line",
            "1行に1つ、16進数のダイジェストかファイルのパスを書いてください",
        )));
    }
    let bad: Vec<&Item> = items.iter().filter(|i| i.digest.is_err()).collect();
    if let (Some(first), false) = (bad.first(), args.keep_going) {
        let reason = first.digest.as_ref().err().cloned().unwrap_or_default();
        let line = first.line;
        return Err(Failure::usage(tr!(
            "line {line} of the batch input: {reason}; nothing was signed",
            "一括入力の{line}行目: {reason}。何も署名していません"
        ))
        .with_hint(pick(
            "Fix the line, or pass --keep-going to sign the other lines",
            "その行を直すか、--keep-going で残りの行を署名してください",
        )));
    }
    if bad.len() == items.len() {
        return Err(Failure::usage(pick(
            "no line of the batch input can be signed; nothing was sent to the card",
            "一括入力に署名できる行がありません。カードには何も送っていません",
        )));
    }
    let mut tally = Tally::default();
    let mut signer = session::signer(global, connect, key, &pin, args.pin_args.force)?;
    let progress = progress(global, items.len() - bad.len());
    for item in &items {
        let digest = match &item.digest {
            Ok(d) => d,
            Err(reason) => {
                tally.bad_lines += 1;
                progress.suspend(|| emit(global, item, Err(reason.clone()), format))?;
                let line = item.line;
                progress.suspend(|| {
                    eprintln!(
                        "jpki: {}",
                        tr!("line {line}: {reason}; not signed", "{line}行目: {reason}。署名していません")
                    )
                });
                continue;
            }
        };
        let signature = signer.sign_reverifying(digest, &pin).map_err(|e| match e {
            e @ Error::SelfCheckFailed(_) => {
                let f = Failure::from(e);
                let (line, message) = (item.line, &f.message);
                Failure { message: tr!("line {line}: {message}", "{line}行目: {message}"), ..f }
            }
            e => Failure::from(e),
        })?;
        // Off the screen while a line goes out, should stdout be the same terminal.
        progress.suspend(|| emit(global, item, Ok(&signature), format))?;
        tally.signed += 1;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let reverified = signer.reverified();
    drop(signer);
    if reverified > 0 {
        eprintln!(
            "jpki: {}",
            tr!(
                "note: this card wants the PIN verified before every signature; it was re-verified {reverified} times with the PIN you gave",
                "注意: このカードは署名のたびに暗証番号の照合を求めます。入力された暗証番号で{reverified}回照合し直しました"
            )
        );
    }
    let (signed, total, bad) = (tally.signed, items.len(), tally.bad_lines);
    if bad > 0 {
        eprintln!(
            "jpki: {}",
            tr!(
                "signed {signed} of {total} items; {bad} lines were not signed",
                "{total}件中{signed}件に署名しました。{bad}行は署名していません"
            )
        );
        return Err(Failure {
            code: ExitCode::Usage,
            kind: "batch_incomplete",
            message: tr!("{bad} batch lines were not signed", "一括入力の{bad}行に署名していません"),
            hint: None,
            pin: None,
            tries_left: None,
            unlock: None,
        });
    }
    Ok(Output { streamed: true, ..Default::default() })
}

/// The batch's progress on stderr, at a terminal only (not with `--json`):
/// the signatures made, and the time left at the pace the card has kept so
/// far. Hidden, it draws nothing. It is cleared when done or dropped.
fn progress(global: &Global, signatures: usize) -> ProgressBar {
    let target = if global.json || !pin_input::at_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    // Worded here, on the command's thread, which knows the language.
    let template = pick("{bar:30} {pos}/{len} signed{left}", "{bar:30} {pos}/{len}件 署名済み{left}");
    let (before, after) = pick((", about ", " left"), (" 残り約", ""));
    let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).with_key(
        "left",
        move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            if let Some(left) = time_left(state.pos(), state.len().unwrap_or(0), state.elapsed()) {
                let _ = write!(w, "{before}{}{after}", rounded(left));
            }
        },
    );
    ProgressBar::with_draw_target(Some(signatures as u64), target)
        .with_style(style)
        .with_finish(ProgressFinish::AndClear)
}

/// The time the `total - done` signatures still to make will take, at the
/// mean pace of the `done` the card made in `elapsed`; unknown before the first.
fn time_left(done: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    let done32 = u32::try_from(done).ok().filter(|&d| d > 0)?;
    let left = u32::try_from(total.saturating_sub(done)).ok()?;
    Some(elapsed / done32 * left)
}

/// A duration as a person reads it: seconds under two minutes, else minutes.
fn rounded(d: Duration) -> String {
    match d.as_secs() {
        s if s < 120 => tr!("{s} s", "{s}秒"),
        s => {
            let m = s.div_ceil(60);
            tr!("{m} min", "{m}分")
        }
    }
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
        Failure::output(tr!(
            "cannot write the output: {e}; signatures made so far were not all delivered",
            "出力を書き込めません: {e}。ここまでの署名がすべて渡ったとは限りません"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_follows_the_cards_pace() {
        // 4 signatures in 2 s: 0.5 s each, 6 to go.
        assert_eq!(time_left(4, 10, Duration::from_secs(2)), Some(Duration::from_secs(3)));
        assert_eq!(time_left(0, 10, Duration::from_secs(2)), None, "no pace before the first signature");
        assert_eq!(time_left(10, 10, Duration::from_secs(5)), Some(Duration::ZERO));
        assert_eq!(rounded(Duration::from_secs(119)), "119 s");
        assert_eq!(rounded(Duration::from_secs(121)), "3 min");
    }
}
