//! `jpki readers`

use jpki::card::Device;
use jpki::pcsc::Pcsc;
use jpki::transport::TransportError;
use jpki::Error;
use serde_json::json;

use super::exit::Failure;
use super::i18n::{pick, tr};
use super::output::{one_line, Output};
use super::Global;

/// What answered on the JPKI applet, in words: the card, or the smartphone
/// certificate (スマホ用電子証明書), which an NFC reader sees as a card.
pub fn device_text(device: &Device) -> String {
    match device {
        Device::MyNumberCard => pick("My Number Card", "マイナンバーカード").to_string(),
        Device::JukiCard => {
            pick("住基カード (the older Basic Resident Registry card)", "住基カード (旧住民基本台帳カード)").to_string()
        }
        Device::Android => {
            pick("smartphone (スマホ用電子証明書), Android", "スマートフォン (スマホ用電子証明書)、Android").to_string()
        }
        Device::Iphone => {
            pick("smartphone (スマホ用電子証明書), iPhone", "スマートフォン (スマホ用電子証明書)、iPhone").to_string()
        }
        Device::Unknown(label) if label.is_empty() => {
            pick("unknown token (its token file is unreadable)", "不明なトークン (トークン情報ファイルを読めません)")
                .to_string()
        }
        // The label is card data: escaped so it keeps to its line.
        Device::Unknown(label) => {
            let label = one_line(label);
            tr!("unknown token \"{label}\"", "不明なトークン「{label}」")
        }
    }
}

pub fn run(_global: &Global) -> Result<Output, Failure> {
    let pcsc = Pcsc::establish()?;
    let readers = pcsc.readers()?;
    let mut text = String::new();
    let mut list = Vec::new();
    if readers.is_empty() {
        text.push_str(pick("No readers found.\n", "リーダーが見つかりません。\n"));
    }
    for r in &readers {
        // Found by SELECT of the applet, never by ATR; then its token file
        // says whether a card or a smartphone answered.
        let probe = if !r.card_present {
            None
        } else {
            match jpki::discovery::probe_device(&pcsc, r) {
                Ok(found) => Some(found),
                Err(Error::Transport(TransportError::Busy)) => None,
                Err(e) => {
                    log::debug!("probe of {}: {e}", r.name);
                    None
                }
            }
        };
        let card = match (r.card_present, &probe, r.in_use) {
            (false, _, _) => pick("no card", "カードなし").to_string(),
            (true, Some(Some(device)), _) => {
                let device = device_text(device);
                tr!("{device} (JPKI applet found)", "{device} (公的個人認証APあり)")
            }
            (true, Some(None), _) => pick("card without the JPKI applet", "公的個人認証APのないカード").to_string(),
            (true, None, true) => pick("card in use by another program", "他のプログラムが使用中のカード").to_string(),
            (true, None, false) => pick("card not answering", "カードが応答しません").to_string(),
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
            "jpki": probe.as_ref().map(Option::is_some),
            "device": probe.as_ref().and_then(|p| p.as_ref().map(Device::id)),
        }));
    }
    Ok(Output { text, ..Default::default() }.field("readers", list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_smartphone_is_named_as_such_and_an_odd_label_keeps_to_its_line() {
        super::super::i18n::set_for_this_thread(super::super::i18n::Lang::En);
        assert!(device_text(&Device::Android).starts_with("smartphone (スマホ用電子証明書)"));
        assert!(device_text(&Device::Iphone).contains("iPhone"));
        let odd = device_text(&Device::Unknown("EVIL\nJPKI applet found".into()));
        assert!(!odd.contains('\n'), "{odd}");
        super::super::i18n::set_for_this_thread(super::super::i18n::Lang::Ja);
        assert!(device_text(&Device::Android).starts_with("スマートフォン (スマホ用電子証明書)"));
    }
}
