//! `jpki cert auth|sign|auth-ca|sign-ca`

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jpki::card::CertKind;
use jpki::cert::{summarize, to_pem, CertSummary};
use jpki::pcsc::Access;
use jpki::pin::{Pin, PinKind};

use super::exit::Failure;
use jpki::cert::CertState;
use serde_json::{Map, Value};

use super::i18n::{pick, tr};
use super::output::{
    check_binary_stdout, check_output_path, labelled, one_line, path_text, write_file, Output, Readers,
};
use super::{session, session::Connect, Global, PinArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertChoice {
    #[value(help = super::i18n::pick(
        "利用者証明用電子証明書 (no PIN on the card; a smartphone asks for the auth PIN)",
        "利用者証明用電子証明書 (カードでは暗証番号不要) (スマートフォンでは利用者証明用暗証番号が必要)"
    ))]
    Auth,
    #[value(help = super::i18n::pick("署名用電子証明書 (needs the signing password)", "署名用電子証明書 (署名用パスワードが必要)"))]
    Sign,
    #[value(help = super::i18n::pick("The CA certificate for the auth certificate", "利用者証明用電子証明書を発行した認証局 (CA) の証明書"))]
    AuthCa,
    #[value(help = super::i18n::pick("The CA certificate for the signing certificate", "署名用電子証明書を発行した認証局 (CA) の証明書"))]
    SignCa,
}

impl CertChoice {
    pub fn kind(self) -> CertKind {
        match self {
            CertChoice::Auth => CertKind::Auth,
            CertChoice::Sign => CertKind::Sign,
            CertChoice::AuthCa => CertKind::AuthCa,
            CertChoice::SignCa => CertKind::SignCa,
        }
    }
}

#[derive(Debug, Args)]
pub struct CertArgs {
    #[arg(value_enum, help = super::i18n::pick(
        "Which certificate",
        "どの証明書か"
    ))]
    pub which: CertChoice,
    #[arg(long, conflicts_with_all = ["pem", "details"], help = super::i18n::pick(
        "Output DER (binary) instead of PEM",
        "PEM ではなく DER (バイナリ) で出力する"
    ))]
    pub der: bool,
    #[arg(long, conflicts_with = "details", help = super::i18n::pick(
        "Output PEM (the default on stdout)",
        "PEM で出力する (標準出力では既定)"
    ))]
    pub pem: bool,
    #[arg(long, visible_alias = "text", help = super::i18n::pick(
        "Show subject, issuer, validity (with the renewal date), key and the holder's data instead",
        "代わりに主体者、発行者、有効期間 (更新できる日を含む)、鍵、名義人の情報を表示する"
    ))]
    pub details: bool,
    #[arg(short, long, value_name = "FILE", help = super::i18n::pick(
        "Write to FILE (DER unless --pem is given or FILE ends in .pem)",
        "このファイルに書き出す (--pem を付けるか名前が .pem で終わらなければ DER)"
    ))]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pem,
    Der,
    Details,
}

