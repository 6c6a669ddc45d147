//! `jpki pin change auth|sign|cardinfo`

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jpki::pcsc::Access;
use jpki::pin::{Pin, PinKind};
use zeroize::Zeroizing;

use super::advice::pin_name;
use super::exit::Failure;
use super::i18n::{pick, tr};
use super::output::Output;
use super::pin_input::{self, PinRole};
use super::{session, session::Connect, Global, PinArgs, PinChoice};

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    #[command(
        about = pick(
            "Change a PIN: the old one is checked (behind the lockout guard), then replaced",
            "暗証番号を変更する: 今の暗証番号を (ロック防止の確認の後で) 照合してから置き換える",
        ),
        after_help = change_after_help(),
    )]
    Change(ChangeArgs),
}

/// The way out of a blocked PIN, then where the PINs come from.
pub fn change_after_help() -> String {
    let sources = pick(
        "The new PIN comes from --new-pin-file, the JPKI_NEW_PIN environment variable, or a prompt that asks twice. \
         The old one from --pin-file, JPKI_AUTH_PIN / JPKI_SIGN_PIN / JPKI_CARDINFO_PIN, or a prompt.",
        "新しい暗証番号は --new-pin-file、環境変数 JPKI_NEW_PIN、または2回尋ねるプロンプトから読みます。\
         今の暗証番号は --pin-file、JPKI_AUTH_PIN / JPKI_SIGN_PIN / JPKI_CARDINFO_PIN、またはプロンプトから読みます。",
    );
    format!("{}\n\n{sources}", super::advice::help())
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[arg(value_enum, help = pick("Which PIN to change", "変更する暗証番号"))]
    pub pin: PinChoice,
    // Read the new PIN from PATH; the forms depend on the platform.
    #[arg(long, value_name = pick("PATH", "パス"), help = tr!(
        "Read the new PIN from PATH ({forms})",
        "新しい暗証番号をこのファイルから読む ({forms})",
        forms = super::pin_file_forms()
    ))]
    pub new_pin_file: Option<PathBuf>,
    #[arg(long, help = pick(
        "After the change, verify the new PIN once more (two more APDUs: the retry query and the VERIFY)",
        "変更の後で、新しい暗証番号をもう一度照合する (APDU が2つ増える: 残り回数の問い合わせと VERIFY)",
    ))]
    pub verify_new: bool,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

fn new_pin(kind: PinKind, args: &ChangeArgs) -> Result<Pin, Failure> {
    let invalid = |e: jpki::pin::InvalidPin| pin_input::invalid_pin(PinRole::New, &e);
    if let Some(path) = &args.new_pin_file {
        let what = pick("new-PIN file", "新しい暗証番号のファイル");
        return Pin::new_replacement(kind, &pin_input::read_secret_file(path, what)?).map_err(invalid);
    }
    let pin = pin_name(kind);
    if let Some(value) = std::env::var_os("JPKI_NEW_PIN") {
        let value = Zeroizing::new(value.into_string().map_err(|_| {
            Failure::usage(pick("JPKI_NEW_PIN is not valid Unicode", "JPKI_NEW_PIN が正しい Unicode ではありません"))
        })?);
        return Pin::new_replacement(kind, &value).map_err(invalid);
    }
    if !pin_input::interactive() {
        return Err(Failure::usage(tr!(
            "no new {pin} was given and there is no terminal to ask for it",
            "新しい{pin}が渡されておらず、入力を求める端末もありません"
        ))
        .with_hint(pick(
            "Pass it with --new-pin-file PATH or the JPKI_NEW_PIN environment variable",
            "--new-pin-file PATH か環境変数 JPKI_NEW_PIN で渡してください",
        )));
    }
    let rule = super::advice::pin_rule(kind);
    let first = pin_input::ask(&tr!("New {pin} ({rule}): ", "新しい{pin}({rule}): "), pin_input::Echo::Off)?;
    let pin_value = Pin::new_replacement(kind, &first).map_err(invalid)?;
    let again = pin_input::ask(&tr!("New {pin} again: ", "新しい{pin}(確認): "), pin_input::Echo::Off)?;
    if Pin::new_replacement(kind, &again).ok().as_ref() != Some(&pin_value) {
        return Err(Failure::usage(pick(
            "the two new PINs differ; nothing was changed",
            "2回入力した新しい暗証番号が違います。何も変更していません",
        )));
    }
    Ok(pin_value)
}

pub fn change(global: &Global, connect: &dyn Connect, args: &ChangeArgs) -> Result<Output, Failure> {
    let kind = args.pin.kind();
    let pin = pin_name(kind);
    if args.pin_args.pin_file.is_some() && args.pin_args.pin_file == args.new_pin_file {
        return Err(Failure::usage(pick(
            "--pin-file and --new-pin-file name the same file",
            "--pin-file と --new-pin-file が同じファイルを指しています",
        )));
    }
    let old = args.pin_args.obtain_as(kind, PinRole::Current, &tr!("Current {pin}: ", "今の{pin}: "))?;
    let new = new_pin(kind, args)?;
    if new == old {
        return Err(Failure::usage(tr!(
            "the new {pin} is the same as the current one; nothing was changed",
            "新しい{pin}が今のものと同じです。何も変更していません"
        )));
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
                tr!(
                    "the link to the card failed during the change; whether the {pin} was changed is unknown",
                    "変更中にカードとの通信が失敗しました。{pin}が変更されたかは分かりません"
                ),
            ))
        }
        Err(e) => return Err(Failure::from(e)),
    }
    if args.verify_new {
        session::verify(&mut card, &new, args.pin_args.force).map_err(|f| Failure {
            message: tr!(
                "the {pin} WAS changed, but checking the new one failed: {}",
                "{pin}は変更されましたが、新しいものの照合に失敗しました: {}",
                f.message
            ),
            ..f
        })?;
    }
    let text = match args.verify_new {
        true => tr!("The {pin} was changed and the new one verified.\n", "{pin}を変更し、新しいものを照合しました。\n"),
        false => tr!("The {pin} was changed.\n", "{pin}を変更しました。\n"),
    };
    Ok(Output { text, ..Default::default() }
        .field("pin", kind.name())
        .field("changed", true)
        .field("new_pin_verified", args.verify_new))
}
