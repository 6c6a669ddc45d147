//! What a command hands back for printing: JSON fields, text, or bytes.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::Path;

use serde_json::{Map, Value};

use super::exit::Failure;

/// Version of the JSON documents `--json` prints. Adding a field keeps it;
/// removing or changing one bumps it.
pub const SCHEMA_VERSION: u32 = 3;

/// `label` padded to `cells` terminal cells (a CJK character takes two), a space, then `value`.
pub fn labelled(label: &str, cells: usize, value: &str) -> String {
    let used: usize = label.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{label}{} {value}", " ".repeat(cells.saturating_sub(used)))
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
    let mut fields = Map::new();
    fields.insert("ok".into(), false.into());
    fields.insert("error".into(), Value::Object(err));
    json_document(command, fields)
}

/// Refuse to put binary data on a terminal before any card work is done.
pub fn check_binary_stdout(binary: bool, to_file: bool) -> Result<(), Failure> {
    if binary && !to_file && std::io::stdout().is_terminal() {
        return Err(Failure::usage("refusing to write binary data to a terminal")
            .with_hint("Use -o FILE, redirect stdout, or choose a text format"));
    }
    Ok(())
}

/// Check before the card is touched that an output path can be written.
pub fn check_output_path(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::usage(format!("the output path {:?} is a directory", path.display().to_string())));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Failure::usage(format!("the output directory {:?} does not exist", parent.display().to_string())));
    }
    if is_special(path) {
        return Ok(());
    }
    // Create (and remove) the temporary file write_file will use, so that an
    // unwritable place (/proc, a read-only mount) fails before the card is used.
    let probe = temp_path(path);
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Failure::usage(format!("cannot write {:?}: {e}", path.display().to_string()))),
    }
}

/// An existing output that is not a regular file (a device such as /dev/null
/// or /dev/stdout, a FIFO): written in place, never replaced by a rename.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file())
}

fn temp_path(path: &Path) -> std::path::PathBuf {
    path.with_file_name(format!(
        ".{}.jpki-tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ))
}

/// Write an output file, replacing it atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::output(format!("cannot write {:?}: {e}", path.display().to_string()));
    if is_special(path) {
        return std::fs::write(path, bytes).map_err(fail);
    }
    let tmp = temp_path(path);
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
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
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(terminal_safe("山田　太郎\n\tok"), "山田　太郎\n\tok");
        assert_eq!(terminal_safe("Evil\u{1b}]0;x\u{7}\r\u{9b}X\n"), "Evil\\u{1b}]0;x\\u{7}\\u{d}\\u{9b}X\n");
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