pub fn run(global: &Global, connect: &dyn Connect, args: &CertArgs) -> Result<Output, Failure> {
    let kind = args.which.kind();
    let format = if args.details {
        Format::Details
    } else if args.der {
        Format::Der
    } else if args.pem || args.output.as_ref().is_some_and(|p| p.extension().is_some_and(|e| e == "pem")) {
        Format::Pem
    } else if args.output.is_some() {
        Format::Der
    } else {
        Format::Pem
    };
    if let Some(path) = &args.output {
        let inputs: Vec<&std::path::Path> = args.pin_args.pin_file.as_deref().into_iter().collect();
        check_output_path(path, &inputs)?;
    }
    check_binary_stdout(format == Format::Der && !global.json, args.output.is_some())?;
    let pin = match kind.required_pin() {
        Some(pin_kind) => {
            let prompt = pick(
                "The signing certificate is protected. Enter the signing password: ",
                "署名用電子証明書は保護されています。署名用パスワードを入力してください: ",
            );
            Some(args.pin_args.obtain(pin_kind, prompt)?)
        }
        // A smartphone wants the auth PIN for it: a --pin-file is read now.
        None if kind == CertKind::Auth => args.pin_args.given(PinKind::Auth)?,
        None => {
            args.pin_args.refuse_unused(&format!("`cert {}`", kind.name()))?;
            None
        }
    };
    let der = read_from_card(global, connect, kind, pin, &args.pin_args)?;
    let now = unix_now();
    let summary = summarize(&der, now).map_err(|e| Failure::from(jpki::Error::BadCardData(e.into())))?;
    let pem = to_pem(&der);
    let mut out = Output::default()
        .field("certificate", kind.name())
        .field("summary", serde_json::to_value(&summary).unwrap_or_default());
    if let Some(path) = &args.output {
        let bytes = if format == Format::Pem { pem.as_bytes() } else { &der };
        // The signing certificate names the holder (name, birth date, sex, address).
        let readers = if kind == CertKind::Sign { Readers::Owner } else { Readers::Usual };
        write_file(path, bytes, readers)?;
        out = out.field("output", path_text(path));
        let (name, path) = (kind.name(), path_text(path));
        out.text = tr!("Wrote the {name} certificate to {path}\n", "{name} 証明書を {path} に書き出しました\n");
    }
    out = out.field("pem", pem.clone());
    if args.output.is_none() {
        match format {
            Format::Pem => out.text = pem,
            Format::Der => out.bytes = Some(der),
            Format::Details => out.text = details_text(&summary),
        }
    } else if format == Format::Details {
        out.text.push_str(&details_text(&summary));
    }
    Ok(out)
}

