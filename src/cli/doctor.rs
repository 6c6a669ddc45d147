//! `jpki doctor`: will the card do for a filing or a login, and if not, what now.
//! The library runs the checks ([`jpki::diagnose`]); this gathers the PINs
//! first, calls it step by step, and words each finding with its advice.

use clap::{Args, ValueEnum};
use jpki::card::{CertKind, Unlock};
use jpki::diagnose::{
    self, CardRequest, Cause, CertStatus, Check, CounterState, Finding, Need, PinOutcome, Purpose, ServiceProbe,
    Status, Verdict,
};
use jpki::pcsc::Access;
use jpki::pin::{Pin, PinKind};
use serde_json::{json, Map, Value};

use super::advice;
use super::cert::unix_now;
use super::exit::{ExitCode, Failure};
use super::i18n::{pick, tr};
use super::output::{one_line, Output};
use super::{pin_input, session::Connect, Global, PinArgs};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[arg(long = "for", value_enum, value_delimiter = ',', value_name = "PURPOSE", help = pick(
        "What the card is for (comma-separated or repeated); all by default",
        "カードの用途 (カンマ区切りまたは繰り返し指定)。省略時はすべて"
    ))]
    pub purposes: Vec<PurposeChoice>,
    #[arg(long, value_enum, value_name = "auth|sign|both", help = pick(
        "Also check these PINs, each behind the lockout guard (never the last try without --force or a yes at the prompt). A correct one resets its counter",
        "暗証番号も確認する (ロック防止の確認つき。残り1回のときは --force かプロンプトでの同意が必要)。正しければ残り回数は最大に戻る"
    ))]
    pub verify: Option<VerifyChoice>,
    #[command(flatten)]
    pub pin_args: PinArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PurposeChoice {
    #[value(help = pick("e-Tax: login (利用者証明用) and filing signatures (署名用)", "e-Tax: ログイン (利用者証明用) と申告の署名 (署名用)"))]
    Etax,
    #[value(help = pick("マイナポータル: login (利用者証明用)", "マイナポータル: ログイン (利用者証明用)"))]
    MynaPortal,
    #[value(help = pick("法務局 online applications: signatures (署名用)", "法務局のオンライン申請: 署名 (署名用)"))]
    Houmukyoku,
    #[value(help = pick("Any other login with the card (利用者証明用)", "その他のログイン (利用者証明用)"))]
    Login,
    #[value(help = pick("Any other signature with the card (署名用)", "その他の電子署名 (署名用)"))]
    Signing,
}

