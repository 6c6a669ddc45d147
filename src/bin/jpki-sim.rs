//! `jpki-sim`: a virtual My Number Card (JPKI) plugged into pcscd through the
//! vsmartcard vpcd driver. See docs/virtual-card.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, ValueEnum};

use jpki::sim::log::ApduLog;
use jpki::sim::state::StateError;
use jpki::sim::vpcd::{Bridge, BridgeOptions, DEFAULT_HOST, DEFAULT_PORT};
use jpki::sim::{
    jst_end_of_day, BlockedSw, CardData, ForcedAnswer, LeafCert, OptionalApplet, PinId, SignCertFile, SimConfig,
    Smartphone, StateDir, UnissuedSignPin, VerifiedQuery, VirtualCard,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

impl OnOff {
    fn on(self) -> bool {
        self == OnOff::On
    }
}

/// Virtual My Number Card (JPKI AP, 券面事項入力補助AP, 券面事項確認AP) for pcscd's vpcd driver.
///
/// The card appears in reader "Virtual PCD 00 00" (port 35963) or "Virtual PCD 00 01"
/// (port 35964) while this program runs. PIN values and counters live in the state
/// directory (pins.json) and survive restarts. Default PINs: auth 1234, sign ABC123,
/// card-info 1234.
#[derive(Parser, Debug)]
#[command(name = "jpki-sim", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("JPKI_BUILD_INFO"), ")"))]
struct Args {
    /// State directory [default: $JPKI_SIM_STATE, $XDG_STATE_HOME/jpki-sim or ~/.local/state/jpki-sim]
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,

    /// Host where pcscd's vpcd driver listens
    #[arg(long, default_value = DEFAULT_HOST)]
    host: String,

    /// vpcd port [default: 35963, or 35963+SLOT]
    #[arg(long, conflicts_with = "slot")]
    port: Option<u16>,

    /// vpcd slot: shorthand for --port 35963+SLOT (0 = "Virtual PCD 00 00", 1 = "Virtual PCD 00 01")
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=99))]
    slot: Option<u16>,

    /// Append one line per APDU (PINs masked) and per event to FILE ("-" = stderr)
    #[arg(long, value_name = "FILE")]
    apdu_log: Option<PathBuf>,

    /// Status word of VERIFY on an already blocked PIN: 63C0, 6983 or 6984
    #[arg(long, value_name = "SW", default_value = "6984")]
    blocked_sw: BlockedSw,

    /// Status word of the retry query (VERIFY without data) on a blocked PIN:
    /// 63C0, 6983 or 6984
    #[arg(long, value_name = "SW", default_value = "63C0")]
    blocked_query_sw: BlockedSw,

    /// Accept extended-length APDUs (and present the ATR that advertises them)
    #[arg(long, value_enum, value_name = "on|off", default_value = "on")]
    extended_length: OnOff,

    /// Accept the SFI forms of VERIFY, READ BINARY and COMPUTE DIGITAL SIGNATURE
    #[arg(long, value_enum, value_name = "on|off", default_value = "on")]
    sfi: OnOff,

    /// Each signature consumes the PIN verification (a second one needs a new VERIFY)
    #[arg(long)]
    sign_needs_fresh_verify: bool,

    /// Answer of the empty VERIFY after a successful VERIFY: 9000 or 63cx
    #[arg(long, value_name = "9000|63cx", default_value = "63cx")]
    verified_query: VerifiedQuery,

    /// Re-selecting an application clears its verified PINs
    #[arg(long)]
    reselect_clears_pin: bool,

    /// A PIN of the wrong length for its kind costs a try instead of answering 6700
    #[arg(long)]
    wrong_length_counts: bool,

    /// Model a card without a signing certificate (holder under 15)
    #[arg(long)]
    no_sign_cert: bool,

    /// With --no-sign-cert, how the signing password's file answers: usable (63C5),
    /// unusable (6984 to every VERIFY) or absent (SELECT answers 6A82)
    #[arg(long, value_name = "MODEL", default_value = "usable", requires = "no_sign_cert")]
    unissued_sign_pin: UnissuedSignPin,

    /// The signing certificate's file holds no certificate: absent (SELECT
    /// answers 6A82), empty (0 bytes) or ff (filled with FF). Default: the
    /// certificate, or absent with --no-sign-cert
    #[arg(long, value_name = "FILE")]
    sign_cert_file: Option<SignCertFile>,

    /// Content of EF 0008 (certificate availability), hex, any length (even
    /// empty) [default: 8F8F00, or 008F00 with --no-sign-cert]
    #[arg(long, value_name = "HEX")]
    cert_flags: Option<String>,

    /// Model a card that lacks this applet (SELECT answers 6A82): cardinfo
    /// (券面事項入力補助AP), visual (券面事項確認AP) or jpki (公的個人認証AP: not a
    /// My Number Card). Repeatable
    #[arg(long, value_name = "APPLET")]
    without_applet: Vec<OptionalApplet>,

    /// Play the smartphone certificate (スマホ用電子証明書) instead of the plastic
    /// card: android (the default) or ios token label, the auth certificate
    /// readable only after the auth PIN, no card-info applets
    #[arg(long, value_name = "android|ios", num_args = 0..=1, require_equals = true, default_missing_value = "android")]
    smartphone: Option<Smartphone>,

    /// Return response data through 61xx and GET RESPONSE
    #[arg(long)]
    get_response: bool,

    /// Answer 6Cxx to a short Le larger than the available data
    #[arg(long)]
    wrong_le_6c: bool,

    /// The first APDU after each power-on or reset answers 6F00
    #[arg(long, alias = "first-apdu-after-power-6f00")]
    first_apdu_6f00: bool,

    /// VERIFY with a PIN answers this status word instead of its own; with
    /// ":done" the card still checks the PIN (and counts a wrong one)
    #[arg(long, value_name = "SW[:done]")]
    verify_answer: Option<ForcedAnswer>,

    /// CHANGE REFERENCE DATA answers this status word instead of its own;
    /// with ":done" the card still changes the PIN
    #[arg(long, value_name = "SW[:done]")]
    change_answer: Option<ForcedAnswer>,

    /// Override the ATR (hex, spaces and colons allowed)
    #[arg(long, value_name = "HEX")]
    atr: Option<String>,

    /// Delay before answering every APDU
    #[arg(long, value_name = "MS", default_value_t = 0)]
    apdu_latency_ms: u64,

    /// Extra delay before answering COMPUTE DIGITAL SIGNATURE
    #[arg(long, value_name = "MS", default_value_t = 0)]
    sign_latency_ms: u64,

    /// Close the link instead of answering APDU number N (counted from 1 since start)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    drop_at: Option<u64>,

    /// Send only the first byte of the response to APDU number N
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    corrupt_at: Option<u64>,

    /// Execute the first APDU with this INS (hex, e.g. 20) but never answer it, until stopped
    #[arg(long, value_name = "INS", value_parser = parse_ins)]
    hang_on: Option<u8>,

    /// Execute APDU number N (counted like --drop-at) but never answer it, until stopped
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    hang_at: Option<u64>,

    /// Set a PIN value (and reset its counter) before starting; repeatable.
    /// Names: auth, sign, cardinfo, cardinfo-a, cardinfo-b, visual-a, visual-b, visual-birth
    #[arg(long = "set-pin", value_name = "NAME=VALUE")]
    set_pin: Vec<String>,

    /// Set the tries left of a PIN before starting (0 blocks it); repeatable
    #[arg(long = "set-tries", value_name = "NAME=N")]
    set_tries: Vec<String>,

    /// Set the maximum of a PIN's counter (1-15) and fill the counter to it; repeatable
    #[arg(long = "set-max", value_name = "NAME=N")]
    set_max: Vec<String>,

    /// Set a field of the card-info AP's holder data; repeatable. Fields: name, address,
    /// birth-date (YYYYMMDD), sex (1, 2 or 9), my-number (12 digits). The certificates keep
    /// the fixture's data
    #[arg(long = "holder", value_name = "FIELD=VALUE")]
    holder: Vec<String>,

    /// Use another holder's signing key (PKCS#8 DER) instead of the fixture's; needs --sign-cert
    #[arg(long, value_name = "FILE", requires = "sign_cert")]
    sign_key: Option<PathBuf>,

    /// Use another holder's signing certificate (DER) instead of the fixture's; needs --sign-key
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    sign_cert: Option<PathBuf>,

    /// Make the certificates expire DAYS days from today (negative: DAYS days ago), at
    /// 23:59:59 JST, re-signed by the fixture CAs; `auth=DAYS` or `sign=DAYS` for one of
    /// them. Repeatable
    #[arg(long, value_name = "[auth=|sign=]DAYS", allow_hyphen_values = true)]
    cert_expires_in: Vec<String>,

    /// Start from the default PINs and counters
    #[arg(long)]
    reset_state: bool,

    /// Serve a single vpcd connection and exit when it ends
    #[arg(long)]
    once: bool,

    /// Create or update the state directory (applying --reset-state, --set-pin, --set-max, --set-tries) and exit
    #[arg(long)]
    init_only: bool,

    /// Print pins.json (after applying the state options) and exit
    #[arg(long)]
    print_state: bool,
}

