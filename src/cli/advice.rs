//! The way out of a blocked or forgotten PIN, in words: one wording for
//! `status`, the blocked error, the last-try question and `pin --help`.
//! The facts and their sources are in the README ("A blocked or forgotten PIN").

use jpki::card::{OfficeOnly, Unlock};
use jpki::pin::PinKind;
use serde_json::{json, Value};

use super::i18n::{pick, tr};

/// A PIN's name in the current language (the official Japanese term).
pub fn pin_name(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => pick(kind.description(), "利用者証明用暗証番号"),
        PinKind::Sign => pick(kind.description(), "署名用パスワード"),
        PinKind::CardInfo => pick(kind.description(), "券面事項入力補助用暗証番号"),
    }
}

/// The rule a PIN of `kind` follows, in the current language.
pub fn pin_rule(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth | PinKind::CardInfo => pick(kind.rule(), "数字4桁"),
        PinKind::Sign => pick(kind.rule(), "英数字6〜16文字 (英字は大文字)"),
    }
}

/// The stores whose kiosks reset `kind` (J-LIS's list of participating stores).
fn kiosk_stores(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => pick("Seven-Eleven and some AEON stores", "セブン-イレブン、一部のイオン等"),
        _ => pick(
            "Seven-Eleven, Lawson, FamilyMart, Ministop and others",
            "セブン-イレブン、ローソン、ファミリーマート、ミニストップ等",
        ),
    }
}

fn office() -> String {
    tr!(
        "your municipal office (市区町村の窓口) can reset it (bring the card and an identity document)",
        "市区町村の窓口で初期化・再設定できます (カードと本人確認書類を持参)"
    )
}

