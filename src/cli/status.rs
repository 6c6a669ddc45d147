//! `jpki status`: the retry counters, read without spending a try.

use clap::Args;
use jpki::apdu::StatusWord;
use jpki::card::{CertKind, Counter, CounterReading, PinState, StatusRequest};
use jpki::cert::CertSummary;
use jpki::pcsc::Access;
use jpki::Error;
use serde_json::{json, Value};

use super::cert::unix_now;
use super::exit::Failure;
use super::output::{one_line, Output};
use super::{pin_input, session::Connect, Global, PinArgs};
use jpki::transport::Transport as _;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only the two JPKI counters and whether the signing certificate was issued:
    /// 5 APDUs instead of 12, for the least time in an NFC reader's field.
    #[arg(long)]
    pub jpki_only: bool,
    /// Every counter the card reports. This is the default; the flag is kept
    /// for scripts written when it was not.
    #[arg(long, hide = true, conflicts_with = "jpki_only")]
    pub all: bool,
    /// Never use the short-EF-identifier form of the retry query (when and how
    /// it is trusted: see `jpki status` in the README).
    #[arg(long)]
    pub no_sfi: bool,
    /// Also show the auth certificate's expiry.
    #[arg(long)]
    pub certs: bool,
    /// With --certs, also the signing certificate's expiry (asks for the signing password).
    #[arg(long, requires = "certs")]
    pub sign_cert: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

/// One line of text and one JSON object for a counter's state.
pub fn describe(counter: &Counter, state: &Result<PinState, Error>) -> (String, Value) {
    let of_max = |n: u8| match counter.max_tries {
        Some(max) if n <= max => format!("{n} of {max} tries left"),
        Some(max) => format!("{n} tries left (more than the documented {max})"),
        None => format!("{n} tries left (no source gives the maximum)"),
    };
    let (text, fields) = match state {
        Ok(PinState::TriesLeft(n)) => (of_max(*n), json!({"state": "ok", "tries_left": n})),
        Ok(PinState::Blocked) => (
            "BLOCKED: only your municipal office (市区町村窓口) can unblock it".to_string(),
            json!({"state": "blocked", "tries_left": 0}),
        ),
        Ok(PinState::Verified) => (
            "verified in the card's current session (counter at its maximum)".to_string(),
            json!({"state": "verified", "tries_left": null}),
        ),
        Err(Error::NotJpki { .. } | Error::AppletMissing { .. })
        | Err(Error::PinFileNotSelected { sw: StatusWord::FileNotFound }) => {
            ("not present on this card".to_string(), json!({"state": "absent", "tries_left": null}))
        }
        Err(e) => {
            (format!("unreadable ({e})"), json!({"state": "unreadable", "tries_left": null, "error": e.to_string()}))
        }
    };
    render(counter, &text, fields)
}

fn render(counter: &Counter, text: &str, fields: Value) -> (String, Value) {
    let mut obj = json!({"pin": counter.name, "max_tries": counter.max_tries, "description": counter.description});
    if let (Value::Object(o), Value::Object(f)) = (&mut obj, fields) {
        o.extend(f);
    }
    (labelled(&(capitalized(counter.description) + ":"), text), obj)
}

/// The signing password of a card that has no signing certificate: not in
/// use, whatever its file answers.
fn describe_unissued(counter: &Counter) -> (String, Value) {
    let fields = json!({"state": "not_issued", "tries_left": null});
    render(counter, "not in use (no signing certificate on this card)", fields)
}

/// Width of the label column, in terminal cells.
const LABEL_CELLS: usize = 47;