fn split_assignment(s: &str) -> Result<(PinId, &str)> {
    let (name, value) = s.split_once('=').with_context(|| format!("expected NAME=VALUE, got {s:?}"))?;
    Ok((name.parse::<PinId>().map_err(anyhow::Error::msg)?, value))
}

fn parse_atr(s: &str) -> Result<Vec<u8>> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
    let atr = hex::decode(&cleaned).with_context(|| format!("--atr {s:?} is not hex"))?;
    if atr.is_empty() || atr.len() > 33 {
        bail!("--atr must be 1 to 33 bytes");
    }
    Ok(atr)
}

/// The state directory when --state is not given: `$JPKI_SIM_STATE`, else
/// `$XDG_STATE_HOME/jpki-sim`, else `~/.local/state/jpki-sim`.
fn default_state_dir() -> Result<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = non_empty("JPKI_SIM_STATE") {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = non_empty("XDG_STATE_HOME") {
        return Ok(PathBuf::from(p).join("jpki-sim"));
    }
    if let Some(p) = non_empty("HOME") {
        return Ok(PathBuf::from(p).join(".local/state/jpki-sim"));
    }
    bail!("no state directory: set --state, $JPKI_SIM_STATE, $XDG_STATE_HOME or $HOME")
}

/// A state error, with what to do when pins.json cannot be used.
fn state_error(e: StateError) -> anyhow::Error {
    match e {
        StateError::BadPins { .. } => anyhow!("{e} (fix or delete the file, or start with --reset-state)"),
        other => other.into(),
    }
}

