//! PIN kinds and PIN values, validated before a card ever sees them.

use std::fmt;

use zeroize::Zeroizing;

/// The PINs `jpki` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用電子証明書 PIN: 4 digits, 3 tries.
    Auth,
    /// 署名用電子証明書 password: 6–16 of A–Z 0–9, 5 tries.
    Sign,
    /// 券面事項入力補助用暗証番号: 4 digits, 3 tries.
    CardInfo,
}

impl PinKind {
    pub const fn max_tries(self) -> u8 {
        match self {
            PinKind::Sign => 5,
            PinKind::Auth | PinKind::CardInfo => 3,
        }
    }

    /// Short stable name used on the command line and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            PinKind::Auth => "auth",
            PinKind::Sign => "sign",
            PinKind::CardInfo => "cardinfo",
        }
    }

    /// What the user calls it.
    pub const fn description(self) -> &'static str {
        match self {
            PinKind::Auth => "auth PIN (利用者証明用暗証番号)",
            PinKind::Sign => "signing password (署名用パスワード)",
            PinKind::CardInfo => "card-info PIN (券面事項入力補助用暗証番号)",
        }
    }

    /// The rule, for error messages.
    pub const fn rule(self) -> &'static str {
        match self {
            PinKind::Auth | PinKind::CardInfo => "exactly 4 digits (0-9)",
            PinKind::Sign => "6 to 16 characters, A-Z and 0-9 only",
        }
    }
}

impl fmt::Display for PinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Why a PIN was rejected locally. Never contains the PIN itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {kind} is not valid: {reason}; it must be {}. Nothing was sent to the card", kind.rule())]
pub struct InvalidPin {
    pub kind: PinKind,
    pub reason: &'static str,
}

/// A PIN that passed local validation. Wiped on drop, never printed.
#[derive(Clone)]
pub struct Pin {
    kind: PinKind,
    bytes: Zeroizing<Vec<u8>>,
}

impl Pin {
    /// Validate `input` as a PIN of `kind`. The signing password is upper-cased
    /// because the card compares bytes and stores it in upper case.
    pub fn new(kind: PinKind, input: &str) -> Result<Self, InvalidPin> {
        let invalid = |reason| InvalidPin { kind, reason };
        if input.is_empty() {
            return Err(invalid("it is empty"));
        }
        if !input.is_ascii() {
            return Err(invalid("it contains non-ASCII characters"));
        }
        if input.bytes().any(|b| b.is_ascii_control()) {
            return Err(invalid("it contains control characters"));
        }
        let bytes = Zeroizing::new(input.as_bytes().to_ascii_uppercase());
        match kind {
            PinKind::Auth | PinKind::CardInfo => {
                if !bytes.iter().all(u8::is_ascii_digit) {
                    return Err(invalid("it contains characters other than digits"));
                }
                if bytes.len() != 4 {
                    return Err(invalid("it does not have 4 digits"));
                }
            }
            PinKind::Sign => {
                if !bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                    return Err(invalid("it contains characters other than A-Z and 0-9"));
                }
                if !(6..=16).contains(&bytes.len()) {
                    return Err(invalid("its length is not between 6 and 16"));
                }
            }
        }
        Ok(Pin { kind, bytes })
    }

    /// A new signing password must also mix letters and digits (J-LIS rule).
    pub fn new_replacement(kind: PinKind, input: &str) -> Result<Self, InvalidPin> {
        let pin = Pin::new(kind, input)?;
        if kind == PinKind::Sign {
            let letters = pin.bytes.iter().any(u8::is_ascii_uppercase);
            let digits = pin.bytes.iter().any(u8::is_ascii_digit);
            if !(letters && digits) {
                return Err(InvalidPin { kind, reason: "a new password needs both letters and digits" });
            }
        }
        Ok(pin)
    }

    pub fn kind(&self) -> PinKind {
        self.kind
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl PartialEq for Pin {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.bytes[..] == other.bytes[..]
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({}, <redacted>)", self.kind.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_pin_is_four_digits() {
        assert!(Pin::new(PinKind::Auth, "1234").is_ok());
        for bad in ["", "123", "12345", "12a4", "１２３４", "12 4", "123\n", "12\u{0}4"] {
            assert!(Pin::new(PinKind::Auth, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sign_password_rules() {
        let pin = Pin::new(PinKind::Sign, "abc123").unwrap();
        assert_eq!(pin.as_bytes(), b"ABC123");
        assert!(Pin::new(PinKind::Sign, "ABCDEFGHIJ123456").is_ok());
        for bad in ["ABC12", "ABCDEFGHIJ1234567", "ABC-123", "ABC 123", "ＡＢＣ１２３"] {
            assert!(Pin::new(PinKind::Sign, bad).is_err(), "{bad:?}");
        }
        assert!(Pin::new_replacement(PinKind::Sign, "ABCDEF").is_err());
        assert!(Pin::new_replacement(PinKind::Sign, "123456").is_err());
        assert!(Pin::new_replacement(PinKind::Sign, "ABC123").is_ok());
    }

    #[test]
    fn never_printed() {
        let pin = Pin::new(PinKind::Auth, "9876").unwrap();
        assert!(!format!("{pin:?}").contains("9876"));
        let err = Pin::new(PinKind::Auth, "98765").unwrap_err();
        assert!(!err.to_string().contains("98765"));
    }
}
