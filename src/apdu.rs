//! ISO 7816-4 command and response APDUs, and the status words this card uses.

use std::fmt;

use zeroize::Zeroizing;

/// Largest response data an extended Le can ask for.
pub const MAX_EXTENDED_LE: usize = 65_536;
/// What traces show in place of the length and data of a command that carries a secret.
pub const SECRET_MARKER: &str = "[secret]";
/// Largest response data a short Le can ask for.
pub const MAX_SHORT_LE: usize = 256;

/// A command APDU. Data of sensitive commands (VERIFY, CHANGE REFERENCE DATA)
/// is wiped on drop and never shown by `Debug` or [`Command::redacted_hex`].
#[derive(Clone)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    data: Zeroizing<Vec<u8>>,
    /// Expected response length; `None` means no Le field.
    pub le: Option<usize>,
    /// Force extended length encoding even when the sizes fit short APDUs.
    pub extended: bool,
    sensitive: bool,
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command { cla, ins, p1, p2, data: Zeroizing::new(Vec::new()), le: None, extended: false, sensitive: false }
    }

    pub fn with_data(mut self, data: &[u8]) -> Self {
        self.data = Zeroizing::new(data.to_vec());
        self
    }

    /// Attach data that must never appear in a log (a PIN).
    pub fn with_secret_data(mut self, data: &[u8]) -> Self {
        self.data = Zeroizing::new(data.to_vec());
        self.sensitive = true;
        self
    }

    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    pub fn extended(mut self) -> Self {
        self.extended = true;
        self
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    fn uses_extended(&self) -> bool {
        self.extended || self.data.len() > 255 || self.le.is_some_and(|le| le > MAX_SHORT_LE)
    }

    /// Encode to bytes (ISO 7816-4 cases 1–4, short or extended).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.data.len() + 9));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.uses_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 is encoded as 00 00.
                out.extend_from_slice(&((le % MAX_EXTENDED_LE) as u16).to_be_bytes());
            } else {
                out.push((le % MAX_SHORT_LE) as u8);
            }
        }
        out
    }

    /// Hex of the encoded command. A secret command shows its 4-byte header
    /// and a fixed marker: its Lc (short or extended) would tell the PIN's length.
    pub fn redacted_hex(&self) -> String {
        let bytes = self.to_bytes();
        if !self.sensitive {
            return hex::encode_upper(&bytes[..]);
        }
        format!("{}{SECRET_MARKER}", hex::encode_upper(&bytes[..4]))
    }
}

/// Bytes that do not frame a command APDU (ISO 7816-4 cases 1–4, short or extended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a malformed command APDU ({len} bytes)")]
pub struct MalformedCommand {
    pub len: usize,
}

/// Whether an instruction's command data is a PIN: VERIFY and CHANGE REFERENCE DATA.
fn secret_instruction(ins: u8) -> bool {
    matches!(ins, 0x20 | 0x24)
}

impl Command {
    /// Decode a command APDU, the inverse of [`Command::to_bytes`]. Data of a
    /// VERIFY or CHANGE REFERENCE DATA (whatever the class) is marked secret.
    pub fn parse(raw: &[u8]) -> Result<Command, MalformedCommand> {
        let malformed = || MalformedCommand { len: raw.len() };
        let [cla, ins, p1, p2, body @ ..] = raw else {
            return Err(malformed());
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        // A zero Le means the largest length of its form.
        let short_le = |b: u8| if b == 0 { MAX_SHORT_LE } else { usize::from(b) };
        let long_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => MAX_EXTENDED_LE,
            n => usize::from(n),
        };
        let data: &[u8] = match body {
            [] => &[],
            [le] => {
                cmd.le = Some(short_le(*le));
                &[]
            }
            [lc, rest @ ..] if *lc != 0 => {
                let lc = usize::from(*lc);
                match rest.len() {
                    n if n == lc => rest,
                    n if n == lc + 1 => {
                        cmd.le = Some(short_le(rest[lc]));
                        &rest[..lc]
                    }
                    _ => return Err(malformed()),
                }
            }
            [0, hi, lo] => {
                cmd.extended = true;
                cmd.le = Some(long_le(*hi, *lo));
                &[]
            }
            [0, hi, lo, rest @ ..] => {
                cmd.extended = true;
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                match rest.len() {
                    _ if lc == 0 => return Err(malformed()),
                    n if n == lc => rest,
                    n if n == lc + 2 => {
                        cmd.le = Some(long_le(rest[lc], rest[lc + 1]));
                        &rest[..lc]
                    }
                    _ => return Err(malformed()),
                }
            }
            _ => return Err(malformed()),
        };
        cmd.data = Zeroizing::new(data.to_vec());
        cmd.sensitive = secret_instruction(cmd.ins) && !cmd.data.is_empty();
        Ok(cmd)
    }
}

