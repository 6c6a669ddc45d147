//! `jpki status`: the retry counters, read without spending a try.

use clap::Args;
use jpki::apdu::StatusWord;
use jpki::card::{CertKind, Counter, CounterReading, Counters, PinState, StatusRequest, Unlock};
use jpki::cert::CertSummary;
use jpki::pcsc::Access;
use jpki::pin::PinKind;
use jpki::Error;
use serde_json::{json, Value};

use super::advice::{self, pin_name};
use super::cert::unix_now;
use super::exit::Failure;
use super::i18n::{pick, tr};
use super::output::{one_line, Output};
use super::{pin_input, session::Connect, Global, PinArgs};
use jpki::transport::Transport as _;

#[derive(Debug, Args)]
pub struct StatusArgs {
    // Help in both languages, evaluated once the language is known.
    #[arg(long, conflicts_with = "all", help = pick(
        "Only the two JPKI counters and whether the signing certificate was issued: 7 APDUs instead of 9, for the \
         least time in an NFC reader's field",
        "公的個人認証APの2つの残り回数と署名用電子証明書の有無だけ: APDU は9でなく7つで、NFC リーダーにかざす時間が最短",
    ))]
    pub jpki_only: bool,
    #[arg(long, help = pick(
        "Also the four 照合番号 counters (A and B of the 券面事項入力補助AP and of the 券面事項確認AP), which no \
         holder types and no jpki command uses: 12 APDUs",
        "照合番号A・B (券面事項入力補助APと券面事項確認AP) の4つの残り回数も表示する (利用者が入力するものではなく、jpki のどのコマンドも使わない): APDU 12個",
    ))]
    pub all: bool,
    #[arg(long, help = pick(
        "Never use the short-EF-identifier form of the retry query (when and how it is trusted: see `jpki status` \
         in the README)",
        "残り回数の問い合わせに短縮 EF 識別子 (SFI) の形を使わない (いつどう信頼するかは README の `jpki status` を参照)"
    ))]
    pub no_sfi: bool,
    #[arg(long, help = pick(
        "Also show the auth certificate's expiry",
        "利用者証明用電子証明書の有効期限も表示する"
    ))]
    pub certs: bool,
    #[arg(long, requires = "certs", help = pick(
        "With --certs, also the signing certificate's expiry (asks for the signing password)",
        "--certs と合わせて、署名用電子証明書の有効期限も表示する (署名用パスワードを尋ねる)"
    ))]
    pub sign_cert: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

/// A counter's name in the current language.
fn counter_label(counter: &Counter) -> String {
    if let Some(kind) = counter.pin_kind() {
        return capitalized(pin_name(kind));
    }
    match counter.name {
        // Short enough for the label column in both languages.
        "cardinfo-a" => pick("券面事項入力補助AP 照合番号A (My Number)", "券面事項入力補助AP 照合番号A (個人番号)"),
        "cardinfo-b" => {
            pick("券面事項入力補助AP 照合番号B (birth date etc.)", "券面事項入力補助AP 照合番号B (生年月日等)")
        }
        "visual-a" => pick("券面事項確認AP 照合番号A (My Number)", "券面事項確認AP 照合番号A (個人番号)"),
        "visual-b" => pick("券面事項確認AP 照合番号B (birth date etc.)", "券面事項確認AP 照合番号B (生年月日等)"),
        _ => return capitalized(counter.description),
    }
    .to_string()
}

/// `n` tries left of `max`; a count above the documented maximum (a
/// smartphone's may be) is shown as the card gives it, never as "5 of 3".
pub fn tries_left(n: u8, max: Option<u8>) -> String {
    match max {
        Some(max) if n <= max => tr!("{n} of {max} tries left", "残り{n}回 (最大{max}回)"),
        Some(max) => {
            tr!("{n} tries left (more than the documented {max})", "残り{n}回 (資料にある最大{max}回より多い)")
        }
        None if n == 1 => tr!("1 try left (no source gives the maximum)", "残り1回 (最大回数を示す資料はありません)"),
        None => tr!("{n} tries left (no source gives the maximum)", "残り{n}回 (最大回数を示す資料はありません)"),
    }
}