impl PurposeChoice {
    fn purpose(self) -> Purpose {
        match self {
            PurposeChoice::Etax => Purpose::Etax,
            PurposeChoice::MynaPortal => Purpose::MynaPortal,
            PurposeChoice::Houmukyoku => Purpose::Houmukyoku,
            PurposeChoice::Login => Purpose::Login,
            PurposeChoice::Signing => Purpose::Signing,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyChoice {
    Auth,
    Sign,
    Both,
}

/// The PINs to verify, gathered before the card is touched.
struct Pins {
    auth: Option<Pin>,
    sign: Option<Pin>,
}

fn gather(args: &DoctorArgs) -> Result<Pins, Failure> {
    let Some(choice) = args.verify else {
        args.pin_args.refuse_unused("`doctor` without --verify")?;
        return Ok(Pins { auth: None, sign: None });
    };
    if choice == VerifyChoice::Both && args.pin_args.pin_file.is_some() {
        return Err(Failure::usage(tr!(
            "--pin-file gives one PIN, and --verify both checks two",
            "--pin-file で渡せる暗証番号は1つですが、--verify both は2つを確認します"
        ))
        .with_hint(tr!(
            "Use JPKI_AUTH_PIN and JPKI_SIGN_PIN, the prompts, or check one PIN at a time",
            "JPKI_AUTH_PIN と JPKI_SIGN_PIN、入力プロンプトを使うか、1つずつ確認してください"
        )));
    }
    let wants = |kind| match choice {
        VerifyChoice::Both => true,
        VerifyChoice::Auth => kind == PinKind::Auth,
        VerifyChoice::Sign => kind == PinKind::Sign,
    };
    let get = |kind: PinKind| -> Result<Option<Pin>, Failure> {
        if !wants(kind) {
            return Ok(None);
        }
        let prompt = match kind {
            PinKind::Auth => tr!(
                "Enter the auth PIN (利用者証明用暗証番号, 4 digits) to check it: ",
                "確認する利用者証明用暗証番号 (数字4桁) を入力してください: "
            ),
            _ => tr!(
                "Enter the signing password (署名用パスワード) to check it: ",
                "確認する署名用パスワード (英数字6〜16文字) を入力してください: "
            ),
        };
        args.pin_args.obtain(kind, &prompt).map(Some)
    };
    Ok(Pins { auth: get(PinKind::Auth)?, sign: get(PinKind::Sign)? })
}

pub fn run(global: &Global, connect: &dyn Connect, args: &DoctorArgs) -> Result<Output, Failure> {
    // Each purpose once, in the order named.
    let mut purposes: Vec<Purpose> = Vec::new();
    for p in args.purposes.iter().map(|p| p.purpose()) {
        if !purposes.contains(&p) {
            purposes.push(p);
        }
    }
    if purposes.is_empty() {
        purposes = Purpose::ALL.to_vec();
    }
    let pins = gather(args)?;
    let mut checks = walk(global, connect, args, &pins)?;
    diagnose::scope(&mut checks, &purposes);
    let verdicts = diagnose::verdicts(&checks, &purposes);
    Ok(render(&checks, &verdicts))
}

/// The walk, stopping at the first step that blocks every purpose.
fn walk(global: &Global, connect: &dyn Connect, args: &DoctorArgs, pins: &Pins) -> Result<Vec<Check>, Failure> {
    let mut checks = Vec::new();
    let pcsc = match diagnose::service() {
        Ok(pcsc) => pcsc,
        Err(check) => return Ok(vec![check]),
    };
    checks.push(diagnose::service_running());
    let readers = pcsc.readers().unwrap_or_default();
    let reader = diagnose::reader(&pcsc, global.reader.as_deref());
    let stop = reader.status == Status::Fail;
    checks.push(reader);
    if stop {
        return Ok(checks);
    }
    // No card and no wait (a script, or --wait 0): said without opening
    // anything. At a terminal the card step waits for it, saying so.
    if global.wait().is_zero() && !diagnose::card_present(&readers, global.reader.as_deref()) {
        checks.push(Finding::NoCard.into());
        return Ok(checks);
    }
    drop(pcsc);
    let verifying = pins.auth.is_some() || pins.sign.is_some();
    let access = if verifying { Access::Verifying } else { Access::ReadOnly };
    let mut card = match connect.open(global, access) {
        Ok(card) => card,
        Err(f) => {
            checks.push(not_opened(f, &readers)?);
            return Ok(checks);
        }
    };
    let request =
        CardRequest { short_form: true, now: unix_now(), auth_pin: pins.auth.as_ref(), sign_pin: pins.sign.as_ref() };
    let mut consent = pin_input::last_try_consent(args.pin_args.force);
    checks.extend(diagnose::card(&mut card, &request, &mut consent)?);
    Ok(checks)
}

/// The card step's finding when the card could not be opened; an interrupt
/// ends the command as usual.
fn not_opened(f: Failure, readers: &[jpki::pcsc::ReaderInfo]) -> Result<Check, Failure> {
    let with_card = || readers.iter().filter(|r| r.card_present).map(|r| r.name.clone()).collect();
    let finding = match f.kind {
        "no_card" => Finding::NoCard,
        "not_jpki" => Finding::NotJpki,
        "card_busy" => Finding::CardBusy,
        "ambiguous_reader" => Finding::SeveralCards { candidates: with_card() },
        "no_reader" => Finding::NoReader { unlisted_usb: 0 },
        "no_service" => Finding::ServiceDown(diagnose::probe_service(std::env::consts::OS)),
        "interrupted" | "usage" | "internal" => return Err(f),
        _ => Finding::CardError(Cause::Worded(f.message)),
    };
    Ok(finding.into())
}

/// A step's cause in the holder's language (the library's errors are worded here, as `status` words them).
fn cause(c: &Cause) -> String {
    match c {
        Cause::Error(e) => super::exit::message(e),
        Cause::Worded(text) => text.clone(),
    }
}

/// The exit code a failed check stands for (the first one sets the command's).
fn exit_code(finding: &Finding) -> ExitCode {
    match finding {
        Finding::Counter { state: CounterState::Blocked { .. }, .. } => ExitCode::PinBlocked,
        Finding::Certificate { state: CertStatus::Read(_), .. } => ExitCode::CertNotValidNow,
        Finding::Certificate { state: CertStatus::NotIssued, .. } => ExitCode::NoSignCert,
        Finding::Certificate { .. } | Finding::CardError(_) | Finding::PcscError(_) => ExitCode::CardError,
        Finding::Counter { .. } => ExitCode::CardError,
        Finding::Pin { outcome, .. } => match outcome {
            PinOutcome::Correct => ExitCode::Success,
            PinOutcome::Wrong { .. } => ExitCode::WrongPin,
            PinOutcome::Blocked { .. } | PinOutcome::LastTryRefused { .. } => ExitCode::PinBlocked,
            PinOutcome::NoCertificate => ExitCode::NoSignCert,
            PinOutcome::Error(_) => ExitCode::CardError,
        },
        _ => ExitCode::NoCard,
    }
}

/// The first failed check as the command's failure: its stderr line and exit code.
fn failure(check: &Check) -> Failure {
    let (label, text, advice) = words(&check.finding);
    let (pin, tries_left) = match &check.finding {
        Finding::Pin { pin, outcome: PinOutcome::Wrong { tries_left, .. } } => (Some(*pin), Some(*tries_left)),
        Finding::Counter { pin, .. } | Finding::Pin { pin, .. } => (Some(*pin), None),
        _ => (None, None),
    };
    Failure {
        code: exit_code(&check.finding),
        kind: check.finding.kind(),
        message: tr!("doctor: {label}: {text}", "診断: {label}: {text}"),
        hint: advice,
        pin,
        tries_left,
        unlock: unlock_of(&check.finding),
    }
}

/// The way out a finding carries: a PIN blocked or at its last try.
fn unlock_of(finding: &Finding) -> Option<Unlock> {
    match finding {
        Finding::Counter { state: CounterState::Blocked { unlock } | CounterState::LastTry { unlock, .. }, .. }
        | Finding::Pin { outcome: PinOutcome::Blocked { unlock } | PinOutcome::LastTryRefused { unlock }, .. } => {
            Some(*unlock)
        }
        Finding::Pin { outcome: PinOutcome::Wrong { unlock, .. }, .. } => *unlock,
        _ => None,
    }
}

fn pin_name(kind: PinKind) -> String {
    match kind {
        PinKind::Auth => tr!("Auth PIN (利用者証明用暗証番号)", "利用者証明用暗証番号"),
        PinKind::Sign => tr!("Signing password (署名用パスワード)", "署名用パスワード"),
        PinKind::CardInfo => tr!("Card-info PIN (券面事項入力補助用暗証番号)", "券面事項入力補助用暗証番号"),
    }
}

fn cert_name(kind: CertKind) -> String {
    match kind {
        CertKind::Sign | CertKind::SignCa => tr!("Signing certificate (署名用電子証明書)", "署名用電子証明書"),
        _ => tr!("Auth certificate (利用者証明用電子証明書)", "利用者証明用電子証明書"),
    }
}

fn purpose_name(purpose: Purpose) -> String {
    match purpose {
        Purpose::Etax => tr!("e-Tax (login and filing)", "e-Tax (ログインと申告)"),
        Purpose::MynaPortal => tr!("マイナポータル (login)", "マイナポータル (ログイン)"),
        Purpose::Houmukyoku => tr!("法務局 online applications (signature)", "法務局オンライン申請 (署名)"),
        Purpose::Login => tr!("Other logins with the card", "その他のログイン"),
        Purpose::Signing => tr!("Other electronic signatures", "その他の電子署名"),
    }
}

/// One line for a finding, and its advice.
fn words(finding: &Finding) -> (String, String, Option<String>) {
    let (label, text, advice): (String, String, Option<String>) = match finding {
        Finding::ServiceRunning => (tr!("PC/SC service", "PC/SC サービス"), tr!("running", "動作中"), None),
        Finding::ServiceDown(probe) => {
            let label = tr!("PC/SC service", "PC/SC サービス");
            match *probe {
                ServiceProbe::PcscLite { installed: false, .. } => (
                    label,
                    tr!("pcscd is not installed", "pcscd がインストールされていません"),
                    Some(tr!(
                        "Install it: `sudo apt-get install pcscd` (Debian, Ubuntu) or `sudo dnf install pcsc-lite` (Fedora)",
                        "インストールしてください: `sudo apt-get install pcscd` (Debian、Ubuntu) または `sudo dnf install pcsc-lite` (Fedora)"
                    )),
                ),
                ServiceProbe::PcscLite { systemd: true, socket_unit: true, .. } => (
                    label,
                    tr!("pcscd is installed but does not answer", "pcscd はインストール済みですが応答しません"),
                    Some(tr!(
                        "Start it on demand: `sudo systemctl enable --now pcscd.socket`",
                        "必要なときに起動するよう設定してください: `sudo systemctl enable --now pcscd.socket`"
                    )),
                ),
                ServiceProbe::PcscLite { systemd: true, .. } => (
                    label,
                    tr!("pcscd is installed but does not answer", "pcscd はインストール済みですが応答しません"),
                    Some(tr!("Start it: `sudo systemctl enable --now pcscd`", "起動してください: `sudo systemctl enable --now pcscd`")),
                ),
                ServiceProbe::PcscLite { .. } => (
                    label,
                    tr!("pcscd is installed but does not answer", "pcscd はインストール済みですが応答しません"),
                    Some(tr!("Start it: `sudo pcscd`", "起動してください: `sudo pcscd`")),
                ),
                ServiceProbe::MacOs => (
                    label,
                    tr!("not reachable", "応答がありません"),
                    Some(tr!(
                        "macOS has PC/SC built in: plug in the reader and try again",
                        "macOS には PC/SC が組み込まれています。カードリーダーを接続して、もう一度お試しください"
                    )),
                ),
                ServiceProbe::Windows => (
                    label,
                    tr!("the Smart Card service (SCardSvr) is not running", "スマート カード サービス (SCardSvr) が動作していません"),
                    Some(tr!(
                        "Plug in the reader: Windows starts the service when a reader is connected and stops it when none is",
                        "カードリーダーを接続してください。Windows はリーダーが接続されるとこのサービスを開始し、外されると停止します"
                    )),
                ),
            }
        }
        Finding::PcscError(e) => (
            tr!("PC/SC service", "PC/SC サービス"),
            tr!("error: {e}", "エラー: {e}", e = cause(e)),
            Some(tr!("Restart the PC/SC service and try again", "PC/SC サービスを再起動して、もう一度お試しください")),
        ),
        Finding::Reader { name, readers } => {
            (tr!("Reader", "カードリーダー"), tr!("{name} (readers connected: {readers})", "{name} (接続中のリーダー: {readers}台)"), None)
        }
        Finding::NoReader { unlisted_usb: 1.. } => (
            tr!("Reader", "カードリーダー"),
            tr!(
                "a smart-card reader is plugged in but the PC/SC service does not list it",
                "カードリーダーは接続されていますが、PC/SC サービスに認識されていません"
            ),
            Some(tr!(
                "Install its driver, then restart pcscd: most readers use the CCID driver (Debian, Ubuntu: `sudo apt-get install libccid`; Fedora: `sudo dnf install pcsc-lite-ccid`)",
                "ドライバーを入れてから pcscd を再起動してください。多くのリーダーは CCID ドライバーを使います (Debian、Ubuntu: `sudo apt-get install libccid`、Fedora: `sudo dnf install pcsc-lite-ccid`)"
            )),
        ),
        Finding::NoReader { .. } => (
            tr!("Reader", "カードリーダー"),
            tr!("none connected", "接続されていません"),
            Some(tr!(
                "Connect a contact or NFC reader. One that is plugged in but not listed needs its driver: most use the CCID driver (Debian, Ubuntu: libccid; Fedora: pcsc-lite-ccid), then restart pcscd",
                "接触型または NFC のカードリーダーを接続してください。接続済みなのに表示されない場合はドライバーが必要です。多くは CCID ドライバー (Debian、Ubuntu: libccid、Fedora: pcsc-lite-ccid) を使います。入れたあと pcscd を再起動してください"
            )),
        ),
        Finding::ReaderNotFound { query, available } => {
            let available = available.join(", ");
            (
                tr!("Reader", "カードリーダー"),
                tr!("none matches {query:?}", "{query:?} に一致するリーダーがありません"),
                Some(tr!(
                    "Readers: {available}. Choose one with --reader NAME|INDEX (or JPKI_READER)",
                    "接続中のリーダー: {available}。--reader 名前|番号 (または JPKI_READER) で選んでください"
                )),
            )
        }
        Finding::ReaderQueryAmbiguous { query, candidates } => {
            let candidates = candidates.join(", ");
            (
                tr!("Reader", "カードリーダー"),
                tr!("{query:?} matches several: {candidates}", "{query:?} が複数のリーダーに一致します: {candidates}"),
                Some(tr!("Give more of the name, or its index", "名前をもっと詳しく指定するか、番号で指定してください")),
            )
        }
        Finding::Card { reader, device, card_info_applet } => {
            let device = super::readers::device_text(device);
            let text = match card_info_applet {
                Some(true) => tr!(
                    "{device} in {reader} (JPKI applet and card-info applet found)",
                    "{device} ({reader}、公的個人認証APと券面事項入力補助APあり)"
                ),
                Some(false) => tr!(
                    "{device} in {reader} (JPKI applet found; no card-info applet)",
                    "{device} ({reader}、公的個人認証APあり、券面事項入力補助APなし)"
                ),
                None => tr!("{device} in {reader} (JPKI applet found)", "{device} ({reader}、公的個人認証APあり)"),
            };
            (tr!("Card", "カード"), text, None)
        }
        Finding::NoCard => (
            tr!("Card", "カード"),
            tr!("no card in the reader", "カードがありません"),
            Some(tr!(
                "Insert the card, or hold it flat on the NFC reader, and run again (or use --wait SECONDS)",
                "カードを差し込むか、NFC リーダーに平らに置いてから、もう一度実行してください (--wait 秒数 も使えます)"
            )),
        ),
        Finding::SeveralCards { candidates } => {
            let candidates = candidates.join(", ");
            (
                tr!("Card", "カード"),
                tr!("several readers hold a card: {candidates}", "複数のリーダーにカードがあります: {candidates}"),
                Some(tr!("Choose one with --reader NAME|INDEX", "--reader 名前|番号 で選んでください")),
            )
        }
        Finding::NotJpki => (
            tr!("Card", "カード"),
            tr!("not a My Number Card (no JPKI applet)", "マイナンバーカードではありません (公的個人認証APがありません)"),
            Some(tr!("Insert your My Number Card (マイナンバーカード), or hold it on the NFC reader", "マイナンバーカードをリーダーに挿すか、NFC リーダーにかざしてください")),
        ),
        Finding::CardBusy => (
            tr!("Card", "カード"),
            tr!("in use by another program", "ほかのプログラムが使用中です"),
            Some(tr!(
                "Close the other program (a browser, the e-Tax or マイナポータル app), then run again",
                "ほかのプログラム (ブラウザー、e-Tax やマイナポータルのアプリなど) を閉じてから、もう一度実行してください"
            )),
        ),
        Finding::CardError(e) => (
            tr!("Card", "カード"),
            tr!("error: {e}", "エラー: {e}", e = cause(e)),
            Some(tr!(
                "Take the card out and put it back (or hold it still on the NFC reader), then run again",
                "カードを抜き差しして (NFC リーダーでは動かさずに置いて)、もう一度実行してください"
            )),
        ),
        Finding::Counter { pin, state } => {
            let (text, advice) = match state {
                CounterState::Tries { left, max } => (super::status::tries_left(*left, *max), None),
                CounterState::LastTry { max, unlock } => (
                    match max {
                        Some(max) => tr!("LAST TRY: 1 of {max} tries left", "残り1回 (最大{max}回)"),
                        None => tr!("LAST TRY: 1 try left", "残り1回"),
                    },
                    Some(tr!(
                        "A wrong PIN now blocks it: if you are not sure of it, do not try. {way}",
                        "次に間違えるとロックされます。自信がなければ入力しないでください。{way}",
                        way = advice::if_forgotten(*pin, *unlock)
                    )),
                ),
                CounterState::Blocked { unlock } => {
                    (tr!("BLOCKED", "ロック中"), Some(advice::sentence(*pin, *unlock)))
                }
                CounterState::Verified => (
                    tr!("verified in the card's current session", "現在のセッションで照合済み"),
                    None,
                ),
                CounterState::NotInUse => {
                    (tr!("not in use (no signing certificate)", "未使用 (署名用電子証明書なし)"), None)
                }
                CounterState::Unreadable(e) => (
                    tr!("unreadable ({e})", "読み取れません ({e})", e = cause(e)),
                    Some(tr!("Run `jpki status`, which spends no try", "`jpki status` で確認してください (試行回数は減りません)")),
                ),
            };
            (pin_name(*pin), text, advice)
        }
        Finding::Certificate { cert, state } => {
            let (text, advice) = match state {
                // The line and advice of `status --certs`: dates in local time, the renewal date.
                CertStatus::Read(summary) => super::cert::status_validity(*cert, summary, &mut Map::new()),
                CertStatus::NotIssued => (
                    tr!("NOT ISSUED on this card", "このカードには発行されていません"),
                    Some(tr!(
                        "Holders under 15 get none; from 15, apply at your municipal office (市区町村の窓口)",
                        "15歳未満の方には発行されません。15歳以上の方は市区町村の窓口で申請してください"
                    )),
                ),
                CertStatus::BehindPin(kind) => {
                    let (pin, flag) = (advice::pin_name(*kind), kind.name());
                    (
                        tr!("issued; its expiry is read after the {pin}", "発行済み (有効期限は{pin}の入力後に読めます)"),
                        Some(tr!(
                            "Add --verify {flag} to check its expiry too",
                            "有効期限も確認するには --verify {flag} を付けてください"
                        )),
                    )
                }
                CertStatus::Unknown => (
                    tr!("unknown (EF 0008 unreadable)", "不明 (EF 0008 を読めません)"),
                    Some(tr!("Run `jpki status` for details", "`jpki status` で詳しく確認してください")),
                ),
                CertStatus::Unreadable(e) => (
                    tr!("unreadable ({e})", "読み取れません ({e})", e = cause(e)),
                    Some(tr!("Run again; if it repeats, ask your municipal office", "もう一度実行してください。繰り返す場合は市区町村の窓口にご相談ください")),
                ),
            };
            (cert_name(*cert), text, advice)
        }
        Finding::Pin { pin, outcome } => {
            let label = tr!("{} check", "{}の確認", pin_name(*pin));
            let (text, advice) = match outcome {
                PinOutcome::Correct => (tr!("correct", "正しい"), None),
                PinOutcome::Wrong { tries_left: 0, unlock } => (
                    tr!("WRONG: now blocked", "誤り: ロックされました"),
                    unlock.map(|u| advice::sentence(*pin, u)),
                ),
                PinOutcome::Wrong { tries_left, unlock } => (
                    tr!("WRONG: {tries_left} tries left", "誤り: 残り{tries_left}回"),
                    Some(match unlock {
                        Some(u) => tr!(
                            "Do not guess. {way}",
                            "推測で入力しないでください。{way}",
                            way = advice::if_forgotten(*pin, *u)
                        ),
                        None => tr!(
                            "Do not guess: each wrong try brings the lock nearer",
                            "推測で入力しないでください。間違えるたびにロックに近づきます"
                        ),
                    }),
                ),
                PinOutcome::Blocked { .. } => (tr!("not tried: blocked", "未確認: ロック中"), None),
                PinOutcome::LastTryRefused { unlock } => (
                    tr!("not tried: only the last try is left", "未確認: 残り1回のため入力しませんでした"),
                    Some(tr!(
                        "Add --force (or answer yes at the prompt) only if you are sure of it. {way}",
                        "確実な場合に限り --force を付ける (またはプロンプトで yes と答える) と確認します。{way}",
                        way = advice::if_forgotten(*pin, *unlock)
                    )),
                ),
                PinOutcome::NoCertificate => {
                    (tr!("not tried: no signing certificate", "未確認: 署名用電子証明書がありません"), None)
                }
                PinOutcome::Error(e) => (
                    tr!("failed: {e}", "失敗: {e}", e = cause(e)),
                    Some(tr!("Check the counter with `jpki status`, which spends no try", "`jpki status` で残り回数を確認してください (回数は減りません)")),
                ),
            };
            (label, text, advice)
        }
    };
    (label, text, advice)
}

fn marker(status: Status) -> &'static str {
    match status {
        Status::Ok => "[ok]  ",
        Status::Warn => "[warn]",
        Status::Fail => "[FAIL]",
    }
}

/// Data fields of a check in JSON, besides its wording.
fn data(finding: &Finding) -> Map<String, Value> {
    let value = match finding {
        Finding::ServiceDown(ServiceProbe::PcscLite { installed, systemd, socket_unit }) => {
            json!({"platform": "pcsc-lite", "installed": installed, "systemd": systemd, "socket_unit": socket_unit})
        }
        Finding::ServiceDown(ServiceProbe::MacOs) => json!({"platform": "macos"}),
        Finding::ServiceDown(ServiceProbe::Windows) => json!({"platform": "windows"}),
        Finding::Reader { name, readers } => json!({"reader": name, "readers": readers}),
        Finding::NoReader { unlisted_usb } => json!({"unlisted_usb_readers": unlisted_usb}),
        Finding::ReaderNotFound { available, .. } => json!({"readers": available}),
        Finding::ReaderQueryAmbiguous { candidates, .. } | Finding::SeveralCards { candidates } => {
            json!({"readers": candidates})
        }
        Finding::Card { reader, device, card_info_applet } => {
            json!({"reader": reader, "device": device.id(), "card_info_applet": card_info_applet})
        }
        Finding::Counter { pin, state } => {
            let tries = match state {
                CounterState::Tries { left, .. } => Some(*left),
                CounterState::LastTry { .. } => Some(1),
                CounterState::Blocked { .. } => Some(0),
                _ => None,
            };
            let max = match state {
                CounterState::Tries { max, .. } | CounterState::LastTry { max, .. } => *max,
                _ => Some(pin.max_tries()),
            };
            json!({"pin": pin.name(), "tries_left": tries, "max_tries": max})
        }
        Finding::Certificate { cert, state } => match state {
            CertStatus::Read(s) => json!({
                "certificate": cert.name(),
                "state": s.state,
                "not_after": s.not_after,
                "days_left": s.days_left,
                "renewal_from": s.renewal_from,
            }),
            _ => json!({"certificate": cert.name()}),
        },
        Finding::Pin { pin, outcome } => match outcome {
            PinOutcome::Wrong { tries_left, .. } => json!({"pin": pin.name(), "tries_left": tries_left}),
            _ => json!({"pin": pin.name()}),
        },
        _ => json!({}),
    };
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn verdict_words(v: &Verdict, checks: &[Check]) -> String {
    // The checks behind a failure or a warning, named as in the list above.
    let reasons = |status: Status| -> String {
        let lines: Vec<String> = checks
            .iter()
            .filter(|c| c.status == status && c.concerns(&[v.purpose]))
            .map(|c| {
                let (label, text, _) = words(&c.finding);
                format!("{label}: {text}")
            })
            .collect();
        lines.join("; ")
    };
    match v.status {
        Status::Fail => tr!("NOT READY: {}", "利用できません: {}", reasons(Status::Fail)),
        Status::Warn => tr!("ready, but: {}", "利用できますが注意: {}", reasons(Status::Warn)),
        Status::Ok if v.pins_verified => tr!("ready", "利用できます"),
        Status::Ok => {
            let needs = v.purpose.needs();
            let flag = match (needs.contains(&Need::AuthPin), needs.contains(&Need::SignPin)) {
                (true, true) => "both",
                (false, _) => "sign",
                (true, false) => "auth",
            };
            tr!(
                "ready (PIN not checked: add --verify {flag})",
                "利用できます (暗証番号は未確認です。確認するには --verify {flag})"
            )
        }
    }
}

fn render(checks: &[Check], verdicts: &[Verdict]) -> Output {
    let mut text = String::new();
    let mut list = Vec::new();
    for check in checks {
        let (label, line, advice) = words(&check.finding);
        text.push_str(&format!("{} {}: {}\n", marker(check.status), label, one_line(&line)));
        if let Some(advice) = &advice {
            text.push_str(&format!("       -> {}\n", advice::by_sentence(&one_line(advice), "          ")));
        }
        let mut obj = Map::new();
        obj.insert("step".into(), check.finding.step().into());
        obj.insert("kind".into(), check.finding.kind().into());
        obj.insert("status".into(), check.status.name().into());
        obj.insert("message".into(), format!("{label}: {line}").into());
        obj.insert("advice".into(), advice.into());
        obj.extend(data(&check.finding));
        if let Some(unlock) = unlock_of(&check.finding) {
            obj.insert("unlock".into(), advice::json(unlock));
        }
        list.push(Value::Object(obj));
    }
    text.push('\n');
    let mut verdict_list = Vec::new();
    for v in verdicts {
        let line = verdict_words(v, checks);
        text.push_str(&format!("{} {}: {}\n", marker(v.status), purpose_name(v.purpose), one_line(&line)));
        verdict_list.push(json!({
            "purpose": v.purpose.name(),
            "status": v.status.name(),
            "ready": v.status != Status::Fail,
            "pins_verified": v.pins_verified,
            "blocked_by": v.blocked_by,
            "message": line,
        }));
    }
    let failed = checks.iter().find(|c| c.status == Status::Fail).map(failure);
    let code = failed.as_ref().map_or(ExitCode::Success, |f| f.code);
    let ok = failed.is_none();
    Output { text, failed, ..Default::default() }
        .field("ok", ok)
        .field("exit_code", code as i32)
        .field("checks", list)
        .field("verdicts", verdict_list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::i18n::{set_for_this_thread, Lang};

    const KIOSK: Unlock = Unlock::Kiosk { needs: PinKind::Sign };
    /// notAfter of the simulator's fixture certificates (2030-12-25 23:59:59 JST).
    const FIXTURE_EXPIRY: i64 = 1_924_441_199;

    fn samples() -> Vec<Finding> {
        let cert = |state| Finding::Certificate { cert: CertKind::Sign, state };
        let counter = |state| Finding::Counter { pin: PinKind::Auth, state };
        let pin = |outcome| Finding::Pin { pin: PinKind::Sign, outcome };
        // The fixture's auth certificate, `days` after its expiry.
        let read = |days: i64| {
            let der = include_bytes!("../sim/fixtures/auth.crt.der");
            let summary = jpki::cert::summarize(der, FIXTURE_EXPIRY + days * 86_400).unwrap();
            CertStatus::Read(Box::new(summary))
        };
        vec![
            Finding::ServiceDown(ServiceProbe::PcscLite { installed: false, systemd: true, socket_unit: false }),
            Finding::ServiceDown(ServiceProbe::PcscLite { installed: true, systemd: true, socket_unit: true }),
            Finding::ServiceDown(ServiceProbe::PcscLite { installed: true, systemd: true, socket_unit: false }),
            Finding::ServiceDown(ServiceProbe::PcscLite { installed: true, systemd: false, socket_unit: false }),
            Finding::ServiceDown(ServiceProbe::MacOs),
            Finding::ServiceDown(ServiceProbe::Windows),
            Finding::PcscError(Cause::Worded("x".into())),
            Finding::NoReader { unlisted_usb: 0 },
            Finding::NoReader { unlisted_usb: 1 },
            Finding::ReaderNotFound { query: "q".into(), available: vec!["A".into()] },
            Finding::ReaderQueryAmbiguous { query: "q".into(), candidates: vec!["A".into(), "B".into()] },
            Finding::NoCard,
            Finding::SeveralCards { candidates: vec!["A".into(), "B".into()] },
            Finding::NotJpki,
            Finding::CardBusy,
            Finding::CardError(Cause::Worded("x".into())),
            counter(CounterState::Blocked { unlock: KIOSK }),
            counter(CounterState::LastTry { max: Some(3), unlock: KIOSK }),
            cert(read(-30)),
            cert(read(3)),
            cert(CertStatus::NotIssued),
            cert(CertStatus::Unreadable(Cause::Worded("x".into()))),
            pin(PinOutcome::Wrong { tries_left: 2, unlock: None }),
            pin(PinOutcome::Wrong { tries_left: 0, unlock: Some(KIOSK) }),
            pin(PinOutcome::LastTryRefused { unlock: KIOSK }),
            pin(PinOutcome::Error(Cause::Worded("x".into()))),
        ]
    }

    #[test]
    fn every_trouble_has_advice_in_both_languages_and_platform_fixes_fit() {
        for lang in [Lang::En, Lang::Ja] {
            set_for_this_thread(lang);
            for finding in samples() {
                let (label, text, advice) = words(&finding);
                assert!(!label.is_empty() && !text.is_empty(), "{finding:?}");
                let advice = advice.unwrap_or_else(|| panic!("{lang:?}: no advice for {finding:?}"));
                assert!(!advice.is_empty());
                if let Finding::ServiceDown(ServiceProbe::MacOs | ServiceProbe::Windows) = finding {
                    assert!(!advice.contains("sudo") && !advice.contains("pcscd"), "{advice}");
                }
            }
        }
        set_for_this_thread(Lang::En);
        let advice = |f: Finding| words(&f).2.unwrap();
        let socket = ServiceProbe::PcscLite { installed: true, systemd: true, socket_unit: true };
        assert!(advice(Finding::ServiceDown(socket)).contains("pcscd.socket"));
        let bare = ServiceProbe::PcscLite { installed: true, systemd: false, socket_unit: true };
        assert!(advice(Finding::ServiceDown(bare)).contains("sudo pcscd"));
    }

    #[test]
    fn a_count_above_the_documented_maximum_is_not_shown_as_more_than_all() {
        // A smartphone may allow more tries than the card.
        let text =
            |left| words(&Finding::Counter { pin: PinKind::Auth, state: CounterState::Tries { left, max: Some(3) } }).1;
        set_for_this_thread(Lang::En);
        assert_eq!(text(2), "2 of 3 tries left");
        assert_eq!(text(5), "5 tries left (more than the documented 3)");
        set_for_this_thread(Lang::Ja);
        assert!(!text(5).contains("最大3回)"), "{}", text(5));
        set_for_this_thread(Lang::En);
    }

    #[test]
    fn the_first_failed_check_sets_the_exit_code() {
        let checks: Vec<Check> = vec![
            Finding::Counter { pin: PinKind::Sign, state: CounterState::LastTry { max: Some(5), unlock: KIOSK } }
                .into(),
            Finding::Certificate { cert: CertKind::Sign, state: CertStatus::NotIssued }.into(),
            Finding::Counter { pin: PinKind::Auth, state: CounterState::Blocked { unlock: KIOSK } }.into(),
        ];
        let verdicts = diagnose::verdicts(&checks, &[Purpose::MynaPortal]);
        let out = render(&checks, &verdicts);
        let failed = out.failed.as_ref().unwrap();
        assert_eq!((failed.code, failed.kind), (ExitCode::NoSignCert, "sign_cert_not_issued"));
        assert_eq!(out.json["exit_code"], 7);
        assert_eq!(out.json["verdicts"][0]["blocked_by"], json!(["pin_blocked"]));
        let ok: Vec<Check> = vec![Finding::ServiceRunning.into()];
        assert!(render(&ok, &[]).failed.is_none());
    }
}
