//! Behaviour switches of the virtual card.
//!
//! Each switch models one place where real cards are known to differ, or
//! where no source says what the real card does. The defaults are the
//! behaviour the reference notes consider most likely; `docs/virtual-card.md`
//! lists them all.

use std::fmt;
use std::str::FromStr;

/// Status word that VERIFY with data answers when the PIN is already blocked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockedSw {
    /// `63 C0`: the counter is at zero.
    Sw63C0,
    /// `69 83`: ISO 7816-4 "authentication method blocked".
    Sw6983,
    /// `69 84`: JICSAP "reference data not usable" (myna-card, jpki/myna Go). The default.
    #[default]
    Sw6984,
}

impl BlockedSw {
    /// The status word as a 16-bit number.
    pub fn sw(self) -> u16 {
        match self {
            BlockedSw::Sw63C0 => 0x63C0,
            BlockedSw::Sw6983 => 0x6983,
            BlockedSw::Sw6984 => 0x6984,
        }
    }
}

impl FromStr for BlockedSw {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "63C0" => Ok(BlockedSw::Sw63C0),
            "6983" => Ok(BlockedSw::Sw6983),
            "6984" => Ok(BlockedSw::Sw6984),
            other => Err(format!("unknown blocked status word {other:?} (expected 63C0, 6983 or 6984)")),
        }
    }
}

impl fmt::Display for BlockedSw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.sw())
    }
}

/// What the retry query (empty VERIFY) answers once the PIN has been verified
/// in this session. Sources disagree, so both answers are modelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VerifiedQuery {
    /// `90 00` with no count (myna-card: "some cards do this").
    Sw9000,
    /// `63 Cx` with the (full) counter, as when not verified. The default:
    /// OpenSC, used widely with real cards, queries the counter at every bind
    /// and rejects any answer but `63 Cx`, while its logout (a re-SELECT of
    /// the AP) leaves the PIN verified on cards where only power-off clears it.
    #[default]
    RetryCount,
}

impl FromStr for VerifiedQuery {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "9000" => Ok(VerifiedQuery::Sw9000),
            "63CX" => Ok(VerifiedQuery::RetryCount),
            other => Err(format!("unknown verified-query answer {other:?} (expected 9000 or 63cx)")),
        }
    }
}

impl fmt::Display for VerifiedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VerifiedQuery::Sw9000 => "9000",
            VerifiedQuery::RetryCount => "63cx",
        })
    }
}

/// How the signing password's file behaves on a card without a signing
/// certificate. No source shows a real card of a holder under 15, so each
/// plausible answer is modelled and `jpki` must be right under all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnissuedSignPin {
    /// The password file exists with a normal counter (`63 C5`). The default.
    #[default]
    Usable,
    /// The retry query and VERIFY answer `69 84` (reference data not usable).
    Unusable,
    /// There is no password file: SELECT of `001B` answers `6A 82`.
    Absent,
}

impl FromStr for UnissuedSignPin {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "usable" => Ok(UnissuedSignPin::Usable),
            "unusable" => Ok(UnissuedSignPin::Unusable),
            "absent" => Ok(UnissuedSignPin::Absent),
            other => Err(format!("unknown signing-password model {other:?} (expected usable, unusable or absent)")),
        }
    }
}

impl fmt::Display for UnissuedSignPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnissuedSignPin::Usable => "usable",
            UnissuedSignPin::Unusable => "unusable",
            UnissuedSignPin::Absent => "absent",
        })
    }
}

/// A status word that VERIFY with data, or CHANGE REFERENCE DATA, answers
/// instead of its own (`6F00`), and whether the card still did the work
/// behind it (`6F00:done`: the try counted or the PIN changed). Models a card
/// that fails after acting, or before, so the client cannot tell which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForcedAnswer {
    pub sw: u16,
    pub done: bool,
}

impl FromStr for ForcedAnswer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (word, done) = match s.split_once(':') {
            None => (s, false),
            Some((w, "done")) => (w, true),
            Some((w, "not-done")) => (w, false),
            Some((_, other)) => return Err(format!("unknown effect {other:?} (expected done or not-done)")),
        };
        match u16::from_str_radix(word, 16) {
            Ok(sw) if word.len() == 4 => Ok(ForcedAnswer { sw, done }),
            _ => Err(format!("{word:?} is not a status word of 4 hex digits")),
        }
    }
}

/// What the signing certificate's file (EF 0001 of the JPKI AP) holds, when
/// not the certificate: how a card might show "not issued".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignCertFile {
    /// No such file: SELECT answers `6A 82`.
    Absent,
    /// The file exists with no bytes.
    Empty,
    /// The file exists, filled with `FF` (erased).
    Erased,
}