/// What a holder who blocked or forgot `kind` can do, as whole sentences.
pub fn sentence(kind: PinKind, unlock: Unlock) -> String {
    let office = office();
    match unlock {
        Unlock::Kiosk { needs } => {
            let (stores, needs) = (kiosk_stores(kind), pin_name(needs));
            tr!(
                "A convenience-store kiosk can reset it (free, 6:30–23:00; {stores}). First reserve with the \
                 smartphone app 「JPKI暗証番号リセット」. Within 24 hours, take the card to the kiosk; you will need \
                 your {needs} there. Your municipal office (市区町村の窓口) can too.",
                "コンビニ等のキオスク端末で初期化・再設定できます。対応店舗: {stores} (無料、6時30分〜23時)。\
                 先にスマートフォンアプリ「JPKI暗証番号リセット」で予約してください。予約から24時間以内に、\
                 カードを持って店舗へ行ってください。その際に{needs}が必要です。市区町村の窓口でもできます。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherBlocked(other) } => {
            let other = pin_name(other);
            tr!(
                "Your {other} is blocked too, so no convenience-store kiosk can reset it. Only {office}.",
                "{other}もロックされているため、コンビニでは初期化できません。{office}。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherNotInUse(other) } => {
            let other = pin_name(other);
            tr!(
                "This card has no signing certificate, so the convenience-store kiosk reset, which asks for the \
                 {other}, is not open to it. Only {office}.",
                "このカードには署名用電子証明書がないため、{other}を使うコンビニでの初期化はできません。{office}。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherUnknown(other) } => {
            // Here the office begins its sentence.
            let (other, office) = (pin_name(other), recase_first(&office, true));
            tr!(
                "The {other}, which a convenience-store kiosk reset asks for, could not be read. {office}. If the \
                 {other} works, a kiosk can reset it too, after a reservation with the smartphone app \
                 「JPKI暗証番号リセット」.",
                "コンビニでの初期化に必要な{other}の状態を読めませんでした。{office}。{other}が使えれば、\
                 スマートフォンアプリ「JPKI暗証番号リセット」で予約してコンビニ等のキオスク端末でも初期化できます。"
            )
        }
        Unlock::Office { because: OfficeOnly::NoKiosk } => {
            tr!("No convenience-store kiosk resets it. Only {office}.", "コンビニでは初期化できません。{office}。")
        }
        Unlock::SmartphoneApp => {
            let card_password = match kind {
                PinKind::Sign => {
                    pick(" and asks for the card's own signing password", "。カードの署名用パスワードも必要です")
                }
                _ => "",
            };
            tr!(
                "This is the smartphone certificate (スマホ用電子証明書): the マイナポータル app on the phone resets \
                 it (パスワード初期化); it reads your My Number Card{card_password}.",
                "スマホ用電子証明書のパスワードは、スマートフォンのマイナポータルアプリで初期化できます \
                 (マイナンバーカードを読み取ります{card_password})。"
            )
        }
    }
}

/// The way out for a PIN at its last try: one wording for `status`, the
/// errors, the last-try question and `doctor`.
pub fn if_forgotten(kind: PinKind, unlock: Unlock) -> String {
    // The sentence goes on after the colon, so in English it starts in lower case.
    let way = recase_first(&sentence(kind, unlock), false);
    tr!("If you forget it: {way}", "忘れた場合: {way}")
}

/// `s` with its first letter in upper or lower case (no change to Japanese).
fn recase_first(s: &str, upper: bool) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if upper => c.to_uppercase().chain(chars).collect(),
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Advice of several sentences, one sentence a line, each line after the
/// first starting with `indent`: a whole paragraph on one line is hard to
/// read at a terminal, and Japanese has no spaces where a terminal could break it.
pub fn by_sentence(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(end) = sentence_end(rest) {
        let (sentence, after) = rest.split_at(end);
        out.push_str(sentence.trim_end());
        out.push('\n');
        out.push_str(indent);
        rest = after.trim_start();
    }
    out.push_str(rest);
    out
}

/// Where the first sentence of `text` ends, when more text follows it.
fn sentence_end(text: &str) -> Option<usize> {
    let ja = text.find('。').map(|i| i + '。'.len_utf8());
    let en = text.find(". ").map(|i| i + 1);
    [ja, en].into_iter().flatten().filter(|&i| !text[i..].trim().is_empty()).min()
}

/// The way as JSON, the same in every language: `{"way": "kiosk", "needs":
/// "auth"}` or `{"way": "office", "because": "other_blocked", "other": "sign"}`.
pub fn json(unlock: Unlock) -> Value {
    let office = |because: &str, other: Option<PinKind>| match other {
        Some(other) => json!({"way": "office", "because": because, "other": other.name()}),
        None => json!({"way": "office", "because": because}),
    };
    match unlock {
        Unlock::Kiosk { needs } => json!({"way": unlock.way(), "needs": needs.name()}),
        Unlock::Office { because: OfficeOnly::OtherBlocked(o) } => office("other_blocked", Some(o)),
        Unlock::Office { because: OfficeOnly::OtherNotInUse(o) } => office("other_not_in_use", Some(o)),
        Unlock::Office { because: OfficeOnly::OtherUnknown(o) } => office("other_unknown", Some(o)),
        Unlock::Office { because: OfficeOnly::NoKiosk } => office("no_kiosk", None),
        Unlock::SmartphoneApp => json!({"way": unlock.way()}),
    }
}

/// For `pin --help`: every case, since no card is read there.
pub fn help() -> String {
    let [auth, sign, cardinfo] = [PinKind::Auth, PinKind::Sign, PinKind::CardInfo];
    let kiosk = |kind, needs| sentence(kind, Unlock::Kiosk { needs });
    // No card is read here, so the other PIN's state is a condition.
    let blocked_too = |other| {
        let (other, office) = (pin_name(other), office());
        tr!(
            "If your {other} is blocked or forgotten too, no convenience-store kiosk can reset it. Only {office}.",
            "{other}もロックされている、または忘れた場合は、コンビニでは初期化できません。{office}。"
        )
    };
    let head = pick(
        "A BLOCKED or forgotten PIN cannot be reset with jpki. `jpki status` shows which way is open to you:",
        "ロックされた、または忘れた暗証番号は jpki では初期化できません。どの方法が使えるかは `jpki status` で分かります:",
    );
    let office_only = Unlock::Office { because: OfficeOnly::NoKiosk };
    let (ks, bs) = (kiosk(sign, auth), blocked_too(auth));
    let (ka, ba, kc) = (kiosk(auth, sign), blocked_too(sign), sentence(cardinfo, office_only));
    // Each name heads its paragraph.
    let [sign, auth, cardinfo] = [sign, auth, cardinfo].map(|kind| recase_first(pin_name(kind), true));
    // Japanese goes one sentence a line: clap breaks lines at spaces only.
    let para = |name: String, text: String| match super::i18n::lang() {
        super::i18n::Lang::Ja => format!("{name}:\n{}", by_sentence(&text, "")),
        super::i18n::Lang::En => format!("{name}: {text}"),
    };
    let (sign, auth, cardinfo) =
        (para(sign, format!("{ks} {bs}")), para(auth, format!("{ka} {ba}")), para(cardinfo, kc));
    let phone = para(
        pick("The smartphone certificate (スマホ用電子証明書)", "スマホ用電子証明書").to_string(),
        pick(
            "Neither a kiosk nor the office resets its passwords; the マイナポータル app on the phone does \
             (パスワード初期化), reading your My Number Card.",
            "パスワードはキオスク端末でも窓口でもなく、スマートフォンのマイナポータルアプリで初期化します \
             (マイナンバーカードを読み取ります)。",
        )
        .to_string(),
    );
    format!("{head}\n\n{sign}\n\n{auth}\n\n{cardinfo}\n\n{phone}")
}

#[cfg(test)]
mod tests {
    use super::super::i18n::{set_for_this_thread, Lang};
    use super::*;

    #[test]
    fn each_way_is_worded_in_both_languages_and_the_json_stays_the_same() {
        let cases = [
            (PinKind::Sign, Unlock::Kiosk { needs: PinKind::Auth }, "auth PIN", "利用者証明用暗証番号が必要"),
            (PinKind::Auth, Unlock::Kiosk { needs: PinKind::Sign }, "signing password", "署名用パスワードが必要"),
            (
                PinKind::Sign,
                Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Auth) },
                "is blocked too",
                "もロックされている",
            ),
            (
                PinKind::Auth,
                Unlock::Office { because: OfficeOnly::OtherNotInUse(PinKind::Sign) },
                "no signing certificate",
                "署名用電子証明書がない",
            ),
            (
                PinKind::Sign,
                Unlock::Office { because: OfficeOnly::OtherUnknown(PinKind::Auth) },
                "could not be read",
                "読めませんでした",
            ),
            (
                PinKind::CardInfo,
                Unlock::Office { because: OfficeOnly::NoKiosk },
                "No convenience-store",
                "コンビニでは",
            ),
        ];
        for (kind, unlock, en, ja) in cases {
            set_for_this_thread(Lang::En);
            let (text, en_json) = (sentence(kind, unlock), json(unlock));
            assert!(text.contains(en), "{text}");
            assert!(text.contains("municipal office (市区町村の窓口)") && text.ends_with('.'), "{text}");
            set_for_this_thread(Lang::Ja);
            let text = sentence(kind, unlock);
            assert!(text.contains(ja) && text.contains("市区町村の窓口") && text.ends_with('。'), "{text}");
            assert!(!text.chars().any(|c| c.is_ascii_alphabetic() && !"JPKI".contains(c)), "{text}");
            assert_eq!(json(unlock), en_json);
        }
        // The smartphone certificate: its app, never a kiosk or the office.
        for (kind, en, ja) in [
            (PinKind::Auth, "reads your My Number Card.", "読み取ります)。"),
            (PinKind::Sign, "the card's own signing password.", "署名用パスワードも必要です)。"),
        ] {
            set_for_this_thread(Lang::En);
            let text = sentence(kind, Unlock::SmartphoneApp);
            assert!(text.contains("マイナポータル app") && text.ends_with(en), "{text}");
            assert!(!text.contains("kiosk") && !text.contains("office"), "{text}");
            set_for_this_thread(Lang::Ja);
            let text = sentence(kind, Unlock::SmartphoneApp);
            assert!(text.contains("マイナポータルアプリ") && text.ends_with(ja), "{text}");
            assert!(!text.contains("コンビニ") && !text.contains("窓口"), "{text}");
        }
        set_for_this_thread(Lang::En);
        assert_eq!(json(Unlock::SmartphoneApp), json!({"way": "smartphone_app"}));
        assert_eq!(json(Unlock::Kiosk { needs: PinKind::Auth }), json!({"way": "kiosk", "needs": "auth"}));
        let blocked = json(Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Sign) });
        assert_eq!(blocked, json!({"way": "office", "because": "other_blocked", "other": "sign"}));
    }

    #[test]
    fn advice_goes_one_sentence_a_line_and_the_last_keeps_its_stop() {
        assert_eq!(by_sentence("A (6:30–23:00). B: c. D.", "  "), "A (6:30–23:00).\n  B: c.\n  D.");
        assert_eq!(by_sentence("一です。二です (三)。", "> "), "一です。\n> 二です (三)。");
        assert_eq!(by_sentence("One sentence.", "  "), "One sentence.");
        assert_eq!(by_sentence("", "  "), "");
    }

    #[test]
    fn the_last_try_advice_goes_on_in_lower_case_after_its_colon() {
        let kiosk = Unlock::Kiosk { needs: PinKind::Auth };
        set_for_this_thread(Lang::En);
        assert!(if_forgotten(PinKind::Sign, kiosk).starts_with("If you forget it: a convenience-store kiosk"));
        let office = Unlock::Office { because: OfficeOnly::OtherBlocked(PinKind::Sign) };
        assert!(if_forgotten(PinKind::Auth, office).starts_with("If you forget it: your signing password"));
        // Each sentence starts with a capital and the office is never an afterthought after a colon.
        let unknown = sentence(PinKind::Sign, Unlock::Office { because: OfficeOnly::OtherUnknown(PinKind::Auth) });
        assert!(unknown.contains("could not be read. Your municipal office"), "{unknown}");
        assert!(!help().contains(": only") && !help().contains(". your"), "{}", help());
        set_for_this_thread(Lang::Ja);
        assert!(if_forgotten(PinKind::Sign, kiosk).starts_with("忘れた場合: コンビニ等のキオスク端末"));
        set_for_this_thread(Lang::En);
    }
}
