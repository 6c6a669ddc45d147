//! Certificate dates as the holder reads them: local time with the zone's
//! name, the renewal window, and the state in JSON. Through pcscd against
//! jpki-sim, whose certificates are re-issued to expire when a test says.

mod common;

use std::process::Command;

use common::*;
use jiff::civil::Date;
use jiff::tz::{offset, TimeZone};
use jiff::Timestamp;

/// `jpki` in a given time zone and language, its own locale variables unset.
fn local(sim: &Sim, tz: &str, lang: &str, args: &[&str]) -> Command {
    let mut cmd = sim.jpki();
    for var in ["LC_ALL", "LC_MESSAGES", "LANG", "JPKI_LANG", "TZDIR"] {
        cmd.env_remove(var);
    }
    cmd.env("TZ", tz).args(["--lang", lang]).args(args);
    cmd
}

fn unix(rfc3339: &str) -> i64 {
    rfc3339.parse::<Timestamp>().unwrap_or_else(|e| panic!("{rfc3339:?} is not RFC 3339: {e}")).as_second()
}

fn jst_date(at: i64) -> Date {
    Timestamp::from_second(at).unwrap().to_zoned_datetime(TimeZone::fixed(offset(9))).date()
}

/// notAfter of a certificate that `jpki-sim --cert-expires-in days` made:
/// 23:59:59 JST, `days` days after today in JST (either side of a midnight
/// that passed while the test ran).
fn assert_expiry(not_after: &str, days: i64, before: i64, after: i64) -> i64 {
    let at = unix(not_after);
    assert!(not_after.ends_with('Z') && not_after.contains('T'), "{not_after}");
    let end = |now: i64| {
        let day = jst_date(now).checked_add(jiff::Span::new().days(days)).unwrap();
        day.at(23, 59, 59, 0).to_zoned_datetime(TimeZone::fixed(offset(9))).unwrap().timestamp().as_second()
    };
    assert!(at == end(before) || at == end(after), "{not_after} for {days} days");
    at
}

/// 00:00 JST on the same day three months before the expiry's day in JST.
fn expected_renewal(not_after: i64) -> i64 {
    let day = jst_date(not_after).checked_sub(jiff::Span::new().months(3)).unwrap();
    day.to_zoned_datetime(TimeZone::fixed(offset(9))).unwrap().timestamp().as_second()
}

fn now() -> i64 {
    Timestamp::now().as_second()
}

