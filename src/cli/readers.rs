//! `jpki readers`

use jpki::pcsc::Pcsc;
use jpki::transport::TransportError;
use jpki::Error;
use serde_json::json;

use super::exit::Failure;
use super::output::Output;
use super::Global;

pub fn run(_global: &Global) -> Result<Output, Failure> {
    let pcsc = Pcsc::establish()?;
    let readers = pcsc.readers()?;
    let mut text = String::new();
    let mut list = Vec::new();
    if readers.is_empty() {
        text.push_str("No readers found.\n");
    }
    for r in &readers {
        // Found by SELECT of the applet, never by ATR.
        let jpki = if !r.card_present {
            None
        } else {
            match jpki::discovery::probe_jpki(&pcsc, r) {
                Ok(found) => Some(found),
                Err(Error::Transport(TransportError::Busy)) => None,
                Err(e) => {
                    log::debug!("probe of {}: {e}", r.name);
                    None
                }
            }
        };
        let card = match (r.card_present, jpki, r.in_use) {
            (false, _, _) => "no card".to_string(),
            (true, Some(true), _) => "My Number Card (JPKI applet found)".to_string(),
            (true, Some(false), _) => "card without the JPKI applet".to_string(),
            (true, None, true) => "card in use by another program".to_string(),
            (true, None, false) => "card not answering".to_string(),
        };
        text.push_str(&format!("{}: {}\n    {}", r.index, r.name, card));
        if r.card_present {
            text.push_str(&format!("\n    ATR {}", hex::encode_upper(&r.atr)));
        }
        text.push('\n');
        list.push(json!({
            "index": r.index,
            "name": r.name,
            "card_present": r.card_present,
            "in_use": r.in_use,
            "atr": if r.card_present { Some(hex::encode_upper(&r.atr)) } else { None },
            "jpki": jpki,
        }));
    }
    Ok(Output { text, ..Default::default() }.field("readers", list))
}
