//! `jpki cert auth|sign|auth-ca|sign-ca`

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jpki::card::CertKind;
use jpki::cert::{summarize, to_pem, CertSummary};
use jpki::pcsc::Access;
use jpki::pin::{Pin, PinKind};

use super::exit::Failure;
use super::i18n::pick;
use super::output::{check_binary_stdout, check_output_path, one_line, path_text, write_file, Output, Readers};
use super::{session, session::Connect, Global, PinArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertChoice {
    #[value(help = super::i18n::pick(
        "利用者証明用電子証明書 (no PIN on the card; a smartphone asks for the auth PIN)",
        "利用者証明用電子証明書 (カードでは暗証番号不要。スマートフォンでは利用者証明用暗証番号を求める)"
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
        "Show subject, issuer, validity, key and the holder's data instead",
        "代わりに主体者、発行者、有効期間、鍵、持ち主の情報を表示する"
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
            Some(args.pin_args.obtain(pin_kind, "The signing certificate is protected. Enter the signing password: ")?)
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
        out.text = format!("Wrote the {} certificate to {}\n", kind.name(), path_text(path));
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

fn details_text(s: &CertSummary) -> String {
    let mut t = String::new();
    // Every value comes from the certificate: line breaks in it are escaped,
    // so it cannot print a line of its own.
    let mut row = |label: &str, value: &str| t.push_str(&format!("{label} {}\n", one_line(value)));
    let validity = if s.days_left < 0 {
        format!("EXPIRED {} days ago", -s.days_left)
    } else {
        format!("{} days left", s.days_left)
    };
    row("Subject:   ", &s.subject);
    row("Issuer:    ", &s.issuer);
    row("Serial:    ", &s.serial);
    row("Valid from:", &s.not_before);
    row("Valid to:  ", &format!("{} ({validity})", s.not_after));
    row("Key:       ", &format!("{} {} bits", s.key_algorithm, s.key_bits));
    row("Signature: ", &s.signature_algorithm);
    if !s.key_usage.is_empty() {
        row("Key usage: ", &s.key_usage.join(", "));
    }
    row("SHA-256:   ", &s.sha256_fingerprint);
    if let Some(h) = &s.holder {
        t.push_str("Holder (from the certificate):\n");
        let rows = [
            ("Name", &h.name),
            ("Name (substitute)", &h.name_substitute),
            ("Birth date", &h.birth_date),
            ("Sex", &h.sex),
            ("Address", &h.address),
            ("Address (substitute)", &h.address_substitute),
        ];
        for (label, value) in rows {
            if let Some(v) = value {
                t.push_str(&format!("  {label:<21} {}\n", one_line(v)));
            }
        }
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
            key_algorithm: "RSA".into(),
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            key_usage: vec![format!("digitalSignature{fake}")],
            sha256_fingerprint: "AB".into(),
            holder: Some(holder),
        };
        let text = details_text(&s);
        // Nine rows, the holder heading and its four fields: one line each.
        assert_eq!(text.lines().count(), 14, "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("SHA-256:")).count(), 1, "{text}");
        assert!(!text.contains(['\r', '\u{2028}', '\u{2029}']), "{text:?}");
        assert!(text.contains("Subject:    CN=Evil\\u{a}SHA-256"), "{text}");
    }
}