/// One line of text and one JSON object for a counter's state. `unlock`:
/// the way out of this PIN, shown when it is blocked or at its last try.
/// `max`: the counter's maximum on this device (none stated for a smartphone).
pub fn describe(
    counter: &Counter,
    max: Option<u8>,
    state: &Result<PinState, Error>,
    unlock: Option<Unlock>,
) -> (String, Value) {
    let of_max = |n: u8| tries_left(n, max);
    let (text, mut fields) = match state {
        Ok(PinState::TriesLeft(1)) if unlock.is_some() => (
            tr!("{}: a wrong PIN now blocks it", "{}: 次に間違えるとロックされます", of_max(1)),
            json!({"state": "ok", "tries_left": 1}),
        ),
        Ok(PinState::TriesLeft(n)) => (of_max(*n), json!({"state": "ok", "tries_left": n})),
        Ok(PinState::Blocked) => {
            (pick("BLOCKED", "ロック中").to_string(), json!({"state": "blocked", "tries_left": 0}))
        }
        Ok(PinState::Verified) => (
            pick(
                "verified in the card's current session (counter at its maximum)",
                "カードの現在のセッションで照合済み (残り回数は最大)",
            )
            .to_string(),
            json!({"state": "verified", "tries_left": null}),
        ),
        Err(Error::NotJpki { .. } | Error::AppletMissing { .. })
        | Err(Error::PinFileNotSelected { sw: StatusWord::FileNotFound }) => (
            pick("not present on this device", "このデバイスにはありません").to_string(),
            json!({"state": "absent", "tries_left": null}),
        ),
        Err(e) => {
            let why = super::exit::message(e);
            (
                tr!("unreadable ({why})", "読めません ({why})"),
                json!({"state": "unreadable", "tries_left": null, "error": e.to_string()}),
            )
        }
    };
    let advice = match (state, unlock) {
        (Ok(PinState::Blocked), Some(unlock)) => Some(advice::sentence(counter_kind(counter), unlock)),
        (Ok(PinState::TriesLeft(1)), Some(unlock)) => Some(advice::if_forgotten(counter_kind(counter), unlock)),
        _ => None,
    };
    let mut text = labelled(&(counter_label(counter) + pick(":", ":")), &text);
    if let (Some(sentence), Some(unlock), Value::Object(f)) = (advice, unlock, &mut fields) {
        text.push_str(&format!("\n  {}", advice::by_sentence(&sentence, "  ")));
        f.insert("unlock".into(), advice::json(unlock));
    }
    (text, render(counter, max, fields))
}

fn counter_kind(counter: &Counter) -> PinKind {
    counter.pin_kind().unwrap_or(PinKind::CardInfo)
}

fn render(counter: &Counter, max: Option<u8>, fields: Value) -> Value {
    let mut obj = json!({"pin": counter.name, "max_tries": max, "description": counter.description});
    if let (Value::Object(o), Value::Object(f)) = (&mut obj, fields) {
        o.extend(f);
    }
    obj
}

/// The signing password of a card that has no signing certificate: not in
/// use, whatever its file answers.
fn describe_unissued(counter: &Counter, max: Option<u8>) -> (String, Value) {
    let fields = json!({"state": "not_issued", "tries_left": null});
    let text = pick(
        "not in use (no signing certificate on this card)",
        "使われていません (このカードには署名用電子証明書がありません)",
    );
    (labelled(&(counter_label(counter) + pick(":", ":")), text), render(counter, max, fields))
}