fn run(args: Args) -> Result<()> {
    let atr = args.atr.as_deref().map(parse_atr).transpose()?;
    let cert_flags = args
        .cert_flags
        .as_deref()
        .map(|h| hex::decode(h).map_err(|e| anyhow!("--cert-flags {h:?} is not hex: {e}")))
        .transpose()?;
    let mut data = CardData::default_fixture();
    for a in &args.holder {
        let (field, value) = a.split_once('=').with_context(|| format!("--holder: expected FIELD=VALUE, got {a:?}"))?;
        data.set_holder_field(field, value).map_err(|e| anyhow!("--holder: {e}"))?;
    }
    if let (Some(key), Some(cert)) = (&args.sign_key, &args.sign_cert) {
        let read = |p: &PathBuf| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
        data.sign_key = rsa::pkcs8::DecodePrivateKey::from_pkcs8_der(&read(key)?)
            .map_err(|e| anyhow!("--sign-key: not a PKCS#8 DER RSA key: {e}"))?;
        data.sign_cert = read(cert)?;
    }
    for a in &args.cert_expires_in {
        let (which, days) = match a.split_once('=') {
            Some(("auth", d)) => (&[LeafCert::Auth][..], d),
            Some(("sign", d)) => (&[LeafCert::Sign][..], d),
            Some((other, _)) => bail!("--cert-expires-in: unknown certificate {other:?} (auth or sign)"),
            None => (&[LeafCert::Auth, LeafCert::Sign][..], a.as_str()),
        };
        let days: i64 = days
            .parse()
            .ok()
            .filter(|d: &i64| d.abs() <= 36_500)
            .ok_or_else(|| anyhow!("--cert-expires-in: {days:?} is not a number of days (-36500 to 36500)"))?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
        for &which in which {
            data.set_cert_expiry(which, jst_end_of_day(now, days)).map_err(|e| anyhow!("--cert-expires-in: {e}"))?;
        }
    }
    let state_path = match &args.state {
        Some(p) => p.clone(),
        None => default_state_dir()?,
    };
    let state = StateDir::open(&state_path).map_err(state_error)?;
    let mut pins = state.load_or_init(&data, args.reset_state).map_err(state_error)?;
    let mut changed = false;
    for a in &args.set_pin {
        let (id, value) = split_assignment(a).context("--set-pin")?;
        pins.set_value(id, value).map_err(|e| anyhow!("--set-pin: {e}"))?;
        changed = true;
    }
    for a in &args.set_max {
        let (id, value) = split_assignment(a).context("--set-max")?;
        let n: u8 = value.parse().map_err(|_| anyhow!("--set-max: {value:?} is not a number"))?;
        pins.set_max(id, n).map_err(|e| anyhow!("--set-max: {e}"))?;
        changed = true;
    }
    for a in &args.set_tries {
        let (id, value) = split_assignment(a).context("--set-tries")?;
        let n: u8 = value.parse().map_err(|_| anyhow!("--set-tries: {value:?} is not a number"))?;
        pins.set_tries(id, n).map_err(|e| anyhow!("--set-tries: {e}"))?;
        changed = true;
    }
    if changed {
        state.save_pins(&pins).map_err(state_error)?;
    }
    state.write_card_files(&data).map_err(state_error)?;
    if args.print_state {
        print!("{}", pins.to_json());
    }
    if args.init_only || args.print_state {
        return Ok(());
    }

    let config = SimConfig {
        blocked_sw: args.blocked_sw,
        blocked_query_sw: args.blocked_query_sw,
        extended_length: args.extended_length.on(),
        sfi: args.sfi.on(),
        sign_needs_fresh_verify: args.sign_needs_fresh_verify,
        verified_query: args.verified_query,
        reselect_clears_pin: args.reselect_clears_pin,
        wrong_length_counts: args.wrong_length_counts,
        no_sign_cert: args.no_sign_cert,
        unissued_sign_pin: args.unissued_sign_pin,
        sign_cert_file: args.sign_cert_file,
        cert_flags,
        without_applets: args.without_applet,
        smartphone: args.smartphone,
        get_response: args.get_response,
        wrong_le_6c: args.wrong_le_6c,
        first_apdu_after_power_6f00: args.first_apdu_6f00,
        verify_answer: args.verify_answer,
        change_answer: args.change_answer,
        atr,
        latency_per_apdu_ms: args.apdu_latency_ms,
        latency_per_signature_ms: args.sign_latency_ms,
        drop_at: args.drop_at,
        corrupt_at: args.corrupt_at,
        hang_on: args.hang_on,
        hang_at: args.hang_at,
    };
    let log = match &args.apdu_log {
        Some(p) => ApduLog::open(p).with_context(|| format!("cannot open APDU log {}", p.display()))?,
        None => ApduLog::disabled(),
    };
    let port = args.port.unwrap_or(DEFAULT_PORT + args.slot.unwrap_or(0));
    let opts = BridgeOptions { host: args.host.clone(), port, once: args.once, ..BridgeOptions::default() };

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("cannot install signal handler")?;

    let card = VirtualCard::new(config, data, pins);
    let mut bridge = Bridge::new(card, Some(state), log, opts, stop);
    bridge.run()?;
    Ok(())
}

/// The library logs the bridge's events ("card inserted", "waiting for vpcd")
/// at info level; they go to stderr as `jpki-sim: …` lines.
fn init_logging() {
    use std::io::Write;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("jpki=info"))
        .format(|f, record| match record.level() {
            log::Level::Info => writeln!(f, "jpki-sim: {}", record.args()),
            level => writeln!(f, "jpki-sim: {}: {}", level.as_str().to_lowercase(), record.args()),
        })
        .init();
}

fn parse_ins(s: &str) -> Result<u8, String> {
    u8::from_str_radix(s, 16).map_err(|_| format!("{s:?} is not one hex byte (such as 20 or 2A)"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jpki-sim: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