/// Whether raw command bytes may carry a PIN, so must be neither shown nor
/// sent twice: VERIFY or CHANGE REFERENCE DATA with data. Bytes that do not
/// parse count as secret when such an instruction has anything after its
/// header, since their data cannot be told from their length.
pub fn carries_secret(raw: &[u8]) -> bool {
    match Command::parse(raw) {
        Ok(cmd) => cmd.is_sensitive(),
        Err(_) => raw.len() > 4 && secret_instruction(raw[1]),
    }
}

/// Hex of raw command bytes for a log or trace: those that may carry a PIN
/// show their 4-byte header and a fixed marker (see [`Command::redacted_hex`]).
pub fn redacted_hex(raw: &[u8]) -> String {
    if carries_secret(raw) {
        format!("{}{SECRET_MARKER}", hex::encode_upper(&raw[..4]))
    } else {
        hex::encode_upper(raw)
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({})", self.redacted_hex())
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    /// Split raw bytes into data and status word. Fewer than two bytes is an error.
    pub fn parse(raw: &[u8]) -> Result<Self, MalformedResponse> {
        if raw.len() < 2 {
            return Err(MalformedResponse { len: raw.len() });
        }
        let (data, sw) = raw.split_at(raw.len() - 2);
        Ok(Response { data: data.to_vec(), sw: StatusWord::from_bytes(sw[0], sw[1]) })
    }

    pub fn is_ok(&self) -> bool {
        self.sw == StatusWord::Success
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, {})", self.data.len(), self.sw)
    }
}

/// A response shorter than a status word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the card sent a malformed response ({len} bytes, no status word)")]
pub struct MalformedResponse {
    pub len: usize,
}

/// Status words, typed where `jpki` acts on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000
    Success,
    /// 61xx: this many more bytes wait for GET RESPONSE (0 means 256).
    BytesRemaining(u8),
    /// 6Cxx: wrong Le; resend with this Le (0 means 256).
    WrongLe(u8),
    /// 63Cx: verification failed or retry query; x tries left.
    TriesLeft(u8),
    /// 6282: end of file reached before Le bytes (a read past the end is
    /// 6B00, [`StatusWord::IncorrectParameters`]).
    EndOfFile(u16),
    /// 6700
    WrongLength,
    /// 6981
    IncompatibleFileStructure,
    /// 6982
    SecurityStatusNotSatisfied,
    /// 6983
    AuthenticationBlocked,
    /// 6984
    ReferenceDataUnusable,
    /// 6985
    ConditionsNotSatisfied,
    /// 6986
    CommandNotAllowed,
    /// 6A80
    IncorrectData,
    /// 6A82
    FileNotFound,
    /// 6A86 / 6A88 / 6B00
    IncorrectParameters(u16),
    /// 6D00
    InstructionNotSupported,
    /// 6E00
    ClassNotSupported,
    /// 6F00
    NoPreciseDiagnosis,
    Other(u16),
}