/// A label and its value; the value column is lined up once the whole text is
/// known (`output::align_columns`), as wide as the longest label shown.
fn labelled(label: &str, value: &str) -> String {
    format!("{label}{}{value}", super::output::COLUMN)
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub fn run(global: &Global, connect: &dyn Connect, args: &StatusArgs) -> Result<Output, Failure> {
    let sign_pin = if args.sign_cert {
        let kind = jpki::pin::PinKind::Sign;
        let prompt = pick(
            "Enter the signing password (to read the signing certificate): ",
            "署名用パスワードを入力してください (署名用電子証明書を読むため): ",
        );
        Some(args.pin_args.obtain(kind, prompt)?)
    } else {
        args.pin_args.refuse_unused(pick("`status` without --sign-cert", "--sign-cert なしの `status`"))?;
        None
    };
    let access = if sign_pin.is_some() { Access::Verifying } else { Access::ReadOnly };
    let mut card = connect.open(global, access)?;
    let reader = card.transport().reader().to_string();
    let counters = match (args.jpki_only, args.all) {
        (true, _) => Counters::Jpki,
        (false, true) => Counters::All,
        (false, false) => Counters::Holder,
    };
    let request = StatusRequest {
        counters,
        short_form: !args.no_sfi,
        certificates: args.certs,
        sign_pin: sign_pin.as_ref(),
        now: unix_now(),
    };
    let status = card.status(&request, &mut pin_input::last_try_consent(args.pin_args.force))?;
    drop(card);
    let issued = status.sign_certificate_issued.issued();
    let mut text = tr!("Reader: {reader}\n", "リーダー: {reader}\n");
    let device = super::readers::device_text(&status.device);
    text.push_str(&tr!("Device: {device}\n", "デバイス: {device}\n"));
    let mut pins = Vec::new();
    for (counter, reading) in &status.counters {
        let max = counter.max_tries_on(&status.device);
        let (line, obj) = match reading {
            CounterReading::NotIssued => describe_unissued(counter, max),
            CounterReading::Read(state) => describe(counter, max, state, counter.pin_kind().map(|k| status.unlock(k))),
        };
        text.push_str(&line);
        text.push('\n');
        pins.push(obj);
    }
    let availability = match issued {
        Some(true) => pick("issued", "発行済み"),
        Some(false) => pick(
            "NOT ISSUED on this card (holders under 15 and some others have none)",
            "このカードには発行されていません (15歳未満の方などには発行されません)",
        ),
        None => pick(
            "unknown (the card's availability file EF 0008 was unreadable or unrecognized)",
            "不明 (カードの EF 0008 を読めないか、内容が分かりません)",
        ),
    };
    text.push_str(&labelled(pick("Signing certificate (署名用電子証明書):", "署名用電子証明書:"), availability));
    text.push('\n');
    let mut certs = serde_json::Map::new();
    if args.certs {
        certs.insert("sign_certificate_issued".into(), issued.into());
    }
    if args.certs && status.auth_certificate.is_none() {
        // A smartphone shows it only after the auth PIN, which status never asks for.
        let why = pick(
            "expiry not read: the smartphone shows it only after the auth PIN (see `jpki cert auth --details`)",
            "有効期限は未読: スマートフォンは利用者証明用暗証番号の照合後にしか見せません (`jpki cert auth --details` を参照)",
        );
        let label = super::cert::status_label(CertKind::Auth);
        text.push_str(&labelled(label, &format!("{why}\n")));
        certs.insert("auth_not_read".into(), "needs_auth_pin".into());
    }
    let mut expiry = |kind: CertKind, s: &CertSummary| {
        let (line, advice) = super::cert::status_validity(kind, s, &mut certs);
        text.push_str(&labelled(super::cert::status_label(kind), &line));
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
            let label = super::cert::status_label(CertKind::Sign);
            text.push_str(&labelled(label, &tr!("expiry not read: {why}\n", "有効期限を読めませんでした: {why}\n")));
            certs.insert("sign_not_read".into(), f.kind.into());
        }
        None => {}
    }
    let mut out = Output::default()
        .field("reader", reader)
        .field("device", status.device.id())
        .field("pins", pins)
        .field("sign_certificate_issued", issued);
    if args.certs {
        out = out.field("certificates", Value::Object(certs));
    }
    out.text = super::output::align_columns(&text);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_try_without_a_known_maximum_is_singular() {
        crate::cli::i18n::set_for_this_thread(crate::cli::i18n::Lang::En);
        assert_eq!(tries_left(1, None), "1 try left (no source gives the maximum)");
        assert_eq!(tries_left(2, None), "2 tries left (no source gives the maximum)");
    }

    #[test]
    fn a_missing_applet_or_key_file_is_absent_and_other_odd_answers_unreadable() {
        let counter = Counter::ALL[5];
        let state = |r: Result<PinState, Error>| {
            describe(&counter, counter.max_tries, &r, None).1["state"].as_str().unwrap().to_string()
        };
        assert_eq!(state(Err(Error::AppletMissing { applet: "x" })), "absent");
        let select = |sw| Err(Error::PinFileNotSelected { sw });
        assert_eq!(state(select(StatusWord::FileNotFound)), "absent");
        assert_eq!(state(select(StatusWord::from_bytes(0x6A, 0x86))), "unreadable");
        let query = Err(Error::OddRetryAnswer { sw: StatusWord::FileNotFound });
        assert_eq!(state(query), "unreadable");
        assert_eq!(state(Ok(PinState::TriesLeft(5))), "ok");
        let (text, json) = describe(&counter, counter.max_tries, &Ok(PinState::TriesLeft(5)), None);
        assert!(text.ends_with("5 tries left (more than the documented 3)"), "{text}");
        assert_eq!((json["tries_left"].as_u64(), json["max_tries"].as_u64()), (Some(5), Some(3)));
    }
}