fn labelled(label: &str, value: &str) -> String {
    super::output::labelled(label, LABEL_CELLS, value)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn run(global: &Global, connect: &dyn Connect, args: &StatusArgs) -> Result<Output, Failure> {
    let sign_pin = if args.sign_cert {
        let kind = jpki::pin::PinKind::Sign;
        Some(args.pin_args.obtain(kind, "Enter the signing password (to read the signing certificate): ")?)
    } else {
        args.pin_args.refuse_unused("`status` without --sign-cert")?;
        None
    };
    let access = if sign_pin.is_some() { Access::Verifying } else { Access::ReadOnly };
    let mut card = connect.open(global, access)?;
    let reader = card.transport().reader().to_string();
    let request = StatusRequest {
        jpki_only: args.jpki_only,
        short_form: !args.no_sfi,
        certificates: args.certs,
        sign_pin: sign_pin.as_ref(),
        now: unix_now(),
    };
    let status = card.status(&request, &mut pin_input::last_try_consent(args.pin_args.force))?;
    drop(card);
    let issued = status.sign_certificate_issued.issued();
    let mut text = format!("Reader: {reader}\n");
    let mut pins = Vec::new();
    for (counter, reading) in &status.counters {
        let (line, obj) = match reading {
            CounterReading::NotIssued => describe_unissued(counter),
            CounterReading::Read(state) => describe(counter, state),
        };
        text.push_str(&line);
        text.push('\n');
        pins.push(obj);
    }
    let availability = match issued {
        Some(true) => "issued",
        Some(false) => "NOT ISSUED on this card (holders under 15 and some others have none)",
        None => "unknown (the card's availability file EF 0008 was unreadable or unrecognized)",
    };
    text.push_str(&labelled("Signing certificate (署名用電子証明書):", availability));
    text.push('\n');
    let mut certs = serde_json::Map::new();
    if args.certs {
        certs.insert("sign_certificate_issued".into(), issued.into());
    }
    let mut expiry = |kind: CertKind, s: &CertSummary| {
        let label = format!("{} certificate:", capitalized(kind.name()));
        let (line, advice) = super::cert::status_validity(kind, s, &mut certs);
        text.push_str(&labelled(&label, &line));
        text.push('\n');
        if let Some(advice) = advice {
            text.push_str(&labelled("", &advice));
            text.push('\n');
        }
    };
    if let Some(auth) = &status.auth_certificate {
        expiry(CertKind::Auth, auth);
    }
    match status.sign_certificate {
        Some(Ok(sign)) => expiry(CertKind::Sign, &sign),
        // Nothing was spent: keep the counters and say why the date is missing.
        Some(Err(e)) => {
            let f = Failure::from(e);
            let why = one_line(&f.message);
            text.push_str(&labelled("Sign certificate:", &format!("expiry not read: {why}\n")));
            certs.insert("sign_not_read".into(), f.kind.into());
        }
        None => {}
    }
    let mut out =
        Output::default().field("reader", reader).field("pins", pins).field("sign_certificate_issued", issued);
    if args.certs {
        out = out.field("certificates", Value::Object(certs));
    }
    out.text = text;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_applet_or_key_file_is_absent_and_other_odd_answers_unreadable() {
        let counter = Counter::ALL[5];
        let state = |r: Result<PinState, Error>| describe(&counter, &r).1["state"].as_str().unwrap().to_string();
        assert_eq!(state(Err(Error::AppletMissing { applet: "x" })), "absent");
        let select = |sw| Err(Error::PinFileNotSelected { sw });
        assert_eq!(state(select(StatusWord::FileNotFound)), "absent");
        assert_eq!(state(select(StatusWord::from_bytes(0x6A, 0x86))), "unreadable");
        let query = Err(Error::OddRetryAnswer { sw: StatusWord::FileNotFound });
        assert_eq!(state(query), "unreadable");
        assert_eq!(state(Ok(PinState::TriesLeft(5))), "ok");
        let (text, json) = describe(&counter, &Ok(PinState::TriesLeft(5)));
        assert!(text.ends_with("5 tries left (more than the documented 3)"), "{text}");
        assert_eq!((json["tries_left"].as_u64(), json["max_tries"].as_u64()), (Some(5), Some(3)));
    }
}
