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
                "A convenience-store kiosk can reset it (free, 6:30–23:00; {stores}): reserve within the 24 hours \
                 before with the smartphone app 「JPKI暗証番号リセット」, then bring the card and your {needs}. Your \
                 municipal office (市区町村の窓口) can too.",
                "コンビニ等のキオスク端末で初期化・再設定できます (無料、6時30分〜23時、{stores})。24時間以内に\
                 スマートフォンアプリ「JPKI暗証番号リセット」で予約し、カードと{needs}を持って行ってください。\
                 市区町村の窓口でもできます。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherBlocked(other) } => {
            let other = pin_name(other);
            tr!(
                "Your {other} is blocked too, so no convenience-store kiosk can reset it: only {office}.",
                "{other}もロックされているため、コンビニでは初期化できません。{office}。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherNotInUse(other) } => {
            let other = pin_name(other);
            tr!(
                "This card has no signing certificate, so the convenience-store kiosk reset, which asks for the \
                 {other}, is not open to it: only {office}.",
                "このカードには署名用電子証明書がないため、{other}を使うコンビニでの初期化はできません。{office}。"
            )
        }
        Unlock::Office { because: OfficeOnly::OtherUnknown(other) } => {
            let other = pin_name(other);
            tr!(
                "The {other}, which a convenience-store kiosk reset asks for, could not be read: {office}. If the \
                 {other} works, a kiosk can reset it too, after a reservation with the smartphone app \
                 「JPKI暗証番号リセット」.",
                "コンビニでの初期化に必要な{other}の状態を読めませんでした。{office}。{other}が使えれば、\
                 スマートフォンアプリ「JPKI暗証番号リセット」で予約してコンビニ等のキオスク端末でも初期化できます。"
            )
        }
        Unlock::Office { because: OfficeOnly::NoKiosk } => {
            tr!("No convenience-store kiosk resets it: only {office}.", "コンビニでは初期化できません。{office}。")
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
    let blocked_too = |kind, other| sentence(kind, Unlock::Office { because: OfficeOnly::OtherBlocked(other) });
    let head = pick(
        "A BLOCKED or forgotten PIN cannot be reset with jpki. `jpki status` shows which way is open to you:",
        "ロックされた、または忘れた暗証番号は jpki では初期化できません。どの方法が使えるかは `jpki status` で分かります:",
    );
    let office_only = Unlock::Office { because: OfficeOnly::NoKiosk };
    let (ks, bs) = (kiosk(sign, auth), blocked_too(sign, auth));
    let (ka, ba, kc) = (kiosk(auth, sign), blocked_too(auth, sign), sentence(cardinfo, office_only));
    let (sign, auth, cardinfo) = (pin_name(sign), pin_name(auth), pin_name(cardinfo));
    let phone = pick(
        "The smartphone certificate (スマホ用電子証明書): neither a kiosk nor the office resets its passwords; the \
         マイナポータル app on the phone does (パスワード初期化), reading your My Number Card.",
        "スマホ用電子証明書: パスワードはキオスク端末でも窓口でもなく、スマートフォンのマイナポータルアプリで初期化します \
         (マイナンバーカードを読み取ります)。",
    );
    format!("{head}\n\n{sign}: {ks} {bs}\n\n{auth}: {ka} {ba}\n\n{cardinfo}: {kc}\n\n{phone}")
}

#[cfg(test)]
mod tests {
    use super::super::i18n::{set_for_this_thread, Lang};
    use super::*;

    #[test]
    fn each_way_is_worded_in_both_languages_and_the_json_stays_the_same() {
        let cases = [
            (PinKind::Sign, Unlock::Kiosk { needs: PinKind::Auth }, "auth PIN", "利用者証明用暗証番号を持って"),
            (PinKind::Auth, Unlock::Kiosk { needs: PinKind::Sign }, "signing password", "署名用パスワードを持って"),
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
}
