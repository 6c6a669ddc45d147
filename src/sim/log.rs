//! The APDU log of the virtual card.
//!
//! One line per APDU the card received:
//!
//! ```text
//! APDU <seq> <command hex> -> <SW as 4 hex digits> <response data length>[ dropped| corrupted| hung]
//! ```
//!
//! The command is upper-case hex without spaces. Of VERIFY (INS `20`) and
//! CHANGE REFERENCE DATA (INS `24`) with data, only the 4-byte header is
//! shown, then `[secret]`, so neither a PIN nor its length reaches the log. Other events are lines of their own
//! starting with `EVENT ` (`EVENT connected`, `EVENT power-on`, ...).
//!
//! [`LoggedApdu`] reads a line back; it is the one reader of this log (the
//! integration tests use it too). The rule for a secret is by instruction
//! alone, whatever the class byte: a VERIFY with data in a proprietary class
//! still carries a PIN, so it is logged and counted as one.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Upper-case hex of a command APDU. VERIFY and CHANGE REFERENCE DATA with
/// data (or with bytes after the header that do not frame an APDU) show the
/// header and `[secret]`: the data is the PIN, and Lc (short or extended)
/// would tell its length.
pub fn redact_command(command: &[u8]) -> String {
    crate::apdu::redacted_hex(command)
}

/// What happened to the response of a logged APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Sent as the card produced it.
    Normal,
    /// Not sent: the link was closed instead (fault hook `drop_at`).
    Dropped,
    /// Sent corrupted (fault hook `corrupt_at`).
    Corrupted,
    /// Never answered: the card hangs (fault hook `hang_on`).
    Hung,
}

impl Delivery {
    const ALL: [Delivery; 4] = [Delivery::Normal, Delivery::Dropped, Delivery::Corrupted, Delivery::Hung];

    /// The word the log adds after the response length ("" for a normal answer).
    fn note(self) -> &'static str {
        match self {
            Delivery::Normal => "",
            Delivery::Dropped => "dropped",
            Delivery::Corrupted => "corrupted",
            Delivery::Hung => "hung",
        }
    }
}

/// Format one `APDU` line (without the newline).
pub fn apdu_line(seq: u64, command: &[u8], response: &[u8], delivery: Delivery) -> String {
    let (sw, data_len) = if response.len() >= 2 {
        let n = response.len();
        (u16::from_be_bytes([response[n - 2], response[n - 1]]), n - 2)
    } else {
        (0, 0)
    };
    let line = format!("APDU {seq} {} -> {sw:04X} {data_len}", redact_command(command));
    with_note(line, delivery)
}

fn with_note(mut line: String, delivery: Delivery) -> String {
    if delivery != Delivery::Normal {
        line.push(' ');
        line.push_str(delivery.note());
    }
    line
}

/// One `APDU` line of the log, read back (for tests and tools that check
/// what a client sent). Shown (`Display` and `Debug`) as the log line it was
/// read from, so that a failing test prints the log as it was.
#[derive(Clone, PartialEq, Eq)]
pub struct LoggedApdu {
    /// Sequence number, from 1 for each card session.
    pub seq: u64,
    /// CLA INS P1 P2 (zeros for a command shorter than its header).
    pub header: [u8; 4],
    /// The command carried a PIN: only its header was logged.
    pub secret: bool,
    /// The whole command, when it was logged (not secret).
    pub command: Option<Vec<u8>>,
    /// The status word answered (0000 when the card gave none).
    pub sw: u16,
    /// Bytes of response data.
    pub data_len: usize,
    pub delivery: Delivery,
}

impl LoggedApdu {
    /// Read an `APDU` line; `None` for any other line.
    pub fn parse(line: &str) -> Option<LoggedApdu> {
        let mut fields = line.split(' ');
        if fields.next()? != "APDU" {
            return None;
        }
        let seq = fields.next()?.parse().ok()?;
        let command = fields.next()?;
        let (hex_part, secret) = match command.strip_suffix(crate::apdu::SECRET_MARKER) {
            Some(header) => (header, true),
            None => (command, false),
        };
        let bytes = hex::decode(hex_part).ok()?;
        let header: [u8; 4] = bytes.get(..4).unwrap_or(&[]).try_into().unwrap_or_default();
        if fields.next()? != "->" {
            return None;
        }
        let sw = u16::from_str_radix(fields.next()?, 16).ok()?;
        let data_len = fields.next()?.parse().ok()?;
        let delivery = match fields.next() {
            None => Delivery::Normal,
            Some(note) => *Delivery::ALL.iter().find(|d| *d != &Delivery::Normal && d.note() == note)?,
        };
        let command = (!secret).then_some(bytes);
        Some(LoggedApdu { seq, header, secret, command, sw, data_len, delivery })
    }