/// Read a certificate from the card behind the PIN it needs: `pin`, the
/// signing password, for the signing certificate; for the auth certificate,
/// the auth PIN only where the card refuses the read without it (the
/// smartphone certificate). Then the card is released while the PIN is
/// gathered (`pin` if a file gave it, else the environment or the prompt),
/// and opened again to verify it behind the lockout guard and read.
pub fn read_from_card(
    global: &Global,
    connect: &dyn Connect,
    kind: CertKind,
    pin: Option<Pin>,
    pin_args: &PinArgs,
) -> Result<Vec<u8>, Failure> {
    let pin = match pin {
        Some(pin) if kind == CertKind::Sign => pin,
        pin => {
            let mut card = connect.open(global, Access::ReadOnly)?;
            match card.read_certificate(kind) {
                Err(jpki::Error::PinNotVerified { kind: PinKind::Auth }) if kind == CertKind::Auth => {}
                other => return other.map_err(Failure::from),
            }
            drop(card);
            match pin {
                Some(pin) => pin,
                None => pin_args.obtain(
                    PinKind::Auth,
                    pick(
                        "This smartphone shows its auth certificate only after the auth PIN. Enter the auth PIN: ",
                        "このスマートフォンは利用者証明用暗証番号の照合後にだけ利用者証明用電子証明書を見せます。\
                         利用者証明用暗証番号 (数字4桁) を入力してください: ",
                    ),
                )?,
            }
        }
    };
    let mut card = connect.open(global, Access::Verifying)?;
    session::verify(&mut card, &pin, pin_args.force)?;
    card.read_certificate(kind).map_err(Failure::from)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A moment in the local time zone, for people: `2031-11-29 23:59:59 JST`,
/// in Japanese `2031年11月29日 23:59` (the zone named when it is not JST).
/// The zone is the system's (`TZ`, /etc/localtime, Windows' setting), UTC
/// when it cannot be found.
pub fn local_time(unix: i64) -> String {
    let zone = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    local_time_in(unix, &zone)
}

fn local_time_in(unix: i64, zone: &jiff::tz::TimeZone) -> String {
    let Ok(at) = jiff::Timestamp::from_second(unix) else {
        return jpki::cert::format_time(unix);
    };
    let at = at.to_zoned_datetime(zone.clone());
    let in_japan = at.offset() == jiff::tz::offset(9);
    let format =
        pick("%Y-%m-%d %H:%M:%S %Z", if in_japan { "%Y年%-m月%-d日 %H:%M" } else { "%Y年%-m月%-d日 %H:%M %Z" });
    let mut text = String::new();
    // A zone without an abbreviation fails here rather than panicking in to_string.
    match std::fmt::Write::write_fmt(&mut text, format_args!("{}", at.strftime(format))) {
        Ok(()) => text,
        Err(_) => jpki::cert::format_time(unix),
    }
}

/// `1485 days left`, `EXPIRED 3 days ago`.
fn days_text(days_left: i64) -> String {
    match days_left {
        -1 => pick("EXPIRED 1 day ago", "1日前に期限切れ").to_string(),
        ..=-2 => {
            let days = -days_left;
            tr!("EXPIRED {days} days ago", "{days}日前に期限切れ")
        }
        1 => pick("1 day left", "残り1日").to_string(),
        _ => tr!("{days_left} days left", "残り{days_left}日"),
    }
}

/// What the holder should know or do about a certificate in this state, or
/// nothing when it is fine.
fn advice(s: &CertSummary) -> Option<String> {
    let expiry = local_time(s.times.not_after);
    let from = local_time(s.times.not_before);
    match s.state {
        CertState::Valid => None,
        CertState::RenewalOpen => Some(tr!(
            "RENEWAL WINDOW OPEN: renew it at your municipal office (市区町村の窓口) before it expires on {expiry}; bring the card",
            "更新期間中です: 有効期限 ({expiry}) までに、カードを持って市区町村の窓口で更新してください"
        )),
        CertState::Expired => Some(tr!(
            "EXPIRED: it cannot be used any more; have it reissued at your municipal office (市区町村の窓口)",
            "有効期限切れです: この証明書はもう使えません。市区町村の窓口で再発行を受けてください"
        )),
        CertState::NotYetValid => Some(tr!(
            "NOT YET VALID (from {from}): check this computer's date and time",
            "まだ有効ではありません ({from}から): このコンピューターの日付と時刻を確認してください"
        )),
    }
}

/// The renewal date, or (when expired) that it is too late for renewal.
fn renewal_text(s: &CertSummary) -> String {
    let from = local_time(s.times.renewal_from);
    match s.state {
        CertState::Expired => pick("no longer possible (expired)", "できません (期限切れ)").to_string(),
        CertState::RenewalOpen => tr!("possible now (since {from})", "可能です ({from}から)"),
        CertState::Valid | CertState::NotYetValid => tr!("possible from {from}", "{from}から可能"),
    }
}

/// The label of a certificate's line in `status --certs`.
pub fn status_label(kind: CertKind) -> &'static str {
    match kind {
        CertKind::Auth => pick("Auth certificate (利用者証明用電子証明書):", "利用者証明用電子証明書:"),
        CertKind::Sign => pick("Signing certificate (署名用電子証明書):", "署名用電子証明書:"),
        CertKind::AuthCa => pick("Auth CA certificate:", "利用者証明用の認証局証明書:"),
        CertKind::SignCa => pick("Sign CA certificate:", "署名用の認証局証明書:"),
    }
}

/// For `status --certs`: the value of a certificate's line (expiry, days
/// left, renewal date), a second line when the holder has something to do,
/// and the certificate's JSON fields (`auth_not_after`, `auth_days_left`,
/// `auth_renewal_from`, `auth_state`, or `sign_…`) added to `json`.
pub fn status_validity(kind: CertKind, s: &CertSummary, json: &mut Map<String, Value>) -> (String, Option<String>) {
    let (expiry, days, renewal) = (local_time(s.times.not_after), days_text(s.days_left), renewal_text(s));
    let line = tr!("expires {expiry} ({days}); renewal {renewal}", "有効期限 {expiry} ({days})、更新は{renewal}");
    let name = kind.name();
    json.insert(format!("{name}_not_after"), s.not_after.clone().into());
    json.insert(format!("{name}_days_left"), s.days_left.into());
    json.insert(format!("{name}_renewal_from"), s.renewal_from.clone().into());
    json.insert(format!("{name}_state"), serde_json::to_value(s.state).unwrap_or_default());
    (line, advice(s))
}

