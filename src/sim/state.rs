//! PIN values and counters of the virtual card, and the state directory that
//! keeps them (and copies of the certificates) across runs.
//!
//! Layout of the state directory:
//!
//! ```text
//! pins.json                      PIN values, tries left and maximum (rewritten atomically)
//! card.json                      the holder data of the 券面事項入力補助 AP (read-only copy)
//! auth.crt.der / auth.crt.pem    the auth certificate (EF 000A)
//! sign.crt.der / sign.crt.pem    the signing certificate (EF 0001)
//! auth-ca.crt.der / .pem         the auth CA certificate (EF 000B)
//! sign-ca.crt.der / .pem         the signing CA certificate (EF 0002)
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::data::CardData;

/// One PIN-like key reference of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PinId {
    /// JPKI user-authentication PIN, EF `0018` (4 digits, 3 tries).
    Auth,
    /// JPKI signing password, EF `001B` (6–16 of A–Z0–9, 5 tries).
    Sign,
    /// 券面事項入力補助 AP PIN, EF `0011` (4 digits, 3 tries).
    Cardinfo,
    /// 券面事項入力補助 AP 照合番号A, EF `0014` (the 12-digit My Number).
    CardinfoA,
    /// 券面事項入力補助 AP 照合番号B, EF `0015` (14 digits).
    CardinfoB,
    /// 券面事項確認 AP 照合番号A, EF `0013` (the 12-digit My Number).
    VisualA,
    /// 券面事項確認 AP 照合番号B, EF `0012` (14 digits).
    VisualB,
    /// 券面事項確認 AP date-of-birth key, EF `0011` (era YYMMDD, 6 digits).
    VisualBirth,
}

impl PinId {
    /// Every key reference, in file order.
    pub const ALL: [PinId; 8] = [
        PinId::Auth,
        PinId::Sign,
        PinId::Cardinfo,
        PinId::CardinfoA,
        PinId::CardinfoB,
        PinId::VisualA,
        PinId::VisualB,
        PinId::VisualBirth,
    ];

    /// The name used in `pins.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PinId::Auth => "auth",
            PinId::Sign => "sign",
            PinId::Cardinfo => "cardinfo",
            PinId::CardinfoA => "cardinfo-a",
            PinId::CardinfoB => "cardinfo-b",
            PinId::VisualA => "visual-a",
            PinId::VisualB => "visual-b",
            PinId::VisualBirth => "visual-birth",
        }
    }

    fn index(self) -> usize {
        match self {
            PinId::Auth => 0,
            PinId::Sign => 1,
            PinId::Cardinfo => 2,
            PinId::CardinfoA => 3,
            PinId::CardinfoB => 4,
            PinId::VisualA => 5,
            PinId::VisualB => 6,
            PinId::VisualBirth => 7,
        }
    }

    /// Maximum number of tries. Auth, sign and the card-info PIN are
    /// documented; the others are guesses (see docs/virtual-card.md).
    pub fn max_tries(self) -> u8 {
        match self {
            PinId::Auth | PinId::Cardinfo => 3,
            PinId::Sign => 5,
            PinId::CardinfoA | PinId::CardinfoB => 10,
            PinId::VisualA | PinId::VisualB | PinId::VisualBirth => 3,
        }
    }

    /// Allowed lengths of the value in bytes.
    pub fn length_range(self) -> (usize, usize) {
        match self {
            PinId::Auth | PinId::Cardinfo => (4, 4),
            PinId::Sign => (6, 16),
            PinId::CardinfoA | PinId::VisualA => (12, 12),
            PinId::CardinfoB | PinId::VisualB => (14, 14),
            PinId::VisualBirth => (6, 6),
        }
    }

    /// Whether `len` fits this kind of PIN.
    pub fn length_fits(self, len: usize) -> bool {
        let (lo, hi) = self.length_range();
        (lo..=hi).contains(&len)
    }

    /// Whether `value` is a valid new value for this PIN (CHANGE REFERENCE
    /// DATA). 4-digit PINs: exactly 4 ASCII digits. Sign password: 6–16
    /// characters of `A–Z0–9` with at least one letter and one digit
    /// (the official rule). The others are digit strings of fixed length.
    pub fn accepts_value(self, value: &[u8]) -> bool {
        if !self.length_fits(value.len()) {
            return false;
        }
        match self {
            PinId::Sign => {
                value.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    && value.iter().any(u8::is_ascii_digit)
                    && value.iter().any(u8::is_ascii_uppercase)
            }
            _ => value.iter().all(u8::is_ascii_digit),
        }
    }

    /// Whether the card lets the holder change this PIN with CHANGE
    /// REFERENCE DATA (only the three PINs the holder chose).
    pub fn changeable(self) -> bool {
        matches!(self, PinId::Auth | PinId::Sign | PinId::Cardinfo)
    }
}