    /// A VERIFY that sent a PIN (not a retry query), whatever its class:
    /// the data is a PIN either way.
    pub fn is_verify_with_data(&self) -> bool {
        self.secret && self.header[1] == 0x20
    }

    /// The retry-counter query: a VERIFY of the header alone (any class, as
    /// above), which spends no try.
    pub fn is_retry_query(&self) -> bool {
        self.header[1] == 0x20 && self.command.as_ref().is_some_and(|c| c.len() == 4)
    }

    /// COMPUTE DIGITAL SIGNATURE.
    pub fn is_signature(&self) -> bool {
        super::card::is_signature_command(&self.header)
    }

    /// The command as the log shows it: upper-case hex, or the header and
    /// `[secret]`.
    pub fn command_hex(&self) -> String {
        match &self.command {
            Some(bytes) => hex::encode_upper(bytes),
            None => format!("{}{}", hex::encode_upper(self.header), crate::apdu::SECRET_MARKER),
        }
    }
}

impl std::fmt::Display for LoggedApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = format!("APDU {} {} -> {:04X} {}", self.seq, self.command_hex(), self.sw, self.data_len);
        f.write_str(&with_note(line, self.delivery))
    }
}

impl std::fmt::Debug for LoggedApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Destination of the APDU log.
pub struct ApduLog {
    sink: Option<Box<dyn Write + Send>>,
}

impl ApduLog {
    /// A log that discards everything.
    pub fn disabled() -> ApduLog {
        ApduLog { sink: None }
    }

    /// Append to a file; `-` means standard error.
    pub fn open(path: &Path) -> io::Result<ApduLog> {
        if path.as_os_str() == "-" {
            return Ok(ApduLog { sink: Some(Box::new(io::stderr())) });
        }
        let f: File = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(ApduLog { sink: Some(Box::new(f)) })
    }

    /// A log writing to any writer (tests).
    pub fn to_writer(w: Box<dyn Write + Send>) -> ApduLog {
        ApduLog { sink: Some(w) }
    }

    /// Log one APDU.
    pub fn apdu(&mut self, seq: u64, command: &[u8], response: &[u8], delivery: Delivery) {
        let line = apdu_line(seq, command, response, delivery);
        self.line(&line);
    }

    /// Log an event (`EVENT <what>`).
    pub fn event(&mut self, what: &str) {
        self.line(&format!("EVENT {what}"));
    }

