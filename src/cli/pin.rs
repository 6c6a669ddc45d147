//! `jpki pin change auth|sign|cardinfo`

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jpki::pcsc::Access;
use jpki::pin::{Pin, PinKind};
use zeroize::Zeroizing;

use super::exit::Failure;
use super::output::Output;
use super::pin_input::{self, PinRole};
use super::{session, session::Connect, Global, PinArgs, PinChoice};

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    #[command(about = super::i18n::pick(
        "Change a PIN: the old one is checked (behind the lockout guard), then replaced",
        "暗証番号を変更する: 今の暗証番号を (ロック防止の確認の後で) 照合してから置き換える"
    ), after_help = super::i18n::pick(CHANGE_AFTER_HELP, CHANGE_AFTER_HELP_JA))]
    Change(ChangeArgs),
}

// The facts on resetting a blocked PIN: J-LIS and municipal pages (see the README).
const CHANGE_AFTER_HELP: &str = "A BLOCKED PIN cannot be reset with jpki. The 署名用パスワード and the \
利用者証明用暗証番号 can each be reset at a convenience-store kiosk, after a reservation made with the \
smartphone app 「JPKI暗証番号リセット」 within the previous 24 hours, if the other one is still known; \
otherwise, and for the 券面事項入力補助用暗証番号, at your municipal office (市区町村の窓口) with the card.\n\n\
The new PIN comes from --new-pin-file, the JPKI_NEW_PIN environment variable, or a prompt that asks twice. The \
old one from --pin-file, JPKI_AUTH_PIN / JPKI_SIGN_PIN / JPKI_CARDINFO_PIN, or a prompt.";

// Japanese has no spaces for clap to wrap at: the lines are broken here.
const CHANGE_AFTER_HELP_JA: &str = "ロックされた暗証番号は jpki では初期化できません。\n\
署名用パスワードと利用者証明用暗証番号は、もう一方が分かっていれば、スマートフォンアプリ\n\
「JPKI暗証番号リセット」で24時間以内に予約したうえで、コンビニのキオスク端末でそれぞれ\n\
初期化できます。両方とも分からない場合と、券面事項入力補助用暗証番号は、カードを持って\n\
市区町村の窓口で初期化してください。\n\n\
新しい暗証番号は --new-pin-file、環境変数 JPKI_NEW_PIN、または2回尋ねるプロンプトで\n\
渡します。今の暗証番号は --pin-file、JPKI_AUTH_PIN / JPKI_SIGN_PIN / JPKI_CARDINFO_PIN、\n\
またはプロンプトで渡します。";

#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[arg(value_enum, help = super::i18n::pick(
        "Which PIN to change",
        "変更する暗証番号"
    ))]
    pub pin: PinChoice,
    // The forms of PATH depend on the platform.
    #[arg(long, value_name = super::i18n::pick("PATH", "パス"), help = super::i18n::tr!(
        "Read the new PIN from PATH ({forms})",
        "新しい暗証番号をこのファイルから読む ({forms})",
        forms = super::pin_file_forms()
    ))]
    pub new_pin_file: Option<PathBuf>,
    #[arg(long, help = super::i18n::pick(
        "After the change, verify the new PIN once more (two more APDUs: the retry query and the VERIFY)",
        "変更の後で、新しい暗証番号をもう一度照合する (APDU が2つ増える: 残り回数の問い合わせと VERIFY)"
    ))]
    pub verify_new: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

fn new_pin(kind: PinKind, args: &ChangeArgs) -> Result<Pin, Failure> {
    let invalid = |e: jpki::pin::InvalidPin| pin_input::invalid_pin(PinRole::New, &e);
    if let Some(path) = &args.new_pin_file {
        return Pin::new_replacement(kind, &pin_input::read_secret_file(path, "new-PIN file")?).map_err(invalid);
    }
    if let Some(value) = std::env::var_os("JPKI_NEW_PIN") {
        let value =
            Zeroizing::new(value.into_string().map_err(|_| Failure::usage("JPKI_NEW_PIN is not valid Unicode"))?);
        return Pin::new_replacement(kind, &value).map_err(invalid);
    }
    if !pin_input::interactive() {
        return Err(Failure::usage(format!("no new {kind} was given and there is no terminal to ask for it"))
            .with_hint("Pass it with --new-pin-file PATH or the JPKI_NEW_PIN environment variable"));
    }
    let first = pin_input::ask(&format!("New {kind} ({}): ", kind.rule()), pin_input::Echo::Off)?;
    let pin = Pin::new_replacement(kind, &first).map_err(invalid)?;
    let again = pin_input::ask(&format!("New {kind} again: "), pin_input::Echo::Off)?;
    if Pin::new_replacement(kind, &again).ok().as_ref() != Some(&pin) {
        return Err(Failure::usage("the two new PINs differ; nothing was changed"));
    }
    Ok(pin)
}

pub fn change(global: &Global, connect: &dyn Connect, args: &ChangeArgs) -> Result<Output, Failure> {
    let kind = args.pin.kind();
    if args.pin_args.pin_file.is_some() && args.pin_args.pin_file == args.new_pin_file {
        return Err(Failure::usage("--pin-file and --new-pin-file name the same file"));
    }
    let old = args.pin_args.obtain_as(kind, PinRole::Current, &format!("Current {kind}: "))?;
    let new = new_pin(kind, args)?;
    if new == old {
        return Err(Failure::usage(format!("the new {kind} is the same as the current one; nothing was changed")));
    }
    let mut card = connect.open(global, Access::Verifying)?;
    session::verify(&mut card, &old, args.pin_args.force)?;
    match card.change_pin(&new) {
        Ok(()) => {}
        // Interrupted before the change was sent: the old PIN is still in force.
        Err(e @ jpki::Error::Transport(jpki::transport::TransportError::Cancelled)) => return Err(Failure::from(e)),
        Err(jpki::Error::Transport(_) | jpki::Error::BadCardData(_)) => {
            return Err(super::exit::change_outcome_unknown(
                kind,
                format!("the link to the card failed during the change; whether the {kind} was changed is unknown"),
            ))
        }
        Err(e) => return Err(Failure::from(e)),
    }
    if args.verify_new {
        session::verify(&mut card, &new, args.pin_args.force).map_err(|f| Failure {
            message: format!("the {kind} WAS changed, but checking the new one failed: {}", f.message),
            ..f
        })?;
    }
    Ok(Output {
        text: format!("The {kind} was changed{}.\n", if args.verify_new { " and the new one verified" } else { "" }),
        ..Default::default()
    }
    .field("pin", kind.name())
    .field("changed", true)
    .field("new_pin_verified", args.verify_new))
}
