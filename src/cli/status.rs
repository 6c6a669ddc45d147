//! `jpki status`: the retry counters, read without spending a try.

use jpki::card::PinState;
use jpki::pcsc::Access;
use jpki::pin::PinKind;
use serde_json::{json, Value};

use super::exit::Failure;
use super::output::Output;
use super::session;
use super::Global;

/// One line of text and one JSON object for a PIN's state.
pub fn describe(kind: PinKind, state: &Result<PinState, jpki::Error>) -> (String, Value) {
    let max = kind.max_tries();
    let (text, fields) = match state {
        Ok(PinState::TriesLeft(n)) => (
            format!("{n} of {max} tries left"),
            json!({"state": "ok", "tries_left": n}),
        ),
        Ok(PinState::Blocked) => (
            "BLOCKED: only your municipal office (市区町村窓口) can unblock it".to_string(),
            json!({"state": "blocked", "tries_left": 0}),
        ),
        Ok(PinState::Verified) => (
            format!("verified in the card's current session (counter at its maximum, {max})"),
            json!({"state": "verified", "tries_left": null}),
        ),
        Err(e) => (format!("unreadable ({e})"), json!({"state": "unreadable", "tries_left": null, "error": e.to_string()})),
    };
    let mut obj = json!({"pin": kind.name(), "max_tries": max, "description": kind.description()});
    if let (Value::Object(o), Value::Object(f)) = (&mut obj, fields) {
        o.extend(f);
    }
    (format!("{:<44} {}", capitalized(kind.description()) + ":", text), obj)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn run(global: &Global) -> Result<Output, Failure> {
    let mut card = session::open(global, Access::ReadOnly)?;
    let reader = card.transport().reader().to_string();
    let mut text = format!("Reader: {reader}\n");
    let mut pins = Vec::new();
    for kind in [PinKind::Auth, PinKind::Sign] {
        let state = card.pin_state(kind);
        // A missing applet or a lost card ends the command; one odd counter does not.
        if let Err(e @ (jpki::Error::NotJpki { .. } | jpki::Error::Transport(_))) = state {
            return Err(session::in_reader(&card, e));
        }
        let (line, obj) = describe(kind, &state);
        text.push_str(&line);
        text.push('\n');
        pins.push(obj);
    }
    Ok(Output { text, ..Default::default() }.field("reader", reader).field("pins", pins))
}
