//! `jpki verify auth|sign`

use clap::Args;
use jpki::pcsc::Access;

use super::advice::pin_name;
use super::exit::Failure;
use super::i18n::{pick, tr};
use super::output::Output;
use super::{session, session::Connect, Global, PinArgs, PinChoice};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(value_enum, help = pick("Which PIN to check", "照合する暗証番号"))]
    pub pin: PinChoice,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

pub fn run(global: &Global, connect: &dyn Connect, args: &VerifyArgs) -> Result<Output, Failure> {
    let kind = args.pin.kind();
    let pin = args.pin_args.obtain_default(kind)?;
    let mut card = connect.open(global, Access::Verifying)?;
    session::verify(&mut card, &pin, args.pin_args.force)?;
    let (max, name) = (kind.max_tries(), pin_name(kind));
    Ok(Output {
        text: tr!(
            "The {name} is correct; its counter is back to {max} of {max} tries.\n",
            "{name}は正しいです。残り回数は最大の{max}回に戻りました。\n"
        ),
        ..Default::default()
    }
    .field("pin", kind.name())
    .field("verified", true)
    .field("tries_left", max)
    .field("max_tries", max))
}