impl fmt::Display for PinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PinId {
    type Err = PinStoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        PinId::ALL
            .iter()
            .copied()
            .find(|p| p.name() == wanted)
            .ok_or_else(|| PinStoreError::UnknownName { name: s.to_string() })
    }
}

/// Why the virtual card's PINs cannot be set up as asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PinStoreError {
    #[error("unknown PIN name {name:?} (expected one of: {})", PinId::ALL.map(|p| p.name()).join(", "))]
    UnknownName { name: String },
    #[error("PIN {0}: value must be 1-16 printable ASCII characters")]
    BadValue(PinId),
    #[error("PIN {id}: tries must be 0..={max}")]
    TooManyTries { id: PinId, max: u8 },
    #[error("PIN {0}: max must be 1..=15")]
    BadMax(PinId),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Value and counter of one PIN, as stored in `pins.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRecord {
    /// The PIN as the ASCII string the card compares against.
    pub value: String,
    /// Tries left (0 = blocked).
    pub tries_left: u8,
    /// Maximum tries; a successful VERIFY resets `tries_left` to it.
    pub max: u8,
}

/// Values and counters of every PIN of the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinStore {
    records: [PinRecord; 8],
}

impl PinStore {
    /// The default PINs of a fresh card with this data:
    /// auth `1234`, sign `ABC123`, card-info `1234`, 照合番号A = the My
    /// Number, 照合番号B = era YYMMDD of the birth date + expiry year + code,
    /// visual birth key = era YYMMDD of the birth date.
    pub fn defaults(data: &CardData) -> PinStore {
        let b = data.verification_code_b();
        let birth = data.birth_era_yymmdd();
        let value = |id: PinId| -> String {
            match id {
                PinId::Auth | PinId::Cardinfo => "1234".to_string(),
                PinId::Sign => "ABC123".to_string(),
                PinId::CardinfoA | PinId::VisualA => data.my_number.clone(),
                PinId::CardinfoB | PinId::VisualB => b.clone(),
                PinId::VisualBirth => birth.clone(),
            }
        };
        let records =
            PinId::ALL.map(|id| PinRecord { value: value(id), tries_left: id.max_tries(), max: id.max_tries() });
        PinStore { records }
    }

    /// The record of one PIN.
    pub fn get(&self, id: PinId) -> &PinRecord {
        &self.records[id.index()]
    }

    /// The record of one PIN, mutable.
    pub fn get_mut(&mut self, id: PinId) -> &mut PinRecord {
        &mut self.records[id.index()]
    }

    /// Tries left of one PIN.
    pub fn tries_left(&self, id: PinId) -> u8 {
        self.get(id).tries_left
    }

    /// Set a PIN value and reset its counter to the maximum. The value must be
    /// 1–16 printable ASCII characters (it need not fit the PIN kind, so that
    /// tests can create odd states).
    pub fn set_value(&mut self, id: PinId, value: &str) -> Result<(), PinStoreError> {
        if value.is_empty() || value.len() > 16 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PinStoreError::BadValue(id));
        }
        let rec = self.get_mut(id);
        rec.value = value.to_string();
        rec.tries_left = rec.max;
        Ok(())
    }

    /// Set the tries left of a PIN (0 blocks it; at most its maximum).
    pub fn set_tries(&mut self, id: PinId, tries: u8) -> Result<(), PinStoreError> {
        let rec = self.get_mut(id);
        if tries > rec.max {
            return Err(PinStoreError::TooManyTries { id, max: rec.max });
        }
        rec.tries_left = tries;
        Ok(())
    }

    /// Set the maximum of a PIN's counter (1–15) and fill the counter to it:
    /// for cards, or smartphones, whose maximum no source gives.
    pub fn set_max(&mut self, id: PinId, max: u8) -> Result<(), String> {
        if max == 0 || max > 15 {
            return Err(format!("PIN {id}: max must be 1..=15"));
        }
        let rec = self.get_mut(id);
        rec.max = max;
        rec.tries_left = max;
        Ok(())
    }

    /// Serialize as the `pins.json` document.
    pub fn to_json(&self) -> String {
        let file = PinsFile {
            version: 1,
            pins: PinId::ALL.iter().map(|&id| (id.name().to_string(), self.get(id).clone())).collect(),
        };
        // Serializing plain strings and numbers cannot fail.
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parse a `pins.json` document. PINs missing from it keep the values of
    /// `base`; unknown names are an error; counters are clamped to `max`.
    pub fn from_json(text: &str, base: &PinStore) -> Result<PinStore, PinStoreError> {
        let file: PinsFile = serde_json::from_str(text)?;
        let mut store = base.clone();
        for (name, rec) in file.pins {
            let id: PinId = name.parse()?;
            if rec.max == 0 || rec.max > 15 {
                return Err(PinStoreError::BadMax(id));
            }
            let r = store.get_mut(id);
            r.value = rec.value;
            r.max = rec.max;
            r.tries_left = rec.tries_left.min(rec.max);
        }
        Ok(store)
    }
}

#[derive(Serialize, Deserialize)]
struct PinsFile {
    version: u32,
    pins: BTreeMap<String, PinRecord>,
}

/// Errors of the state directory.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file system operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `pins.json` exists but cannot be used.
    #[error("{path}: {source}")]
    BadPins {
        /// The path of `pins.json`.
        path: PathBuf,
        /// What is wrong.
        source: PinStoreError,
    },
}

/// The state directory of the virtual card.
#[derive(Clone, Debug)]
pub struct StateDir {
    path: PathBuf,
}

impl StateDir {
    /// Open (and create if needed) a state directory.
    pub fn open(path: impl Into<PathBuf>) -> Result<StateDir, StateError> {
        let path = path.into();
        fs::create_dir_all(&path).map_err(|source| StateError::Io {
            what: "cannot create state directory",
            path: path.clone(),
            source,
        })?;
        Ok(StateDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Path of `pins.json`.
    pub fn pins_path(&self) -> PathBuf {
        self.path.join("pins.json")
    }

    /// Load `pins.json`, or create it with the defaults of `data` when it does
    /// not exist (or when `reset` is set).
    pub fn load_or_init(&self, data: &CardData, reset: bool) -> Result<PinStore, StateError> {
        let defaults = PinStore::defaults(data);
        let path = self.pins_path();
        if !reset {
            match fs::read_to_string(&path) {
                Ok(text) => {
                    return PinStore::from_json(&text, &defaults)
                        .map_err(|source| StateError::BadPins { path, source });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(StateError::Io { what: "cannot read", path, source }),
            }
        }
        self.save_pins(&defaults)?;
        Ok(defaults)
    }

    /// Write `pins.json` atomically (temporary file, fsync, rename).
    pub fn save_pins(&self, pins: &PinStore) -> Result<(), StateError> {
        self.write_atomic("pins.json", pins.to_json().as_bytes())
    }

    /// Write copies of the certificates (DER and PEM) and `card.json`.
    /// Files whose content is already right are left alone.
    pub fn write_card_files(&self, data: &CardData) -> Result<(), StateError> {
        let certs: [(&str, &[u8]); 4] = [
            ("auth.crt", &data.auth_cert),
            ("sign.crt", &data.sign_cert),
            ("auth-ca.crt", &data.auth_ca_cert),
            ("sign-ca.crt", &data.sign_ca_cert),
        ];
        for (stem, der) in certs {
            self.write_if_changed(&format!("{stem}.der"), der)?;
            self.write_if_changed(&format!("{stem}.pem"), pem_certificate(der).as_bytes())?;
        }
        self.write_if_changed("card.json", data.holder_json().as_bytes())?;
        Ok(())
    }

    fn write_if_changed(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        match fs::read(self.path.join(name)) {
            Ok(old) if old == bytes => Ok(()),
            _ => self.write_atomic(name, bytes),
        }
    }

    fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        let final_path = self.path.join(name);
        let io = |what: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| StateError::Io { what, path, source }
        };
        // A random name, created exclusively: nothing planted in the directory is followed.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempfile_in(&self.path)
            .map_err(io("cannot create a temporary file in", &self.path))?;
        tmp.write_all(bytes).map_err(io("cannot write", &final_path))?;
        tmp.as_file().sync_all().map_err(io("cannot sync", &final_path))?;
        tmp.persist(&final_path).map(drop).map_err(|e| io("cannot rename into", &final_path)(e.error))
    }
}

/// PEM text of a DER certificate.
pub fn pem_certificate(der: &[u8]) -> String {
    crate::cert::to_pem(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn defaults_are_documented_values() {
        let data = CardData::default_fixture();
        let s = PinStore::defaults(&data);
        assert_eq!(s.get(PinId::Auth).value, "1234");
        assert_eq!(s.get(PinId::Sign).value, "ABC123");
        assert_eq!(s.get(PinId::Cardinfo).value, "1234");
        assert_eq!(s.get(PinId::CardinfoA).value, data.my_number);
        assert_eq!(s.get(PinId::CardinfoB).value.len(), 14);
        assert!(s.get(PinId::CardinfoB).value.starts_with("550217"));
        assert_eq!(s.get(PinId::VisualBirth).value, "550217");
        assert_eq!(s.tries_left(PinId::Auth), 3);
        assert_eq!(s.tries_left(PinId::Sign), 5);
        for id in PinId::ALL {
            assert!(id.accepts_value(s.get(id).value.as_bytes()), "{id}");
        }
    }

    #[test]
    fn names_round_trip() {
        for id in PinId::ALL {
            assert_eq!(id.name().parse::<PinId>().unwrap(), id);
        }
        assert_eq!("CARDINFO_A".parse::<PinId>().unwrap(), PinId::CardinfoA);
        assert!("nope".parse::<PinId>().is_err());
    }

    #[test]
    fn value_rules() {
        assert!(PinId::Auth.accepts_value(b"0000"));
        assert!(!PinId::Auth.accepts_value(b"12345"));
        assert!(!PinId::Auth.accepts_value(b"12a4"));
        assert!(PinId::Sign.accepts_value(b"ABC123"));
        assert!(!PinId::Sign.accepts_value(b"abc123"));
        assert!(!PinId::Sign.accepts_value(b"ABCDEF"));
        assert!(!PinId::Sign.accepts_value(b"123456"));
        assert!(!PinId::Sign.accepts_value(b"AB12"));
        assert!(!PinId::Sign.accepts_value(b"ABCDEFGH123456789"));
    }

    #[test]
    fn json_round_trip_and_partial_files() {
        let data = CardData::default_fixture();
        let mut s = PinStore::defaults(&data);
        s.set_value(PinId::Sign, "ZZZ999").unwrap();
        s.set_tries(PinId::Auth, 1).unwrap();
        let too_many = s.set_tries(PinId::Auth, 4).unwrap_err();
        assert!(matches!(too_many, PinStoreError::TooManyTries { id: PinId::Auth, max: 3 }), "{too_many}");
        assert!(matches!(s.set_value(PinId::Auth, ""), Err(PinStoreError::BadValue(PinId::Auth))));
        let text = s.to_json();
        assert!(text.contains("\"tries_left\": 1"));
        let back = PinStore::from_json(&text, &PinStore::defaults(&data)).unwrap();
        assert_eq!(back, s);
        let partial = r#"{"version":1,"pins":{"auth":{"value":"9999","tries_left":7,"max":3}}}"#;
        let p = PinStore::from_json(partial, &PinStore::defaults(&data)).unwrap();
        assert_eq!(p.get(PinId::Auth).value, "9999");
        assert_eq!(p.tries_left(PinId::Auth), 3);
        assert_eq!(p.get(PinId::Sign).value, "ABC123");
        let unknown = PinStore::from_json(r#"{"version":1,"pins":{"x":{"value":"1","tries_left":1,"max":1}}}"#, &s);
        assert!(matches!(&unknown, Err(PinStoreError::UnknownName { name }) if name == "x"), "{unknown:?}");
        assert!(unknown.unwrap_err().to_string().starts_with("unknown PIN name \"x\" (expected one of: auth, sign, "));
        assert!(matches!(PinStore::from_json("not json", &s), Err(PinStoreError::Json(_))));
    }

    #[test]
    fn state_dir_creates_and_persists() {
        let dir = tmpdir();
        let data = CardData::default_fixture();
        let sd = StateDir::open(dir.path().join("nested/state")).unwrap();
        let mut pins = sd.load_or_init(&data, false).unwrap();
        assert!(sd.pins_path().exists());
        pins.set_tries(PinId::Sign, 2).unwrap();
        sd.save_pins(&pins).unwrap();
        let again = sd.load_or_init(&data, false).unwrap();
        assert_eq!(again.tries_left(PinId::Sign), 2);
        let reset = sd.load_or_init(&data, true).unwrap();
        assert_eq!(reset.tries_left(PinId::Sign), 5);
        sd.write_card_files(&data).unwrap();
        assert_eq!(fs::read(sd.path().join("auth.crt.der")).unwrap(), data.auth_cert);
        let pem = fs::read_to_string(sd.path().join("sign-ca.crt.pem")).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(sd.path().join("card.json").exists());
        // No temporary files are left behind.
        let leftovers: Vec<_> = fs::read_dir(sd.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn bad_pins_file_is_reported() {
        let dir = tmpdir();
        let sd = StateDir::open(dir.path()).unwrap();
        fs::write(sd.pins_path(), "{").unwrap();
        let err = sd.load_or_init(&CardData::default_fixture(), false).unwrap_err();
        assert!(matches!(err, StateError::BadPins { .. }), "{err}");
        assert!(err.to_string().contains("pins.json"), "{err}");
    }
}