    fn line(&mut self, line: &str) {
        if let Some(w) = self.sink.as_mut() {
            // A failing log must not take the card down.
            let _ = writeln!(w, "{line}").and_then(|_| w.flush());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_data_is_masked() {
        let cmd = [0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'];
        let line = apdu_line(3, &cmd, &[0x90, 0x00], Delivery::Normal);
        assert_eq!(line, "APDU 3 00200080[secret] -> 9000 0");
        assert!(!line.contains("31323334"));
    }

    #[test]
    fn sfi_verify_and_sign_password_are_masked() {
        let pw = b"ABC123";
        let mut cmd = vec![0x00, 0x20, 0x00, 0x9B, pw.len() as u8];
        cmd.extend_from_slice(pw);
        let line = redact_command(&cmd);
        assert_eq!(line, "0020009B[secret]");
        assert!(!line.contains(&hex::encode_upper(pw)));
    }

    #[test]
    fn change_reference_data_is_masked() {
        let cmd = [0x00, 0x24, 0x01, 0x80, 0x04, b'9', b'8', b'7', b'6'];
        assert_eq!(redact_command(&cmd), "00240180[secret]");
    }

    #[test]
    fn extended_and_malformed_verify_are_masked() {
        let cmd = [0x00, 0x20, 0x00, 0x80, 0x00, 0x00, 0x04, b'1', b'2', b'3', b'4'];
        assert_eq!(redact_command(&cmd), "00200080[secret]");
        // Lc disagrees with the length: everything after the header goes.
        let bad = [0x00, 0x20, 0x00, 0x80, 0x09, b'1', b'2', b'3', b'4'];
        assert_eq!(redact_command(&bad), "00200080[secret]");
        // Case 4: Le goes too, since the command's total length would tell Lc.
        let c4 = [0x00, 0x20, 0x00, 0x80, 0x02, b'1', b'2', 0x00];
        assert_eq!(redact_command(&c4), "00200080[secret]");
    }

    #[test]
    fn other_commands_are_logged_verbatim() {
        let cmd = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18];
        assert_eq!(redact_command(&cmd), "00A4020C020018");
        assert_eq!(redact_command(&[0x00, 0x20, 0x00, 0x80]), "00200080");
        let mut resp = vec![0u8; 256];
        resp.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(
            apdu_line(1, &[0x00, 0xB0, 0x00, 0x00, 0x00], &resp, Delivery::Dropped),
            "APDU 1 00B0000000 -> 9000 256 dropped"
        );
        assert_eq!(apdu_line(2, &[0x00], &[0x90], Delivery::Corrupted), "APDU 2 00 -> 0000 0 corrupted");
    }

    #[test]
    fn lines_read_back() {
        let verify = [0x00, 0x20, 0x00, 0x9B, 0x06, b'A', b'B', b'C', b'1', b'2', b'3'];
        let line = apdu_line(7, &verify, &[0x63, 0xC4], Delivery::Normal);
        let read = LoggedApdu::parse(&line).unwrap();
        assert_eq!(
            (read.seq, read.header, read.secret, read.command.clone()),
            (7, [0x00, 0x20, 0x00, 0x9B], true, None)
        );
        assert_eq!((read.sw, read.data_len, read.delivery), (0x63C4, 0, Delivery::Normal));
        assert!(read.is_verify_with_data());
        assert_eq!(read.command_hex(), "0020009B[secret]");
        assert!(!read.is_retry_query());
        // A proprietary class does not make the PIN any less a PIN.
        let proprietary =
            LoggedApdu::parse(&apdu_line(2, &[0x80, 0x20, 0x00, 0x80, 0x01, b'1'], &[0x6E, 0], Delivery::Normal));
        assert!(proprietary.unwrap().is_verify_with_data());
        let query = LoggedApdu::parse(&apdu_line(8, &[0x00, 0x20, 0x00, 0x80], &[0x63, 0xC3], Delivery::Normal));
        let query = query.unwrap();
        assert!(!query.is_verify_with_data() && query.is_retry_query());
        assert_eq!(query.command_hex(), "00200080");
        let le_only = LoggedApdu::parse(&apdu_line(8, &[0x00, 0x20, 0x00, 0x80, 0x00], &[0x67, 0], Delivery::Normal));
        let le_only = le_only.unwrap();
        assert!(!le_only.is_verify_with_data() && !le_only.is_retry_query());
        let sign =
            LoggedApdu::parse(&apdu_line(9, &[0x80, 0x2A, 0x00, 0x80, 0x01, 0x00], &[0x6A, 0x82], Delivery::Normal));
        let sign = sign.unwrap();
        assert!(sign.is_signature() && !sign.is_verify_with_data() && !sign.is_retry_query());
        assert_eq!((sign.sw, sign.command_hex()), (0x6A82, "802A00800100".to_string()));
        let change =
            LoggedApdu::parse(&apdu_line(9, &[0x00, 0x24, 0x01, 0x80, 0x01, b'1'], &[0x90, 0], Delivery::Hung));
        let change = change.unwrap();
        assert!(change.secret && !change.is_verify_with_data());
        assert_eq!(change.delivery, Delivery::Hung);
        let mut read_binary = vec![0u8; 256];
        read_binary.extend_from_slice(&[0x90, 0x00]);
        let read = LoggedApdu::parse(&apdu_line(1, &[0x00, 0xB0, 0x00, 0x00, 0x00], &read_binary, Delivery::Dropped));
        let read = read.unwrap();
        assert_eq!(read.command.as_deref(), Some(&[0x00, 0xB0, 0x00, 0x00, 0x00][..]));
        assert_eq!(format!("{read:?}"), "APDU 1 00B0000000 -> 9000 256 dropped", "shown as the line it came from");
        assert_eq!((read.sw, read.data_len, read.delivery), (0x9000, 256, Delivery::Dropped));
        for other in
            ["EVENT power-on", "APDU x 00 -> 9000 0", "APDU 1 00200080 9000 0", "APDU 1 0020 -> 9000 0 odd", ""]
        {
            assert_eq!(LoggedApdu::parse(other), None, "{other}");
        }
    }

    use super::test_support::Shared;

    #[test]
    fn log_lines_never_contain_pins() {
        let buf = Shared::default();
        let mut log = ApduLog::to_writer(Box::new(buf.clone()));
        log.event("power-on");
        let pins: [&[u8]; 3] = [b"1234", b"ABC123", b"314159265352"];
        for (i, pin) in pins.iter().enumerate() {
            let mut v = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
            v.extend_from_slice(pin);
            log.apdu(i as u64 + 1, &v, &[0x63, 0xC2], Delivery::Normal);
            let mut c = vec![0x00, 0x24, 0x01, 0x80, pin.len() as u8];
            c.extend_from_slice(pin);
            log.apdu(i as u64 + 10, &c, &[0x90, 0x00], Delivery::Normal);
        }
        let text = buf.text();
        assert!(text.starts_with("EVENT power-on\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("APDU ")).count(), 6);
        for pin in pins {
            assert!(!text.contains(&format!("{:02X}", pin.len())), "the length shows: {text}");
            assert!(!text.contains(&hex::encode_upper(pin)), "{text}");
            assert!(!text.contains(std::str::from_utf8(pin).unwrap()), "{text}");
        }
    }
}

/// A log sink that tests can read back.
#[cfg(test)]
pub(crate) mod test_support {
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub(crate) struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }
}
