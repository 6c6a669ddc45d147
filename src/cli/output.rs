//! What a command hands back for printing: JSON fields, text, or bytes.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::Path;

use serde_json::{Map, Value};

use super::exit::Failure;
use super::i18n::{pick, tr};

/// Version of the JSON documents `--json` prints. Adding a field keeps it;
/// removing or changing one bumps it.
pub const SCHEMA_VERSION: u32 = 6;

/// Separates a label from its value in text whose value column is lined up
/// by [`align_columns`] (a control character no label contains).
pub const COLUMN: char = '\u{1F}';

/// Every line `label COLUMN value` with its value at the same terminal cell,
/// one past the widest of these labels; other lines as they are.
pub fn align_columns(text: &str) -> String {
    let widest = text.lines().filter_map(|l| l.split_once(COLUMN)).map(|(label, _)| width(label)).max();
    let Some(widest) = widest else { return text.to_string() };
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        match line.split_once(COLUMN) {
            Some((label, value)) => out.push_str(&labelled(label, widest, value)),
            None => out.push_str(line),
        }
    }
    out
}

/// `label` padded to `cells` terminal cells (a full-width character takes two), a space, then `value`.
pub fn labelled(label: &str, cells: usize, value: &str) -> String {
    format!("{} {value}", pad(label, cells))
}

