//! `jpki card-info`: My Number and the basic four attributes, masked by default.

use clap::Args;
use jpki::cardinfo::mask_my_number;
use jpki::pcsc::Access;
use jpki::pin::PinKind;

use super::exit::Failure;
use super::i18n::pick;
use super::output::{labelled, one_line, Output};
use super::{session, session::Connect, Global, PinArgs};

#[derive(Debug, Args)]
pub struct CardInfoArgs {
    #[arg(long, help = super::i18n::pick(
        "Show the full My Number (個人番号). Without it, all but the last 4 digits are hidden in every output",
        "個人番号 (マイナンバー) をすべて表示する。指定しなければ、どの出力でも末尾4桁以外を伏せる"
    ))]
    pub show_my_number: bool,
    #[arg(long, help = super::i18n::pick(
        "Read only My Number, not the name, address, birth date and sex",
        "個人番号だけを読み、氏名・住所・生年月日・性別は読まない"
    ))]
    pub my_number_only: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

fn sex_label(code: &str) -> &'static str {
    match code {
        "1" => pick("male", "男性"),
        "2" => pick("female", "女性"),
        "9" => pick("not applicable", "適用不能"),
        _ => pick("unknown", "不明"),
    }
}

/// A birth date as a holder reads it, from the card's YYYYMMDD or the
/// certificate's YYYY-MM-DD; anything else as it came.
pub fn birth_date(given: &str) -> String {
    let dashed = given.len() == 10 && given.as_bytes()[4] == b'-' && given.as_bytes()[7] == b'-';
    let raw = if dashed { given.replace('-', "") } else { given.to_string() };
    let raw = raw.as_str();
    let digits = raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit());
    if !digits {
        return given.to_string();
    }
    let (y, m, d) = (&raw[..4], &raw[4..6], &raw[6..]);
    // A partly unknown date (zeros) is shown as the card has it.
    if !("01"..="12").contains(&m) || !("01"..="31").contains(&d) {
        return given.to_string();
    }
    let (m_ja, d_ja) = (m.trim_start_matches('0'), d.trim_start_matches('0'));
    super::i18n::tr!("{y}-{m}-{d}", "{y}年{m_ja}月{d_ja}日")
}

/// A missing card-info applet on the smartphone certificate is no fault:
/// the phone carries the JPKI applet alone. Say so, and what to use instead.
fn explain_smartphone(card: &mut session::Card, f: Failure) -> Failure {
    if f.kind != "applet_missing" || !card.device().is_ok_and(|d| d.is_smartphone()) {
        return f;
    }
    Failure {
        message: pick(
            "this is the smartphone certificate (スマホ用電子証明書), which has no card-info applet (券面事項入力補助AP); \
             no PIN was sent",
            "これはスマホ用電子証明書で、券面事項入力補助APがありません。暗証番号は送っていません",
        )
        .to_string(),
        ..f
    }
    .with_hint(pick(
        "Hold the My Number Card itself on the reader to read My Number and the basic four attributes",
        "個人番号と基本4情報を読むには、マイナンバーカードそのものをリーダーにかざしてください",
    ))
}

pub fn run(global: &Global, connect: &dyn Connect, args: &CardInfoArgs) -> Result<Output, Failure> {
    let kind = PinKind::CardInfo;
    let pin = args.pin_args.obtain_default(kind)?;
    let mut card = connect.open(global, Access::Verifying)?;
    if let Err(f) = session::verify(&mut card, &pin, args.pin_args.force) {
        return Err(explain_smartphone(&mut card, f));
    }
    let number = card.read_my_number().map_err(Failure::from)?;
    let attributes = if args.my_number_only { None } else { Some(card.read_attributes().map_err(Failure::from)?) };
    drop(card);
    let shown = if args.show_my_number { number.to_string() } else { mask_my_number(&number) };
    // Labels padded to the widest one, 生年月日's (22 cells in English, 10 in Japanese).
    // Each value is card data: its line breaks are escaped, so it keeps to its line.
    let width = pick(22, 10);
    let line = |label: &str, value: &str| labelled(label, width, &one_line(value)) + "\n";
    let mut text = line(pick("My Number (個人番号):", "個人番号:"), &shown);
    let mut out = Output::default().field("my_number", shown.clone()).field("my_number_masked", !args.show_my_number);
    if let Some(a) = &attributes {
        text.push_str(&line(pick("Name (氏名):", "氏名:"), &a.name));
        text.push_str(&line(pick("Address (住所):", "住所:"), &a.address));
        text.push_str(&line(pick("Birth date (生年月日):", "生年月日:"), &birth_date(&a.birth_date)));
        let (sex, code) = (sex_label(&a.sex), &a.sex);
        text.push_str(&line(pick("Sex (性別):", "性別:"), &format!("{sex} ({code})")));
        out = out.field(
            "attributes",
            serde_json::json!({"name": a.name, "address": a.address, "birth_date": a.birth_date, "sex": a.sex}),
        );
    }
    out.text = text;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::i18n::{set_for_this_thread, Lang};
    use super::*;

    #[test]
    fn the_birth_date_reads_as_a_date_in_each_language_and_odd_values_pass_through() {
        set_for_this_thread(Lang::En);
        assert_eq!(birth_date("19800217"), "1980-02-17");
        set_for_this_thread(Lang::Ja);
        assert_eq!(birth_date("19800217"), "1980年2月17日");
        assert_eq!(birth_date("1980-02-17"), "1980年2月17日");
        assert_eq!(birth_date("2001101"), "2001101");
        assert_eq!(birth_date("19800000"), "19800000");
        assert_eq!(birth_date("1980-00-00"), "1980-00-00");
        assert_eq!(birth_date("1980-2-17"), "1980-2-17");
        set_for_this_thread(Lang::En);
    }
}
