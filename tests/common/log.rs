//! The simulator's APDU log, read back: `APDU <seq> <command hex> -> <SW> <data length>[ note]`
//! (src/sim/log.rs writes it). VERIFY and CHANGE REFERENCE DATA with data are
//! logged as their 4-byte header followed by `[secret]`.

/// One `APDU` line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apdu {
    /// The command in upper-case hex (redacted as the log has it).
    pub command: String,
    /// The status word, 4 hex digits.
    pub sw: String,
    /// What happened to the answer: empty, `dropped`, `corrupted` or `hung`.
    pub note: String,
}

impl Apdu {
    /// The APDU of a log line; `None` for other lines (`EVENT ...`).
    pub fn parse(line: &str) -> Option<Apdu> {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["APDU", _seq, command, "->", sw, _len, rest @ ..] => Some(Apdu {
                command: command.to_string(),
                sw: sw.to_string(),
                note: rest.first().unwrap_or(&"").to_string(),
            }),
            _ => None,
        }
    }
}

/// The command hex of a log line ("" for a line that is not an APDU).
pub fn command_of(line: &str) -> &str {
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["APDU", _seq, command, "->", ..] => command,
        _ => "",
    }
}

/// The status word of a log line ("" for a line that is not an APDU).
pub fn sw_of(line: &str) -> &str {
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["APDU", _seq, _command, "->", sw, ..] => sw,
        _ => "",
    }
}

/// The instruction byte (hex) of a logged command.
pub fn ins_of(command: &str) -> &str {
    command.get(2..4).unwrap_or("")
}

/// An inter-industry command (CLA `0X`): the only class VERIFY is defined in.
fn interindustry(command: &str) -> bool {
    command.starts_with('0')
}

/// A VERIFY that carries a PIN, as opposed to the bare 4-byte retry query (or
/// a header with only Le): the log shows `[secret]`, or more than 5 bytes.
pub fn is_verify_with_data(command: &str) -> bool {
    interindustry(command) && ins_of(command) == "20" && (command.ends_with("[secret]") || command.len() > 10)
}

/// The retry-counter query: VERIFY with the header only.
pub fn is_retry_query(command: &str) -> bool {
    interindustry(command) && ins_of(command) == "20" && command.len() == 8
}

/// COMPUTE DIGITAL SIGNATURE (the JPKI applet's proprietary class 80).
pub fn is_signature(command: &str) -> bool {
    command.starts_with("802A")
}

/// The log lines whose command matches `pred`.
pub fn lines_where(lines: &[String], pred: fn(&str) -> bool) -> Vec<&String> {
    lines.iter().filter(|l| pred(command_of(l))).collect()
}

/// How many log lines have a command matching `pred`.
pub fn count(lines: &[String], pred: fn(&str) -> bool) -> usize {
    lines_where(lines, pred).len()
}

/// The VERIFY commands that carried a PIN in these log lines.
pub fn verifies_with_data(lines: &[String]) -> Vec<&String> {
    lines_where(lines, is_verify_with_data)
}