impl StatusWord {
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        let word = u16::from_be_bytes([sw1, sw2]);
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Success,
            (0x61, n) => Self::BytesRemaining(n),
            (0x6C, n) => Self::WrongLe(n),
            (0x63, n) if n & 0xF0 == 0xC0 => Self::TriesLeft(n & 0x0F),
            (0x62, 0x82) => Self::EndOfFile(word),
            (0x67, 0x00) => Self::WrongLength,
            (0x69, 0x81) => Self::IncompatibleFileStructure,
            (0x69, 0x82) => Self::SecurityStatusNotSatisfied,
            (0x69, 0x83) => Self::AuthenticationBlocked,
            (0x69, 0x84) => Self::ReferenceDataUnusable,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x86) => Self::CommandNotAllowed,
            (0x6A, 0x80) => Self::IncorrectData,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x86) | (0x6A, 0x88) | (0x6B, 0x00) => Self::IncorrectParameters(word),
            (0x6D, 0x00) => Self::InstructionNotSupported,
            (0x6E, 0x00) => Self::ClassNotSupported,
            (0x6F, 0x00) => Self::NoPreciseDiagnosis,
            _ => Self::Other(word),
        }
    }

    pub fn from_u16(word: u16) -> Self {
        let [sw1, sw2] = word.to_be_bytes();
        Self::from_bytes(sw1, sw2)
    }

    /// SW1 SW2, as they end a response.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    pub fn to_u16(self) -> u16 {
        match self {
            Self::Success => 0x9000,
            Self::BytesRemaining(n) => 0x6100 | n as u16,
            Self::WrongLe(n) => 0x6C00 | n as u16,
            Self::TriesLeft(n) => 0x63C0 | (n & 0x0F) as u16,
            Self::WrongLength => 0x6700,
            Self::IncompatibleFileStructure => 0x6981,
            Self::SecurityStatusNotSatisfied => 0x6982,
            Self::AuthenticationBlocked => 0x6983,
            Self::ReferenceDataUnusable => 0x6984,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::CommandNotAllowed => 0x6986,
            Self::IncorrectData => 0x6A80,
            Self::FileNotFound => 0x6A82,
            Self::InstructionNotSupported => 0x6D00,
            Self::ClassNotSupported => 0x6E00,
            Self::NoPreciseDiagnosis => 0x6F00,
            Self::EndOfFile(w) | Self::IncorrectParameters(w) | Self::Other(w) => w,
        }
    }

    /// 63C0, 6983 and 6984 all mean the PIN is blocked (cards differ).
    pub fn means_blocked(self) -> bool {
        matches!(self, Self::TriesLeft(0) | Self::AuthenticationBlocked | Self::ReferenceDataUnusable)
    }

    /// A short English explanation, for error messages.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::BytesRemaining(_) => "more response data available",
            Self::WrongLe(_) => "wrong expected length",
            Self::TriesLeft(_) => "verification failed",
            Self::EndOfFile(_) => "end of file reached",
            Self::WrongLength => "wrong length",
            Self::IncompatibleFileStructure => "command incompatible with file structure",
            Self::SecurityStatusNotSatisfied => "security status not satisfied (PIN not verified)",
            Self::AuthenticationBlocked => "authentication method blocked",
            Self::ReferenceDataUnusable => "reference data not usable (blocked)",
            Self::ConditionsNotSatisfied => "conditions of use not satisfied",
            Self::CommandNotAllowed => "command not allowed",
            Self::IncorrectData => "incorrect data",
            Self::FileNotFound => "file or application not found",
            Self::IncorrectParameters(_) => "incorrect parameters",
            Self::InstructionNotSupported => "instruction not supported",
            Self::ClassNotSupported => "class not supported",
            Self::NoPreciseDiagnosis => "no precise diagnosis",
            Self::Other(_) => "unexpected status",
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.to_u16(), self.meaning())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_case() {
        assert_eq!(&Command::new(0, 0x20, 0, 0x80).to_bytes()[..], [0, 0x20, 0, 0x80]);
        assert_eq!(&Command::new(0, 0xB0, 0, 0).with_le(256).to_bytes()[..], [0, 0xB0, 0, 0, 0]);
        assert_eq!(&Command::new(0, 0xB0, 0, 0).with_le(65_536).to_bytes()[..], [0, 0xB0, 0, 0, 0, 0, 0]);
        assert_eq!(
            &Command::new(0, 0xA4, 2, 0x0C).with_data(&[0, 0x18]).to_bytes()[..],
            [0, 0xA4, 2, 0x0C, 2, 0, 0x18]
        );
        assert_eq!(
            &Command::new(0x80, 0x2A, 0, 0x80).with_data(&[1, 2]).with_le(256).to_bytes()[..],
            [0x80, 0x2A, 0, 0x80, 2, 1, 2, 0]
        );
        assert_eq!(
            &Command::new(0x80, 0x2A, 0, 0x80).with_data(&[1, 2]).with_le(256).extended().to_bytes()[..],
            [0x80, 0x2A, 0, 0x80, 0, 0, 2, 1, 2, 1, 0]
        );
    }

    #[test]
    fn redacts_secret_data() {
        // Neither the data nor its length (Lc, short or extended) shows.
        for pin in [&b"1234"[..], b"ABC123", b"12345678901234567890"] {
            let cmd = Command::new(0, 0x20, 0, 0x80).with_secret_data(pin);
            assert_eq!(cmd.redacted_hex(), "00200080[secret]");
            assert_eq!(cmd.clone().extended().redacted_hex(), "00200080[secret]");
            assert!(!format!("{cmd:?}").contains(&hex::encode_upper(pin)));
        }
        let change = Command::new(0, 0x24, 1, 0x80).with_secret_data(b"ABC123");
        assert_eq!(change.redacted_hex(), "00240180[secret]");
    }

    #[test]
    fn status_words_round_trip() {
        for word in [
            0x9000u16, 0x6110, 0x6C20, 0x63C3, 0x63C0, 0x6700, 0x6982, 0x6983, 0x6984, 0x6A82, 0x6A86, 0x6B00, 0x6D00,
            0x6E00, 0x6F00, 0x1234,
        ] {
            let [a, b] = word.to_be_bytes();
            assert_eq!(StatusWord::from_bytes(a, b).to_u16(), word);
        }
        assert!(StatusWord::from_bytes(0x63, 0xC0).means_blocked());
        assert!(StatusWord::from_bytes(0x69, 0x83).means_blocked());
        assert!(StatusWord::from_bytes(0x69, 0x84).means_blocked());
        assert!(!StatusWord::from_bytes(0x63, 0xC1).means_blocked());
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn parses_every_case_and_round_trips() {
        let p = |s: &str| Command::parse(&h(s)).unwrap();
        assert_eq!(p("00 20 00 80").le, None);
        assert_eq!(p("00 B0 00 00 00").le, Some(256));
        let c3 = p("00 A4 02 0C 02 00 18");
        assert_eq!((c3.data(), c3.le), (&[0x00, 0x18][..], None));
        let c4 = p("80 2A 00 80 02 AA BB 00");
        assert_eq!((c4.data(), c4.le), (&[0xAA, 0xBB][..], Some(256)));
        let c2e = p("00 B0 00 00 00 00 00");
        assert_eq!((c2e.le, c2e.extended), (Some(65536), true));
        assert_eq!(p("00 B0 00 00 00 01 00").le, Some(256));
        let c3e = p("00 20 00 80 00 00 02 31 32");
        assert_eq!((c3e.data(), c3e.le, c3e.extended), (&b"12"[..], None, true));
        let c4e = p("80 2A 00 80 00 00 02 AA BB 00 00");
        assert_eq!((c4e.data(), c4e.le), (&[0xAA, 0xBB][..], Some(65536)));
        for good in [
            "00 20 00 80",
            "00 B0 00 00 00",
            "00 A4 02 0C 02 00 18",
            "80 2A 00 80 02 AA BB 00",
            "00 B0 00 00 00 00 00",
            "00 B0 00 10 00 03 00",
            "00 20 00 80 00 00 02 31 32",
            "80 2A 00 80 00 00 02 AA BB 00 00",
        ] {
            assert_eq!(&p(good).to_bytes()[..], &h(good)[..], "{good}");
        }
        for bad in [
            "",
            "00",
            "00 A4 02",
            "00 A4 02 0C 02 00",
            "00 A4 02 0C 02 00 18 00 00",
            "00 B0 00 00 00 00",
            "00 20 00 80 00 00 00 31",
            "00 20 00 80 00 00 05 31",
        ] {
            assert!(Command::parse(&h(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn parsed_pins_are_secret() {
        for secret in [
            "00 20 00 80 04 31 32 33 34",
            "00 20 00 9B 06 41 42 43 31 32 33",
            "00 24 01 80 04 39 38 37 36",
            "00 20 00 80 00 00 04 31 32 33 34",
            "00 20 00 80 02 31 32 00",
            // Malformed: Lc disagrees with the length.
            "00 20 00 80 09 31 32 33 34",
            "00 24 01 80 00 00 05 31",
        ] {
            assert!(carries_secret(&h(secret)), "{secret}");
            assert!(redacted_hex(&h(secret)).ends_with(SECRET_MARKER), "{secret}");
            assert!(!redacted_hex(&h(secret)).contains("3132"), "{secret}");
        }
        for plain in ["00 20 00 80", "00 20 00 80 00", "00 A4 02 0C 02 00 18", "80 2A 00 80 02 31 32 00", "00", ""] {
            assert!(!carries_secret(&h(plain)), "{plain}");
            assert_eq!(redacted_hex(&h(plain)), plain.replace(' ', ""));
        }
        let parsed = Command::parse(&h("00 20 00 80 04 31 32 33 34")).unwrap();
        assert_eq!(parsed.redacted_hex(), "00200080[secret]");
    }

    #[test]
    fn short_responses_are_errors() {
        assert!(Response::parse(&[]).is_err());
        assert!(Response::parse(&[0x90]).is_err());
        let r = Response::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert!(r.is_ok());
    }
}