impl FromStr for SignCertFile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "absent" => Ok(SignCertFile::Absent),
            "empty" => Ok(SignCertFile::Empty),
            "ff" | "erased" => Ok(SignCertFile::Erased),
            other => Err(format!("unknown signing-certificate file {other:?} (expected absent, empty or ff)")),
        }
    }
}

/// An applet the card can be made to lack, to test that every command
/// reports it as absent instead of failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionalApplet {
    /// 券面事項入力補助AP (the card-info PIN, My Number and the four attributes).
    CardInfo,
    /// 券面事項確認AP (its 照合番号A/B).
    Visual,
    /// 公的個人認証AP: the card is not a My Number Card (a bank or transit card).
    Jpki,
}

impl FromStr for OptionalApplet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cardinfo" => Ok(OptionalApplet::CardInfo),
            "visual" => Ok(OptionalApplet::Visual),
            "jpki" => Ok(OptionalApplet::Jpki),
            other => Err(format!("unknown applet {other:?} (expected cardinfo, visual or jpki)")),
        }
    }
}

/// The smartphone certificate (スマホ用電子証明書) the card can play instead
/// of the plastic card: what its token file says, its auth certificate behind
/// the auth PIN, and no card-info applets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smartphone {
    /// An Android phone's secure element (`JPKIAPGPSETOKEN`).
    Android,
    /// An iPhone (`JPKIAPIOSTOKEN`).
    Ios,
}

impl Smartphone {
    /// The label at the start of the token file (EF 0006).
    pub fn token_label(self) -> &'static str {
        match self {
            Smartphone::Android => "JPKIAPGPSETOKEN",
            Smartphone::Ios => "JPKIAPIOSTOKEN",
        }
    }
}

impl FromStr for Smartphone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "android" => Ok(Smartphone::Android),
            "ios" | "iphone" => Ok(Smartphone::Ios),
            other => Err(format!("unknown smartphone {other:?} (expected android or ios)")),
        }
    }
}

/// The newer contact ATR; its historical bytes advertise extended Lc/Le.
pub const ATR_EXTENDED: [u8; 19] =
    [0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B];

