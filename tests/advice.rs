//! The way out of a blocked or forgotten PIN, from the card's own counters:
//! in `status`, the blocked error, the last-try refusal and a wrong PIN, in
//! English and Japanese, text and JSON. Through pcscd against jpki-sim.

mod common;

use std::process::Command;

use common::*;
use serde_json::{json, Value};

/// `jpki` in English or Japanese, whatever the test's own locale: by `--lang`
/// or by the locale, as a user would set either.
fn lang(mut cmd: Command, ja: bool, by_locale: bool) -> Command {
    for var in ["JPKI_LANG", "LC_ALL", "LC_MESSAGES"] {
        cmd.env_remove(var);
    }
    cmd.env("LANG", if ja && by_locale { "ja_JP.UTF-8" } else { "C.UTF-8" });
    if ja && !by_locale {
        cmd.args(["--lang", "ja"]);
    }
    cmd
}

fn pin<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["pins"].as_array().unwrap().iter().find(|p| p["pin"] == name).unwrap_or_else(|| panic!("{name}: {doc}"))
}

const KIOSK_EN: &str = "smartphone app 「JPKI暗証番号リセット」";
const KIOSK_JA: &str = "スマートフォンアプリ「JPKI暗証番号リセット」で予約し";

/// Both languages of `status`: the JSON is the same, the advice is in each
/// language's text next to its counter. Returns the JSON.
fn status_both_ways(sim: &Sim, en: &[&str], ja: &[&str]) -> Value {
    let o = run(lang(sim.jpki(), false, false).args(["--json", "status"]));
    assert_code(&o, 0);
    let doc = json(&o);
    assert_eq!(doc["schema_version"], 6);
    for by_locale in [false, true] {
        let o = run(lang(sim.jpki(), true, by_locale).args(["--json", "status"]));
        assert_eq!(json(&o)["pins"], doc["pins"], "JSON must not change with the language");
    }
    let text = stdout(&run(lang(sim.jpki(), false, false).arg("status")));
    for want in en {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
    let text = stdout(&run(lang(sim.jpki(), true, true).arg("status")));
    for want in ja {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
    assert!(!text.contains("convenience") && !text.contains("municipal"), "English in Japanese:\n{text}");
    doc
}

/// `verify KIND` refused or failed with `code`: the failure's `unlock`, and
/// the English and Japanese hints containing `en` and `ja`.
fn failure(sim: &Sim, args: &[&str], pin: &str, code: i32, en: &str, ja: &str) -> Value {
    let mut base = vec!["--json"];
    base.extend(args);
    let o = run(&mut lang(sim.with_pin(pin, &base), false, false));
    assert_code(&o, code);
    let doc = json(&o);
    let o = run(&mut lang(sim.with_pin(pin, args), false, false));
    assert!(stderr(&o).contains(en), "missing {en:?}: {}", stderr(&o));
    let o = run(&mut lang(sim.with_pin(pin, args), true, true));
    assert!(stderr(&o).contains(ja), "missing {ja:?}: {}", stderr(&o));
    assert!(!stderr(&o).contains("convenience"), "English in Japanese: {}", stderr(&o));
    doc["error"]["unlock"].clone()
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_blocked_signing_password_with_a_usable_auth_pin_goes_to_the_kiosk() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "sign=0"]);
    let doc = status_both_ways(
        &sim,
        &[KIOSK_EN, "you will need your auth PIN (利用者証明用暗証番号) there"],
        &[KIOSK_JA, "その際に利用者証明用暗証番号が必要です"],
    );
    assert_eq!(pin(&doc, "sign")["unlock"], json!({"way": "kiosk", "needs": "auth"}));
    assert_eq!(pin(&doc, "auth").get("unlock"), None, "a usable PIN needs no advice: {doc}");
    // The blocked error: nothing sent but the two free retry queries.
    let before = sim.apdu_count();
    let unlock = failure(&sim, &["verify", "sign"], SIGN_PIN, 5, KIOSK_EN, KIOSK_JA);
    assert_eq!(unlock, json!({"way": "kiosk", "needs": "auth"}));
    assert_eq!(verifies_with_data(&sim.apdus_since(before)).len(), 0);
    assert_eq!(sim.tries_left("auth"), AUTH_TRIES);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_blocked_auth_pin_with_a_usable_signing_password_goes_to_the_kiosk() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=0"]);
    let doc = status_both_ways(
        &sim,
        &[
            KIOSK_EN,
            "you will need your signing password (署名用パスワード) there",
            "Seven-Eleven and some AEON stores",
        ],
        &[KIOSK_JA, "その際に署名用パスワードが必要です"],
    );
    assert_eq!(pin(&doc, "auth")["unlock"], json!({"way": "kiosk", "needs": "sign"}));
    let unlock = failure(&sim, &["verify", "auth"], AUTH_PIN, 5, KIOSK_EN, KIOSK_JA);
    assert_eq!(unlock, json!({"way": "kiosk", "needs": "sign"}));
    assert_eq!(sim.tries_left("sign"), SIGN_TRIES);
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn both_jpki_pins_blocked_leave_only_the_office() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=0", "--set-tries", "sign=0"]);
    let doc = status_both_ways(
        &sim,
        &["is blocked too, so no convenience-store kiosk can reset it", "municipal office (市区町村の窓口)"],
        &["もロックされているため、コンビニでは初期化できません", "市区町村の窓口"],
    );
    assert_eq!(pin(&doc, "auth")["unlock"], json!({"way": "office", "because": "other_blocked", "other": "sign"}));
    assert_eq!(pin(&doc, "sign")["unlock"], json!({"way": "office", "because": "other_blocked", "other": "auth"}));
    let text = stdout(&run(lang(sim.jpki(), false, false).arg("status")));
    assert!(!text.contains(KIOSK_EN), "no kiosk reservation when no kiosk can help:\n{text}");
    let unlock = failure(&sim, &["verify", "sign"], SIGN_PIN, 5, "is blocked too", "もロックされている");
    assert_eq!(unlock, json!({"way": "office", "because": "other_blocked", "other": "auth"}));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn a_blocked_card_info_pin_goes_to_the_office_only() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "cardinfo=0"]);
    let doc = status_both_ways(
        &sim,
        &["No convenience-store kiosk resets it.\n  Only your municipal office (市区町村の窓口)"],
        // One sentence a line.
        &["コンビニでは初期化できません。\n  市区町村の窓口で初期化・再設定できます"],
    );
    assert_eq!(pin(&doc, "cardinfo")["unlock"], json!({"way": "office", "because": "no_kiosk"}));
    let unlock =
        failure(&sim, &["card-info"], CARDINFO_PIN, 5, "No convenience-store kiosk", "コンビニでは初期化できません");
    assert_eq!(unlock, json!({"way": "office", "because": "no_kiosk"}));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_last_try_of_each_pin_comes_with_its_way_out() {
    pcscd_test!();
    let sim = Sim::start(&["--set-tries", "auth=1", "--set-tries", "sign=1", "--set-tries", "cardinfo=1"]);
    let doc = status_both_ways(
        &sim,
        &[
            "a wrong PIN now blocks it",
            "If you forget it: a convenience-store kiosk",
            "If you forget it: no convenience-store",
        ],
        &[
            "次に間違えるとロックされます",
            "忘れた場合: コンビニ等のキオスク端末",
            "忘れた場合: コンビニでは初期化できません",
        ],
    );
    for (name, unlock) in [
        ("auth", json!({"way": "kiosk", "needs": "sign"})),
        ("sign", json!({"way": "kiosk", "needs": "auth"})),
        ("cardinfo", json!({"way": "office", "because": "no_kiosk"})),
    ] {
        assert_eq!((pin(&doc, name)["tries_left"].clone(), pin(&doc, name)["unlock"].clone()), (json!(1), unlock));
    }
    // Refused without --force and without a terminal to ask: nothing spent.
    for (which, pin, needs) in [("sign", SIGN_PIN, "auth"), ("auth", AUTH_PIN, "sign")] {
        let unlock =
            failure(&sim, &["verify", which], pin, 5, "--force. If you forget it: a convenience-store kiosk", KIOSK_JA);
        assert_eq!(unlock, json!({"way": "kiosk", "needs": needs}));
    }
    let unlock = failure(
        &sim,
        &["card-info"],
        CARDINFO_PIN,
        5,
        "If you forget it: no convenience-store",
        "忘れた場合: コンビニでは",
    );
    assert_eq!(unlock, json!({"way": "office", "because": "no_kiosk"}));
    assert_eq!((sim.tries_left("auth"), sim.tries_left("sign"), sim.tries_left("cardinfo")), (1, 1, 1));
    // A wrong auth PIN with --force blocks it; the signing password, at its
    // last try but usable, still opens the kiosk.
    let o = run(&mut lang(sim.with_pin("9999", &["--json", "verify", "auth", "--force"]), false, false));
    assert_code(&o, 4);
    let error = &json(&o)["error"];
    assert_eq!(
        (error["tries_left"].clone(), error["unlock"].clone()),
        (json!(0), json!({"way": "kiosk", "needs": "sign"}))
    );
    assert!(error["hint"].as_str().unwrap().contains(KIOSK_EN), "{error}");
    // Now the signing password's own way out names the blocked auth PIN.
    let o = run(&mut lang(sim.with_pin(SIGN_PIN, &["--json", "verify", "sign"]), false, false));
    assert_code(&o, 5);
    assert_eq!(json(&o)["error"]["unlock"], json!({"way": "office", "because": "other_blocked", "other": "auth"}));
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn plain_status_shows_the_three_pins_the_holder_set_and_all_adds_the_matching_numbers() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    let names = |args: &[&str]| -> Vec<String> {
        let doc = json(&run(lang(sim.jpki(), false, false).args(args)));
        doc["pins"].as_array().unwrap().iter().map(|p| p["pin"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&["--json", "status"]), ["auth", "sign", "cardinfo"]);
    let all = names(&["--json", "status", "--all"]);
    assert_eq!(all, ["auth", "sign", "cardinfo", "cardinfo-a", "cardinfo-b", "visual-a", "visual-b"]);
    assert_eq!(names(&["--json", "status", "--jpki-only"]), ["auth", "sign"]);
    for ja in [false, true] {
        let text = stdout(&run(lang(sim.jpki(), ja, true).arg("status")));
        assert!(!text.contains("照合番号"), "{text}");
        let text = stdout(&run(lang(sim.jpki(), ja, true).args(["status", "--all"])));
        assert_eq!(text.matches("照合番号").count(), 4, "{text}");
    }
    // The value column starts at the same terminal cell on every line, in both languages.
    for ja in [false, true] {
        let text = stdout(&run(lang(sim.jpki(), ja, true).args(["status", "--all"])));
        // After the reader and device lines.
        let cells: Vec<usize> = text.lines().skip(2).map(value_cell).collect();
        assert!(cells.windows(2).all(|w| w[0] == w[1]), "{cells:?}\n{text}");
    }
}

/// The terminal cell where a status line's value begins: after the label,
/// its colon and its padding (full-width characters take two cells).
fn value_cell(line: &str) -> usize {
    let colon = line.find(':').expect("a label");
    let pad = line[colon + 1..].chars().take_while(|c| *c == ' ').count();
    line[..=colon].chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>() + pad
}

#[test]
fn pin_help_gives_every_way_out_in_both_languages() {
    for args in [&["pin", "--help"][..], &["pin", "change", "--help"]] {
        // clap wraps English at the terminal's width: compare with single spaces.
        let help = stdout(&run(lang(jpki(), false, false).args(args))).split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "A BLOCKED or forgotten PIN cannot be reset with jpki",
            KIOSK_EN,
            "you will need your auth PIN (利用者証明用暗証番号) there",
            "you will need your signing password (署名用パスワード) there",
            "If your signing password (署名用パスワード) is blocked or forgotten too, no convenience-store kiosk can",
            "If your auth PIN (利用者証明用暗証番号) is blocked or forgotten too, no convenience-store kiosk can",
            "Card-info PIN (券面事項入力補助用暗証番号): No convenience-store kiosk resets it",
            "The smartphone certificate (スマホ用電子証明書): Neither a kiosk nor the office",
        ] {
            assert!(help.contains(want), "{args:?}: missing {want:?}:\n{help}");
        }
        let help = stdout(&run(lang(jpki(), true, true).args(args)));
        for want in [
            KIOSK_JA,
            "その際に利用者証明用暗証番号が必要です",
            "署名用パスワードもロックされている、または忘れた場合は、コンビニでは初期化できません",
            "券面事項入力補助用暗証番号: コンビニでは初期化できません",
            "スマホ用電子証明書: パスワードはキオスク端末でも窓口でもなく、スマートフォンのマイナポータルアプリで初期化します",
        ] {
            // clap wraps Japanese at its few spaces: compare without them.
            let unwrapped: String = help.split_whitespace().collect();
            let want: String = want.split_whitespace().collect();
            assert!(unwrapped.contains(&want), "{args:?}: missing {want:?}:\n{help}");
        }
    }
}
