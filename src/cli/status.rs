//! `jpki status`: the retry counters, read without spending a try.

use clap::Args;
use jpki::card::{Applet, CertKind, Counter, PinState};
use jpki::pcsc::Access;
use jpki::Error;
use serde_json::{json, Value};

use super::cert::unix_now;
use super::exit::Failure;
use super::output::Output;
use super::{session, Global, PinArgs};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Every counter the card reports: also the card-info PIN and the 照合番号A/B of the
    /// card-info and 券面確認 applets.
    #[arg(long)]
    pub all: bool,
    /// With --all, never use the short-EF-identifier form of the retry query
    /// (by default it is tried once and dropped if the card refuses it).
    #[arg(long, requires = "all")]
    pub no_sfi: bool,
    /// Also show whether the signing certificate was issued and the auth certificate's expiry.
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
        Some(max) => format!("{n} of {max} tries left"),
        None => format!("{n} tries left"),
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
        Err(Error::NotJpki { .. }) => ("not present on this card".to_string(), json!({"state": "absent", "tries_left": null})),
        Err(e) => (format!("unreadable ({e})"), json!({"state": "unreadable", "tries_left": null, "error": e.to_string()})),
    };
    let mut obj = json!({"pin": counter.name, "max_tries": counter.max_tries, "description": counter.description});
    if let (Value::Object(o), Value::Object(f)) = (&mut obj, fields) {
        o.extend(f);
    }
    (format!("{:<58} {}", capitalized(counter.description) + ":", text), obj)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn run(global: &Global, args: &StatusArgs) -> Result<Output, Failure> {
    let sign_pin = if args.sign_cert {
        let kind = jpki::pin::PinKind::Sign;
        Some(args.pin_args.obtain(kind, "Enter the signing password (to read the signing certificate): ")?)
    } else {
        None
    };
    let access = if sign_pin.is_some() { Access::Verifying } else { Access::ReadOnly };
    let mut card = session::open(global, access)?;
    let reader = card.transport().reader().to_string();
    let mut text = format!("Reader: {reader}\n");
    let mut pins = Vec::new();
    let counters: &[Counter] = if args.all { &Counter::ALL } else { &Counter::ALL[..2] };
    if args.all && !args.no_sfi {
        card.allow_sfi_queries();
    }
    // Whether a signing certificate exists (EF 0008), read while the JPKI applet is current.
    let mut issued = None;
    for counter in counters {
        if counter.applet != Applet::Jpki && issued.is_none() && (args.certs || args.all) {
            issued = Some(card.has_sign_certificate().map_err(|e| session::in_reader(&card, e))?);
        }
        let state = card.counter_state(counter);
        // No JPKI applet or a lost card ends the command; one odd counter does not.
        match &state {
            Err(Error::NotJpki { .. }) if counter.applet == Applet::Jpki => {
                return Err(session::in_reader(&card, state.unwrap_err()))
            }
            // A garbled answer is a link problem, not an odd counter: never exit 0 on it.
            Err(Error::Transport(_) | Error::BadCardData(_)) => return Err(session::in_reader(&card, state.unwrap_err())),
            _ => {}
        }
        let (line, obj) = describe(counter, &state);
        text.push_str(&line);
        text.push('\n');
        pins.push(obj);
    }
    let mut out = Output::default().field("reader", reader).field("pins", pins);
    if issued.is_none() && (args.certs || args.all) {
        issued = Some(card.has_sign_certificate().map_err(|e| session::in_reader(&card, e))?);
    }
    let issued = if let Some(issued) = issued {
        text.push_str(if issued {
            "Signing certificate (署名用電子証明書):       issued\n"
        } else {
            "Signing certificate (署名用電子証明書):       NOT ISSUED on this card (holders under 15 and some others have none)\n"
        });
        out = out.field("sign_certificate_issued", issued);
        issued
    } else {
        true
    };
    if args.certs {
        let mut certs = serde_json::Map::new();
        certs.insert("sign_certificate_issued".into(), issued.into());
        let mut expiry = |kind: CertKind, card: &mut session::Card, text: &mut String| -> Result<(), Failure> {
            let der = card.read_certificate(kind).map_err(|e| session::in_reader(card, e))?;
            let s = jpki::cert::summarize(&der, unix_now()).map_err(|e| Failure::from(Error::BadCardData(e.to_string())))?;
            let when = if s.days_left < 0 { format!("EXPIRED {} days ago", -s.days_left) } else { format!("{} days left", s.days_left) };
            text.push_str(&format!("{:<44} expires {} ({when})\n", format!("{} certificate:", capitalized(kind.name())), s.not_after));
            certs.insert(format!("{}_not_after", kind.name()), s.not_after.into());
            certs.insert(format!("{}_days_left", kind.name()), s.days_left.into());
            Ok(())
        };
        expiry(CertKind::Auth, &mut card, &mut text)?;
        if let (Some(pin), true) = (&sign_pin, issued) {
            session::verify(&mut card, pin, args.pin_args.force)?;
            expiry(CertKind::Sign, &mut card, &mut text)?;
        }
        out = out.field("certificates", Value::Object(certs));
    }
    out.text = text;
    Ok(out)
}