/// The older contact ATR (T=1, no historical bytes), used when extended
/// length is switched off.
pub const ATR_SHORT: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// All behaviour switches of the virtual card and its vpcd bridge.
///
/// The fault and latency hooks (`drop_at`, `corrupt_at`, `latency_*`) are
/// applied by the bridge ([`crate::sim::vpcd`]); the pure card model ignores
/// them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// SW of VERIFY with data on an already blocked PIN. Default `69 84`.
    pub blocked_sw: BlockedSw,
    /// SW of the retry query (VERIFY without data) on a blocked PIN. Default
    /// `63 C0`; the sources show only that, but `jpki` treats all three alike.
    pub blocked_query_sw: BlockedSw,
    /// Accept extended APDUs (and use the ATR that advertises them). Default on.
    pub extended_length: bool,
    /// Accept the SFI forms (VERIFY/COMPUTE DIGITAL SIGNATURE with P2 = 80+SFI,
    /// READ BINARY with P1 = 80+SFI). When off they answer `6A 86`. Default on.
    pub sfi: bool,
    /// Each signature consumes the verified state of its key's PIN. Default off.
    pub sign_needs_fresh_verify: bool,
    /// Answer of the retry query after a successful VERIFY. Default `63 Cx`.
    pub verified_query: VerifiedQuery,
    /// Selecting an application again clears that application's verified
    /// PINs. Default off (only power-off and reset clear them).
    pub reselect_clears_pin: bool,
    /// A PIN whose length does not fit the PIN kind (for example 5 digits to
    /// the auth PIN) costs a try (`63 Cx`) instead of answering `67 00`.
    /// Default off.
    pub wrong_length_counts: bool,
    /// Model a card issued to a child under 15: no signing certificate.
    pub no_sign_cert: bool,
    /// With `no_sign_cert`: how the signing password's file answers.
    pub unissued_sign_pin: UnissuedSignPin,
    /// The signing certificate's file instead of the certificate. Default:
    /// the certificate, or `Absent` with `no_sign_cert`.
    pub sign_cert_file: Option<SignCertFile>,
    /// Content of EF 0008 (certificate availability) instead of the one
    /// `no_sign_cert` implies. Default none.
    pub cert_flags: Option<Vec<u8>>,
    /// Applets the card lacks: SELECT of their AID answers `6A 82`. Default none.
    pub without_applets: Vec<OptionalApplet>,
    /// Play the smartphone certificate instead of the plastic card: its token
    /// label, the auth certificate readable only after the auth PIN, and
    /// neither card-info applet. Default none (the My Number Card).
    pub smartphone: Option<Smartphone>,
    /// Return response data through `61 xx` + GET RESPONSE. Default off.
    pub get_response: bool,
    /// A short Le larger than the available data answers `6C xx`. Default off.
    pub wrong_le_6c: bool,
    /// The first APDU after a power-on or reset answers `6F 00`. Default off.
    pub first_apdu_after_power_6f00: bool,
    /// VERIFY with data answers this instead. Default none.
    pub verify_answer: Option<ForcedAnswer>,
    /// CHANGE REFERENCE DATA answers this instead. Default none.
    pub change_answer: Option<ForcedAnswer>,
    /// ATR override. `None`: chosen from `extended_length`.
    pub atr: Option<Vec<u8>>,
    /// Bridge: sleep this long before answering every APDU.
    pub latency_per_apdu_ms: u64,
    /// Bridge: sleep this much longer before answering COMPUTE DIGITAL SIGNATURE.
    pub latency_per_signature_ms: u64,
    /// Bridge: close the link instead of answering APDU number N (from 1,
    /// counted since the process started). The card still executes it.
    pub drop_at: Option<u64>,
    /// Bridge: send a corrupted response (only its first byte) to APDU number N.
    pub corrupt_at: Option<u64>,
    /// Bridge: the first APDU with this INS is executed but never answered;
    /// the card stays silent until the simulator stops.
    pub hang_on: Option<u8>,
    /// Bridge: like `hang_on`, for APDU number N (counted like `drop_at`).
    pub hang_at: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            blocked_sw: BlockedSw::default(),
            blocked_query_sw: BlockedSw::Sw63C0,
            extended_length: true,
            sfi: true,
            sign_needs_fresh_verify: false,
            verified_query: VerifiedQuery::default(),
            reselect_clears_pin: false,
            wrong_length_counts: false,
            no_sign_cert: false,
            unissued_sign_pin: UnissuedSignPin::default(),
            sign_cert_file: None,
            cert_flags: None,
            without_applets: Vec::new(),
            smartphone: None,
            get_response: false,
            wrong_le_6c: false,
            first_apdu_after_power_6f00: false,
            verify_answer: None,
            change_answer: None,
            atr: None,
            latency_per_apdu_ms: 0,
            latency_per_signature_ms: 0,
            drop_at: None,
            corrupt_at: None,
            hang_on: None,
            hang_at: None,
        }
    }
}

impl SimConfig {
    /// The ATR the card presents under this configuration.
    pub fn effective_atr(&self) -> Vec<u8> {
        match &self.atr {
            Some(atr) => atr.clone(),
            None if self.extended_length => ATR_EXTENDED.to_vec(),
            None => ATR_SHORT.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tck_ok(atr: &[u8]) -> bool {
        // TCK: XOR of T0..TCK is zero.
        atr[1..].iter().fold(0u8, |a, b| a ^ b) == 0
    }

    #[test]
    fn atrs_have_valid_check_bytes() {
        assert!(tck_ok(&ATR_EXTENDED));
        assert!(tck_ok(&ATR_SHORT));
    }

    #[test]
    fn atr_follows_extended_switch_and_override() {
        let mut c = SimConfig::default();
        assert_eq!(c.effective_atr(), ATR_EXTENDED.to_vec());
        c.extended_length = false;
        assert_eq!(c.effective_atr(), ATR_SHORT.to_vec());
        c.atr = Some(vec![0x3B, 0x00]);
        assert_eq!(c.effective_atr(), vec![0x3B, 0x00]);
    }

    #[test]
    fn parse_switch_values() {
        assert_eq!("63c0".parse::<BlockedSw>().unwrap(), BlockedSw::Sw63C0);
        assert_eq!("6983".parse::<BlockedSw>().unwrap().sw(), 0x6983);
        assert!("6985".parse::<BlockedSw>().is_err());
        assert_eq!("63CX".parse::<VerifiedQuery>().unwrap(), VerifiedQuery::RetryCount);
        assert_eq!("9000".parse::<VerifiedQuery>().unwrap(), VerifiedQuery::Sw9000);
        assert_eq!("6f00".parse::<ForcedAnswer>().unwrap(), ForcedAnswer { sw: 0x6F00, done: false });
        assert_eq!("6700:done".parse::<ForcedAnswer>().unwrap(), ForcedAnswer { sw: 0x6700, done: true });
        assert!("6F0".parse::<ForcedAnswer>().is_err() && "6F00:maybe".parse::<ForcedAnswer>().is_err());
    }
}