/// Width of the label column of `cert --details`, in terminal cells.
fn detail_cells() -> usize {
    pick(12, 14)
}

/// The holder's sex as the library labels it, in the reader's language.
fn sex_text(label: &str) -> String {
    let ja = match label {
        "male (1)" => "男性 (1)",
        "female (2)" => "女性 (2)",
        "not applicable (9)" => "適用不能 (9)",
        "unknown (0)" => "不明 (0)",
        other => other,
    };
    pick(label, ja).to_string()
}

fn details_text(s: &CertSummary) -> String {
    let mut t = String::new();
    // Every value comes from the certificate: line breaks in it are escaped,
    // so it cannot print a line of its own.
    let mut row = |label: &str, value: &str| {
        t.push_str(&labelled(label, detail_cells(), &one_line(value)));
        t.push('\n');
    };
    let (expiry, days) = (local_time(s.times.not_after), days_text(s.days_left));
    row(pick("Subject:", "主体者:"), &s.subject);
    row(pick("Issuer:", "発行者:"), &s.issuer);
    row(pick("Serial:", "シリアル:"), &s.serial);
    row(pick("Valid from:", "有効期間開始:"), &local_time(s.times.not_before));
    row(pick("Valid to:", "有効期限:"), &format!("{expiry} ({days})"));
    row(pick("Renewal:", "更新:"), &renewal_text(s));
    row(pick("State:", "状態:"), &advice(s).unwrap_or_else(|| pick("valid", "有効").to_string()));
    row(pick("Key:", "鍵:"), &tr!("{} {} bits", "{} {}ビット", s.key_algorithm, s.key_bits));
    row(pick("Signature:", "署名方式:"), &s.signature_algorithm);
    if !s.key_usage.is_empty() {
        row(pick("Key usage:", "鍵用途:"), &s.key_usage.join(", "));
    }
    row("SHA-256:", &s.sha256_fingerprint);
    if let Some(h) = &s.holder {
        t.push_str(pick("Holder (from the certificate):\n", "名義人 (証明書に記載の基本4情報):\n"));
        let rows = [
            (pick("Name", "氏名"), &h.name),
            (pick("Name (substitute)", "氏名 (代替文字)"), &h.name_substitute),
            (pick("Birth date", "生年月日"), &h.birth_date.as_deref().map(super::cardinfo::birth_date)),
            (pick("Sex", "性別"), &h.sex.as_deref().map(sex_text)),
            (pick("Address", "住所"), &h.address),
            (pick("Address (substitute)", "住所 (代替文字)"), &h.address_substitute),
        ];
        for (label, value) in rows {
            if let Some(v) = value {
                t.push_str(&labelled(&format!("  {label}"), 23, &one_line(v)));
                t.push('\n');
            }
        }
        // The address and name above are what the certificate certifies:
        // the card does not follow the holder's records.
        t.push_str(pick(
            "  Note: this signing certificate (署名用電子証明書) is revoked automatically when you move or change\n  your name, even though its days remain; then have a new one issued at your municipal office.\n",
            "  注意: この署名用電子証明書は、転居や氏名の変更をすると、有効期限が残っていても自動的に失効します。\n  その場合は市区町村の窓口で新しく発行を受けてください。\n",
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpki::cert::HolderInfo;

    #[test]
    fn certificate_fields_cannot_forge_a_line() {
        let fake = "\nSHA-256:    00";
        let holder = HolderInfo {
            name: Some(format!("Evil{fake}")),
            name_substitute: None,
            sex: Some("1\u{2028}Sex 2".into()),
            birth_date_raw: None,
            birth_date: None,
            address: Some(format!("Tokyo\r{fake}")),
            address_substitute: Some("A\u{2029}B".into()),
        };
        let s = CertSummary {
            subject: format!("CN=Evil{fake}"),
            issuer: format!("CN=CA{fake}"),
            serial: "01".into(),
            not_before: "2025-01-01".into(),
            not_after: format!("2030-01-01{fake}"),
            days_left: 1,
            renewal_from: "2029-10-01".into(),
            state: jpki::cert::CertState::Valid,
            times: jpki::cert::CertTimes::new(0, 1),
            key_algorithm: "RSA".into(),
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            key_usage: vec![format!("digitalSignature{fake}")],
            sha256_fingerprint: "AB".into(),
            holder: Some(holder),
        };
        let text = details_text(&s);
        // Eleven rows, the holder heading, its four fields and the two lines
        // of the note on revocation: one line each.
        assert_eq!(text.lines().count(), 18, "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("SHA-256:")).count(), 1, "{text}");
        assert!(!text.contains(['\r', '\u{2028}', '\u{2029}']), "{text:?}");
        assert!(text.contains("Subject:     CN=Evil\\u{a}SHA-256"), "{text}");
    }

    #[test]
    fn local_times_name_their_zone_in_english_and_follow_japanese_usage_in_japanese() {
        use super::super::i18n::{set_for_this_thread, Lang};
        let tokyo = jiff::tz::TimeZone::fixed(jiff::tz::offset(9));
        let utc = jiff::tz::TimeZone::UTC;
        // 2031-11-29 14:59:59 UTC, the end of the 29th in Japan.
        let at = 1_953_730_799;
        set_for_this_thread(Lang::En);
        assert_eq!(local_time_in(at, &utc), "2031-11-29 14:59:59 UTC");
        assert!(local_time_in(at, &tokyo).starts_with("2031-11-29 23:59:59 "));
        let jst = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(local_time_in(at, &jst), "2031-11-29 23:59:59 JST");
        assert_eq!(days_text(-1), "EXPIRED 1 day ago");
        set_for_this_thread(Lang::Ja);
        assert_eq!(local_time_in(at, &jst), "2031年11月29日 23:59");
        assert_eq!(local_time_in(at + 1, &jst), "2031年11月30日 00:00");
        assert_eq!(local_time_in(at, &utc), "2031年11月29日 14:59 UTC");
        assert_eq!((days_text(3), days_text(-2)), ("残り3日".to_string(), "2日前に期限切れ".to_string()));
        set_for_this_thread(Lang::En);
    }

    #[test]
    fn a_time_zone_database_is_built_in_for_machines_without_one() {
        // jiff falls back to this copy where the system has none (Windows,
        // containers without /usr/share/zoneinfo).
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        let tokyo = bundled.get("Asia/Tokyo").expect("Asia/Tokyo in the bundled tzdb");
        let at = jiff::Timestamp::from_second(1_953_730_799).unwrap().to_zoned_datetime(tokyo);
        assert_eq!(at.strftime("%H:%M %Z").to_string(), "23:59 JST");
    }

    #[test]
    fn each_state_tells_the_holder_what_to_do() {
        use jpki::cert::{summarize, CertState};
        let der = crate::sim::CardData::default_fixture().auth_cert;
        let times = summarize(&der, 0).unwrap().times;
        let at = |now| summarize(&der, now).unwrap();
        let valid = at(times.renewal_from - 1);
        assert_eq!((valid.state, advice(&valid)), (CertState::Valid, None));
        assert!(renewal_text(&valid).starts_with("possible from "), "{}", renewal_text(&valid));
        let open = at(times.renewal_from);
        assert_eq!(open.state, CertState::RenewalOpen);
        assert!(advice(&open).is_some_and(|a| a.starts_with("RENEWAL WINDOW OPEN") && a.contains("市区町村の窓口")));
        let expired = at(times.not_after + 1);
        assert!(advice(&expired).is_some_and(|a| a.starts_with("EXPIRED") && a.contains("reissued")));
        let early = at(times.not_before - 1);
        assert!(advice(&early).is_some_and(|a| a.starts_with("NOT YET VALID")));
        let mut json = Map::new();
        let (line, _) = status_validity(CertKind::Auth, &open, &mut json);
        assert!(line.contains("renewal possible now"), "{line}");
        assert_eq!(json["auth_state"], "renewal_open");
        assert_eq!(json["auth_renewal_from"], open.renewal_from.as_str());
    }
}