/// A moment as `jpki` shows it in English (`2031-11-29 23:59:59 JST`) and
/// Japanese (`2031年11月29日 23:59`), in Tokyo and in UTC.
fn shown(at: i64, tz: &str, lang: &str) -> String {
    let zone = TimeZone::get(tz).unwrap();
    let t = Timestamp::from_second(at).unwrap().to_zoned_datetime(zone);
    match (lang, tz) {
        ("en", _) => t.strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        ("ja", "Asia/Tokyo") => t.strftime("%Y年%-m月%-d日 %H:%M").to_string(),
        _ => t.strftime("%Y年%-m月%-d日 %H:%M %Z").to_string(),
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn expiry_in_200_days_60_days_and_yesterday() {
    pcscd_test!();
    for (days, state) in [(200, "valid"), (60, "renewal_open"), (-1, "expired")] {
        let before = now();
        let sim = Sim::start(&["--cert-expires-in", &days.to_string()]);
        let after = now() + 5;

        // JSON: RFC 3339 in UTC, whatever the zone and language.
        let o = run(&mut local(&sim, "Asia/Tokyo", "ja", &["--json", "cert", "auth"]));
        assert_code(&o, 0);
        let summary = &json(&o)["summary"];
        let not_after = assert_expiry(summary["not_after"].as_str().unwrap(), days, before, after);
        let renewal = unix(summary["renewal_from"].as_str().unwrap());
        assert_eq!(renewal, expected_renewal(not_after), "{summary}");
        assert_eq!(summary["state"], state, "{days} days: {summary}");
        assert_eq!(summary["not_before"].as_str().map(|s| s.ends_with('Z')), Some(true), "{summary}");

        let mut cmd = local(&sim, "UTC", "en", &["--json", "status", "--certs", "--sign-cert"]);
        let o = run(cmd.env("JPKI_SIGN_PIN", SIGN_PIN));
        assert_code(&o, 0);
        let certs = &json(&o)["certificates"];
        for name in ["auth", "sign"] {
            assert_eq!(certs[format!("{name}_state")], state, "{certs}");
            assert_eq!(certs[format!("{name}_not_after")], summary["not_after"], "{certs}");
            assert_eq!(certs[format!("{name}_renewal_from")], summary["renewal_from"], "{certs}");
        }

        // Text: local time with the zone's name, the renewal date, what to do.
        for (tz, lang) in [("Asia/Tokyo", "en"), ("UTC", "en"), ("Asia/Tokyo", "ja"), ("UTC", "ja")] {
            let ctx = format!("{days} days, TZ={tz}, --lang {lang}");
            let o = run(&mut local(&sim, tz, lang, &["cert", "auth", "--details"]));
            assert_code(&o, 0);
            let text = stdout(&o);
            assert!(text.contains(&shown(not_after, tz, lang)), "{ctx}: {text}");
            let (label, fine, open, expired) = match lang {
                "en" => ("State:", "valid", "RENEWAL WINDOW OPEN", "EXPIRED: it cannot be used"),
                _ => ("状態:", "有効", "更新期間中です", "有効期限切れです"),
            };
            let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{ctx}: {text}"));
            let marks = [(state == "valid", fine), (state == "renewal_open", open), (state == "expired", expired)];
            for (expected, mark) in marks {
                let found =
                    if mark == fine { line.trim_end().ends_with(&format!(" {fine}")) } else { line.contains(mark) };
                assert_eq!(found, expected, "{ctx}: {mark:?} in\n{text}");
            }
            if state != "expired" {
                assert!(text.contains(&shown(renewal, tz, lang)), "{ctx}: the renewal date in\n{text}");
            }
            if state != "valid" {
                assert!(text.contains("市区町村の窓口"), "{ctx}: where to go, in\n{text}");
            }
            if lang == "ja" {
                assert!(!text.contains("JST") && !text.contains("days"), "{ctx}: English in\n{text}");
            }

            let mut cmd = local(&sim, tz, lang, &["status", "--certs", "--sign-cert"]);
            let o = run(cmd.env("JPKI_SIGN_PIN", SIGN_PIN));
            assert_code(&o, 0);
            let text = stdout(&o);
            let expiry = shown(not_after, tz, lang);
            let lines: Vec<&str> = text.lines().filter(|l| l.contains(&expiry) && !l.contains(open)).collect();
            assert_eq!(lines.len(), 2, "{ctx}: one expiry line per certificate in\n{text}");
            assert_eq!(text.contains(open), state == "renewal_open", "{ctx}: {text}");
            assert_eq!(text.contains(expired), state == "expired", "{ctx}: {text}");
        }
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn each_certificate_keeps_its_own_expiry() {
    pcscd_test!();
    let sim = Sim::start(&["--cert-expires-in", "auth=60", "--cert-expires-in", "sign=-1"]);
    let mut cmd = local(&sim, "Asia/Tokyo", "en", &["--json", "status", "--certs", "--sign-cert"]);
    let o = run(cmd.env("JPKI_SIGN_PIN", SIGN_PIN));
    assert_code(&o, 0);
    let certs = &json(&o)["certificates"];
    assert_eq!((certs["auth_state"].as_str(), certs["sign_state"].as_str()), (Some("renewal_open"), Some("expired")));

    // The local zone's name in text, with the expiry of each.
    let o = run(local(&sim, "Asia/Tokyo", "en", &["status", "--certs", "--sign-cert"]).env("JPKI_SIGN_PIN", SIGN_PIN));
    let text = stdout(&o);
    for name in ["auth", "sign"] {
        let at = unix(certs[format!("{name}_not_after")].as_str().unwrap());
        assert!(text.contains(&format!("expires {}", shown(at, "Asia/Tokyo", "en"))), "{name}: {text}");
    }
    assert!(text.contains(" 23:59:59 JST"), "{text}");

    // `check` gives the dates of the certificate in the signature the same way.
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data.txt");
    std::fs::write(&data, b"dated\n").unwrap();
    let data = data.to_str().unwrap();
    for (key, pin) in [("auth", AUTH_PIN), ("sign", SIGN_PIN)] {
        let cms = work.path().join(format!("{key}.p7s"));
        let cms = cms.to_str().unwrap();
        let o = run(&mut sim.with_pin(pin, &["sign", "--key", key, "--cms", "-o", cms, data]));
        assert_code(&o, 0);
        let at = unix(certs[format!("{key}_not_after")].as_str().unwrap());
        let o = run(&mut local(&sim, "Asia/Tokyo", "ja", &["check", "--cms", cms, data]));
        let (code, said) = match key {
            "auth" => (0, format!("正しい CMS 署名です\n(証明書の有効期限 {}。", shown(at, "Asia/Tokyo", "ja"))),
            _ => (9, format!("証明書は {} に有効期限が切れています", shown(at, "Asia/Tokyo", "ja"))),
        };
        assert_code(&o, code);
        let text = stdout(&o) + &stderr(&o);
        assert!(text.contains(&said), "{key}: {said:?} in {text}");
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn the_signing_certificate_says_a_move_revokes_it() {
    pcscd_test!();
    let sim = Sim::start(&[]);
    for (lang, address, note) in
        [("en", "Address", "revoked automatically when you move"), ("ja", "住所", "転居や氏名の変更をすると")]
    {
        let o = run(local(&sim, "Asia/Tokyo", lang, &["cert", "sign", "--details"]).env("JPKI_SIGN_PIN", SIGN_PIN));
        assert_code(&o, 0);
        let text = stdout(&o);
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().rposition(|l| l.trim_start().starts_with(address)).expect("the address line");
        let noted = lines.iter().position(|l| l.contains(note)).unwrap_or_else(|| panic!("{lang}: {text}"));
        assert!(noted > at && noted <= at + 2, "{lang}: the note next to the address:\n{text}");
    }
    // The auth certificate has no address, and no such note.
    let o = run(&mut local(&sim, "Asia/Tokyo", "en", &["cert", "auth", "--details"]));
    assert!(!stdout(&o).contains("revoked"), "{}", stdout(&o));
}