/// Terminal cells `text` takes: full-width characters (kanji, kana,
/// full-width forms) count two, combining marks none (Unicode's East Asian Width).
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` followed by spaces up to `cells` terminal cells (nothing added if it is wider).
pub fn pad(text: &str, cells: usize) -> String {
    format!("{text}{}", " ".repeat(cells.saturating_sub(width(text))))
}

/// The result of a successful command.
#[derive(Default)]
pub struct Output {
    /// Fields of the JSON document (without `schema_version` and `command`).
    pub json: Map<String, Value>,
    /// Human-readable text, printed when `--json` is not given.
    pub text: String,
    /// Binary data for stdout instead of text (a DER certificate, a raw signature).
    pub bytes: Option<Vec<u8>>,
    /// The command already wrote its results (one line per item).
    pub streamed: bool,
    /// Stdout carries a signature the card made: if the reader closed the
    /// pipe, it was lost, and that is an error rather than a quiet exit.
    pub must_deliver: bool,
    /// A report that is printed all the same but says something failed
    /// (`doctor`): its one stderr line and its exit code.
    pub failed: Option<Failure>,
}

impl Output {
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.json.insert(key.to_string(), value.into());
        self
    }
}

pub fn json_document(command: &str, fields: Map<String, Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    doc.insert("command".into(), command.into());
    doc.extend(fields);
    Value::Object(doc)
}

pub fn failure_document(command: &str, failure: &Failure) -> Value {
    let mut err = Map::new();
    err.insert("kind".into(), failure.kind.into());
    err.insert("message".into(), failure.message.clone().into());
    if let Some(h) = &failure.hint {
        err.insert("hint".into(), h.clone().into());
    }
    err.insert("exit_code".into(), (failure.code as i32).into());
    if let Some(p) = failure.pin {
        err.insert("pin".into(), p.name().into());
    }
    if let Some(t) = failure.tries_left {
        err.insert("tries_left".into(), t.into());
    }
    if let Some(u) = failure.unlock {
        err.insert("unlock".into(), super::advice::json(u));
    }
    let mut fields = Map::new();
    fields.insert("ok".into(), false.into());
    fields.insert("error".into(), Value::Object(err));
    json_document(command, fields)
}

/// Why a file could not be read or written, in the current language: the
/// system's own text is English, so the common kinds are worded here.
pub fn io_problem(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let ja = match e.kind() {
        K::NotFound => "ファイルが見つかりません",
        K::PermissionDenied => "権限がありません",
        K::IsADirectory => "フォルダーです",
        K::NotADirectory => "パスの途中がフォルダーではありません",
        K::StorageFull => "ディスクがいっぱいです",
        K::ReadOnlyFilesystem => "読み取り専用のファイルシステムです",
        K::BrokenPipe => "パイプが閉じられました",
        K::InvalidData => "テキストとして読めないデータです",
        _ => return e.raw_os_error().map_or_else(|| e.to_string(), |n| tr!("{e}", "入出力エラー (OS エラー {n})")),
    };
    pick(e.to_string(), ja.to_string())
}

/// Refuse to put binary data on a terminal before any card work is done.
pub fn check_binary_stdout(binary: bool, to_file: bool) -> Result<(), Failure> {
    if binary && !to_file && std::io::stdout().is_terminal() {
        return Err(Failure::usage(pick(
            "refusing to write binary data to a terminal",
            "バイナリデータは端末に出力しません",
        ))
        .with_hint(pick(
            "Use -o FILE, redirect stdout, or choose a text format",
            "-o FILE を使うか、標準出力をリダイレクトするか、テキストの形式を選んでください",
        )));
    }
    Ok(())
}

/// Check before the card is touched that an output path can be written, and
/// that it is not one of `inputs` (files the command reads; `-` is stdin):
/// writing there would replace the input with the output.
pub fn check_output_path(path: &Path, inputs: &[&Path]) -> Result<(), Failure> {
    let shown = quoted_path(path);
    if path.is_dir() {
        return Err(Failure::usage(tr!("the output path {shown} is a directory", "出力先 {shown} はフォルダーです")));
    }
    let parent = parent_dir(path);
    if !parent.is_dir() {
        let parent = quoted_path(parent);
        return Err(Failure::usage(tr!(
            "the output directory {parent} does not exist",
            "出力先のフォルダー {parent} がありません"
        )));
    }
    if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
        let what =
            if input.as_os_str() == "-" { pick("stdin", "標準入力").to_string() } else { quoted_path(input) };
        return Err(Failure::usage(tr!(
            "the output {shown} is the same file as the input {what}",
            "出力先 {shown} は入力 {what} と同じファイルです"
        ))
        .with_hint(pick("Write the output to another file", "別のファイルに出力してください")));
    }
    if is_special(path) {
        return Ok(());
    }
    // Create (and drop, which removes it) a temporary file where write_file
    // will make one, so that an unwritable place (/proc, a read-only mount)
    // fails before the card is used.
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(parent)
        .map(drop)
        .map_err(|e| Failure::usage(tr!("cannot write {shown}: {e}", "{shown} に書き込めません: {e}")))
}

/// Temporary files are hidden and say whose they are; the rest of the name is random.
const TEMP_PREFIX: &str = ".jpki-";

fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Do `output` and `input` (`-` is stdin) name the same existing file, by
/// any spelling, symbolic link or hard link?
#[cfg(unix)]
fn same_file(output: &Path, input: &Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(out) = std::fs::metadata(output) else {
        return false;
    };
    let input = if input.as_os_str() == "-" {
        std::io::stdin().as_fd().try_clone_to_owned().map(std::fs::File::from).and_then(|f| f.metadata())
    } else {
        std::fs::metadata(input)
    };
    // A device or FIFO (stdin and stdout both on a terminal) is not a file that could be replaced.
    input.is_ok_and(|i| i.is_file() && (i.dev(), i.ino()) == (out.dev(), out.ino()))
}

#[cfg(not(unix))]
fn same_file(output: &Path, input: &Path) -> bool {
    input.as_os_str() != "-"
        && matches!((std::fs::canonicalize(output), std::fs::canonicalize(input)), (Ok(a), Ok(b)) if a == b)
}

/// An existing output that is not a regular file or a directory (a device
/// such as /dev/null, a FIFO, also behind a link such as /dev/stdout):
/// written in place, never replaced by a rename.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Who may read a file [`write_file`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// Anyone the umask allows (a signature, a certificate without personal data).
    Usual,
    /// The owner only: the file carries personal data (the signing certificate).
    Owner,
}

/// Write an output file, replacing it atomically: the data goes to a new
/// temporary file beside it (random name, created exclusively, so nothing
/// planted there is followed or reused), which is then renamed over `path`.
/// A symbolic link at `path` is itself replaced, never written through,
/// except when it leads to a device or FIFO (/dev/stdout), which is written in place.
pub fn write_file(path: &Path, bytes: &[u8], readers: Readers) -> Result<(), Failure> {
    use std::io::Write;
    let shown = quoted_path(path);
    let fail = |e: std::io::Error| Failure::output(tr!("cannot write {shown}: {e}", "{shown} に書き込めません: {e}"));
    if is_special(path) {
        // Opened without creating; if a regular file was swapped in since the
        // check, it is not written through but replaced below like any other.
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
        if !f.metadata().map_err(fail)?.is_file() {
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(fail);
        }
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if readers == Readers::Owner { 0o600 } else { 0o666 };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = readers;
    // Dropping the temporary file on an error removes it.
    let mut tmp = builder.tempfile_in(parent_dir(path)).map_err(fail)?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(fail)?;
    tmp.persist(path).map(drop).map_err(|e| fail(e.error))
}

/// A path as text that names it unambiguously: printable UTF-8 as it is, a
/// backslash doubled, and every other byte (not UTF-8, or a control
/// character) as `\xHH`.
pub fn path_text(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    #[cfg(not(unix))]
    let lossy = path.to_string_lossy();
    #[cfg(not(unix))]
    let bytes = lossy.as_bytes();
    escape_bytes(bytes)
}

/// [`path_text`] in quotes, for messages.
pub fn quoted_path(path: &Path) -> String {
    format!("\"{}\"", path_text(path))
}

/// See [`path_text`].
pub fn escape_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::new();
    let hex = |out: &mut String, raw: &[u8]| raw.iter().for_each(|b| out.push_str(&format!("\\x{b:02x}")));
    while !bytes.is_empty() {
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(all) => (all, &[][..]),
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(good).unwrap_or_default(), bad)
            }
        };
        for c in valid.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => hex(&mut out, c.encode_utf8(&mut [0; 4]).as_bytes()),
                c => out.push(c),
            }
        }
        // One invalid byte at a time; what follows is decoded again.
        if let Some((&bad, after)) = rest.split_first() {
            hex(&mut out, &[bad]);
            bytes = after;
        } else {
            bytes = rest;
        }
    }
    out
}

/// Text for a terminal: control characters other than newline and tab are
/// shown escaped (`\u{1b}`), so that data from a card cannot drive the terminal.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c.is_control() && c != '\n' && c != '\t')
}

/// One value for a line of text output (a field from the card, or a whole
/// error line): line breaks are escaped too (`\u{a}`, also U+2028 and U+2029),
/// so a value cannot start a line of its own, such as a fake "My Number" line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |c| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}'))
}

fn escaped(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// Print to stdout. A closed pipe is not an error (`jpki readers | head -1`)
/// unless the bytes are a signature that must reach the reader.
pub fn print_stdout(bytes: &[u8], must_deliver: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && !must_deliver => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_at_the_widest_label_shown() {
        let text = format!("Reader: x\n署名用パスワード:{COLUMN}ロック中\n  advice\nPIN:{COLUMN}3\n{COLUMN}more\n");
        let aligned = align_columns(&text);
        assert_eq!(
            aligned,
            "Reader: x\n署名用パスワード: ロック中\n  advice\nPIN:              3\n                  more\n"
        );
        assert_eq!(align_columns("no columns\n"), "no columns\n");
    }

    #[test]
    fn labels_line_up_by_display_width() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("署名用"), 6);
        assert_eq!(width("ｶﾅ"), 2, "half-width katakana take one cell each");
        assert_eq!(width("Ａ１"), 4, "full-width forms take two");
        assert_eq!(width("e\u{301}"), 1, "a combining mark takes none");
        let lines = [labelled("Auth PIN:", 24, "3"), labelled("署名用パスワード:", 24, "5"), labelled("ｶﾅ:", 24, "1")];
        for line in &lines {
            let value_at = line.rfind(' ').unwrap() + 1;
            assert_eq!(width(&line[..value_at]), 25, "{line:?}");
        }
        assert_eq!(pad("とても長い見出しの行", 4), "とても長い見出しの行", "never cut");
    }

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(terminal_safe("山田　太郎\n\tok"), "山田　太郎\n\tok");
        assert_eq!(terminal_safe("Evil\u{1b}]0;x\u{7}\r\u{9b}X\n"), "Evil\\u{1b}]0;x\\u{7}\\u{d}\\u{9b}X\n");
    }

    #[test]
    fn paths_are_shown_unambiguously() {
        assert_eq!(escape_bytes(b"report-\xff.txt"), "report-\\xff.txt");
        assert_eq!(escape_bytes("report-\u{FFFD}.txt".as_bytes()), "report-\u{FFFD}.txt");
        // A name that spells the escape itself is told apart by the doubled backslash.
        assert_eq!(escape_bytes(b"report-\\xff.txt"), "report-\\\\xff.txt");
        assert_eq!(escape_bytes(b"a\tb\x1b\r\xc3"), "a\\x09b\\x1b\\x0d\\xc3");
        assert_eq!(escape_bytes("東京\u{9b}".as_bytes()), "東京\\xc2\\x9b");
        assert_eq!(escape_bytes(b""), "");
    }

    #[test]
    fn a_field_cannot_break_its_line() {
        assert_eq!(one_line("山田　太郎\tok"), "山田　太郎\tok");
        for (input, shown) in [
            ("A\nMy Number: 1", "A\\u{a}My Number: 1"),
            ("A\r\nB", "A\\u{d}\\u{a}B"),
            ("A\u{2028}B\u{2029}C\u{85}D\u{b}E\u{c}F", "A\\u{2028}B\\u{2029}C\\u{85}D\\u{b}E\\u{c}F"),
        ] {
            assert_eq!(one_line(input), shown);
        }
    }
}
