//! Bridge between the virtual card and pcscd's vpcd driver (vsmartcard).
//!
//! Protocol: the card side is a TCP *client* of the vpcd driver, which
//! listens on 127.0.0.1:35963 for reader "Virtual PCD 00 00" (35964 for
//! "… 00 01"). Every message in either direction is a 2-byte big-endian
//! length followed by that many bytes. A 1-byte message from vpcd is a
//! control code: `0` power off, `1` power on, `2` reset (no answer), `4` get
//! ATR (answered with the ATR as a normal message). Any longer message is a
//! command APDU, answered with the response APDU.
//!
//! The bridge reconnects forever (pcscd may start later or restart), applies
//! the latency and fault switches of [`SimConfig`](super::SimConfig), writes
//! the APDU log and persists the PIN state after every change.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::card::{is_signature_command, VirtualCard};
use super::log::{ApduLog, Delivery};
use super::state::StateDir;

/// Default vpcd host.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// Default vpcd port (slot 0, reader "Virtual PCD 00 00").
pub const DEFAULT_PORT: u16 = 35963;

const POLL: Duration = Duration::from_millis(200);

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct BridgeOptions {
    /// vpcd host.
    pub host: String,
    /// vpcd port.
    pub port: u16,
    /// Serve one connection only: return when it ends instead of reconnecting.
    pub once: bool,
    /// Pause between connection attempts while vpcd is not reachable.
    pub retry_interval: Duration,
    /// Pause after a deliberate drop (`drop_at`) before reconnecting, so the
    /// card comes back as a new insertion.
    pub drop_pause: Duration,
    /// Log "card inserted" and "waiting" lines (at info level).
    pub announce: bool,
}

impl Default for BridgeOptions {
    fn default() -> Self {
        BridgeOptions {
            host: DEFAULT_HOST.to_string(),
            port: DEFAULT_PORT,
            once: false,
            retry_interval: Duration::from_millis(500),
            drop_pause: Duration::from_millis(1000),
            announce: true,
        }
    }
}

/// What to do after one vpcd message.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this message back.
    Reply(Vec<u8>),
    /// Send nothing.
    Nothing,
    /// Close the link without answering (fault hook).
    Drop,
}

enum End {
    Stopped,
    PeerClosed,
    Dropped,
}

/// The virtual card plugged into vpcd.
pub struct Bridge {
    card: VirtualCard,
    state: Option<StateDir>,
    log: ApduLog,
    opts: BridgeOptions,
    stop: Arc<AtomicBool>,
    seq: u64,
}

impl Bridge {
    /// A bridge for `card`. PIN changes are saved to `state` (if any); the
    /// bridge stops when `stop` becomes true (checked at least every 200 ms).
    pub fn new(
        card: VirtualCard,
        state: Option<StateDir>,
        log: ApduLog,
        opts: BridgeOptions,
        stop: Arc<AtomicBool>,
    ) -> Bridge {
        Bridge { card, state, log, opts, stop, seq: 0 }
    }

    /// The card.
    pub fn card(&self) -> &VirtualCard {
        &self.card
    }

    /// Number of APDUs received so far.
    pub fn apdu_count(&self) -> u64 {
        self.seq
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Handle one message from vpcd (control code or APDU).
    pub fn handle_message(&mut self, msg: &[u8]) -> Action {
        match msg {
            [] => Action::Nothing,
            [0] => {
                self.card.power_off();
                self.log.event("power-off");
                Action::Nothing
            }
            [1] => {
                self.card.power_on();
                self.log.event("power-on");
                Action::Nothing
            }
            [2] => {
                self.card.reset();
                self.log.event("reset");
                Action::Nothing
            }
            [4] => Action::Reply(self.card.atr()),
            [other] => {
                self.log.event(&format!("unknown-control {other}"));
                Action::Nothing
            }
            apdu => self.handle_apdu(apdu),
        }
    }

    fn handle_apdu(&mut self, apdu: &[u8]) -> Action {
        self.seq += 1;
        let seq = self.seq;
        let cfg = self.card.config();
        let mut delay = cfg.latency_per_apdu_ms;
        if is_signature_command(apdu) {
            delay = delay.saturating_add(cfg.latency_per_signature_ms);
        }
        let drop = cfg.drop_at == Some(seq);
        let corrupt = cfg.corrupt_at == Some(seq);
        let hang = cfg.hang_at == Some(seq) || (cfg.hang_on.is_some() && cfg.hang_on == apdu.get(1).copied());
        self.sleep(Duration::from_millis(delay));
        let response = self.card.transmit(apdu);
        self.persist();
        if hang {
            // Logged before the silence, so that a test sees the card got it.
            self.log.apdu(seq, apdu, &response, Delivery::Hung);
            while !self.stopped() {
                std::thread::sleep(Duration::from_millis(50));
            }
            return Action::Drop;
        }
        if drop {
            self.log.apdu(seq, apdu, &response, Delivery::Dropped);
            return Action::Drop;
        }
        if corrupt {
            self.log.apdu(seq, apdu, &response, Delivery::Corrupted);
            return Action::Reply(response[..1].to_vec());
        }
        self.log.apdu(seq, apdu, &response, Delivery::Normal);
        Action::Reply(response)
    }

    /// Save the PIN state if it changed.
    pub fn persist(&mut self) {
        if self.card.take_pin_changes() {
            if let Some(state) = &self.state {
                if let Err(e) = state.save_pins(self.card.pin_store()) {
                    log::warn!("cannot save PIN state: {e}");
                }
            }
        }
    }

    /// Sleep, waking early when stopped.
    fn sleep(&self, total: Duration) {
        let end = Instant::now() + total;
        while !self.stopped() {
            let now = Instant::now();
            if now >= end {
                break;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }

    /// Connect to vpcd and serve until stopped (or, with `once`, until the
    /// first connection ends). Fails only when the address cannot be resolved.
    pub fn run(&mut self) -> io::Result<()> {
        let target = format!("{}:{}", self.opts.host, self.opts.port);
        let addrs: Vec<SocketAddr> = target
            .to_socket_addrs()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot resolve vpcd address {target}: {e}")))?
            .collect();
        let Some(&addr) = addrs.first() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("no address for {target}")));
        };
        let mut waiting_reported = false;
        while !self.stopped() {
            let stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                Ok(s) => s,
                Err(e) => {
                    if self.opts.announce && !waiting_reported {
                        log::info!("waiting for vpcd at {target} ({e}); is pcscd running with the vpcd driver?");
                        waiting_reported = true;
                    }
                    self.sleep(self.opts.retry_interval);
                    continue;
                }
            };
            waiting_reported = false;
            self.log.event("connected");
            if self.opts.announce {
                log::info!("card inserted in vpcd at {target}");
            }
            let end = self.serve(stream);
            // The link is gone: the card left the reader.
            self.card.power_off();
            self.persist();
            self.log.event("disconnected");
            if self.opts.once {
                break;
            }
            match end {
                End::Stopped => break,
                End::Dropped => self.sleep(self.opts.drop_pause),
                End::PeerClosed => self.sleep(self.opts.retry_interval),
            }
        }
        self.persist();
        Ok(())
    }

    fn serve(&mut self, mut stream: TcpStream) -> End {
        if stream.set_read_timeout(Some(POLL)).is_err() {
            return End::PeerClosed;
        }
        let _ = stream.set_nodelay(true);
        loop {
            let msg = match read_frame(&mut stream, &self.stop) {
                Ok(Some(msg)) => msg,
                Ok(None) => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return End::Stopped;
                }
                Err(_) => return End::PeerClosed,
            };
            match self.handle_message(&msg) {
                Action::Nothing => {}
                Action::Reply(bytes) => {
                    if write_frame(&mut stream, &bytes).is_err() {
                        return End::PeerClosed;
                    }
                }
                Action::Drop => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return End::Dropped;
                }
            }
        }
    }
}

/// Read one length-prefixed message. `Ok(None)` when stopped while waiting.
fn read_frame(stream: &mut TcpStream, stop: &AtomicBool) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    if !read_full(stream, &mut len, stop)? {
        return Ok(None);
    }
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    if !read_full(stream, &mut buf, stop)? {
        return Ok(None);
    }
    Ok(Some(buf))
}

fn read_full(stream: &mut TcpStream, buf: &mut [u8], stop: &AtomicBool) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                got += n;
                ack_at_once(stream);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// vpcd writes a frame's length and its body separately without TCP_NODELAY,
/// so a delayed ACK from us would hold every body back ~40 ms (Nagle). Linux
/// turns quick ACKs off again by itself, so this is renewed after each read.
fn ack_at_once(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(stream).set_quickack(true);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = stream;
}

fn write_frame(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    let len = u16::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "response too long for vpcd"))?;
    let mut frame = Vec::with_capacity(bytes.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(bytes);
    stream.write_all(&frame)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{CardData, PinId, PinStore, SimConfig};
    use std::net::TcpListener;

    use crate::sim::log::test_support::Shared;

    fn bridge(config: SimConfig, state: Option<StateDir>, log: &Shared, port: u16, stop: Arc<AtomicBool>) -> Bridge {
        let data = CardData::default_fixture();
        let pins = match &state {
            Some(s) => s.load_or_init(&data, false).unwrap(),
            None => PinStore::defaults(&data),
        };
        let card = VirtualCard::new(config, data, pins);
        let opts = BridgeOptions {
            port,
            retry_interval: Duration::from_millis(50),
            drop_pause: Duration::from_millis(50),
            announce: false,
            ..BridgeOptions::default()
        };
        Bridge::new(card, state, ApduLog::to_writer(Box::new(log.clone())), opts, stop)
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// Test side of the vpcd protocol.
    struct FakeVpcd(TcpStream);
    impl FakeVpcd {
        fn send(&mut self, msg: &[u8]) {
            write_frame(&mut self.0, msg).unwrap();
        }
        fn recv(&mut self) -> io::Result<Vec<u8>> {
            let never = AtomicBool::new(false);
            self.0.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut len = [0u8; 2];
            self.0.read_exact(&mut len)?;
            let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
            read_full(&mut self.0, &mut buf, &never)?;
            Ok(buf)
        }
        fn apdu(&mut self, hex: &str) -> Vec<u8> {
            self.send(&h(hex));
            self.recv().unwrap()
        }
    }

    #[test]
    fn control_codes_and_apdus() {
        let log = Shared::default();
        let mut b = bridge(SimConfig::default(), None, &log, 1, Arc::new(AtomicBool::new(false)));
        assert_eq!(b.handle_message(&[4]), Action::Reply(crate::sim::config::ATR_EXTENDED.to_vec()));
        assert_eq!(b.handle_message(&[1]), Action::Nothing);
        assert_eq!(
            b.handle_message(&h("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")),
            Action::Reply(vec![0x90, 0x00])
        );
        assert_eq!(b.handle_message(&h("00 A4 02 0C 02 00 18")), Action::Reply(vec![0x90, 0x00]));
        assert_eq!(b.handle_message(&h("00 20 00 80 04 31 32 33 34")), Action::Reply(vec![0x90, 0x00]));
        assert!(b.card().is_verified(PinId::Auth));
        assert_eq!(b.handle_message(&[2]), Action::Nothing);
        assert!(!b.card().is_verified(PinId::Auth));
        assert_eq!(b.handle_message(&[0]), Action::Nothing);
        assert_eq!(b.handle_message(&[0x00, 0xA4]), Action::Reply(vec![0x67, 0x00]));
        assert_eq!(b.apdu_count(), 4);
        let text = log.text();
        let apdus: Vec<_> = text.lines().filter(|l| l.starts_with("APDU ")).collect();
        assert_eq!(apdus.len(), 4);
        assert_eq!(apdus[2], "APDU 3 00200080[secret] -> 9000 0");
        assert!(text.contains("EVENT power-on\n"));
        assert!(text.contains("EVENT reset\n"));
        assert!(text.contains("EVENT power-off\n"));
        assert!(!text.contains("31323334"));
    }

    #[test]
    fn corrupt_at_sends_one_byte() {
        let log = Shared::default();
        let cfg = SimConfig { corrupt_at: Some(2), ..SimConfig::default() };
        let mut b = bridge(cfg, None, &log, 1, Arc::new(AtomicBool::new(false)));
        assert_eq!(
            b.handle_message(&h("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")),
            Action::Reply(vec![0x90, 0x00])
        );
        assert_eq!(b.handle_message(&h("00 A4 02 0C 02 00 18")), Action::Reply(vec![0x90]));
        assert!(log.text().contains("APDU 2 00A4020C020018 -> 9000 0 corrupted"));
    }

    #[test]
    fn pin_changes_are_persisted_after_each_apdu() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(dir.path()).unwrap();
        let log = Shared::default();
        let mut b = bridge(SimConfig::default(), Some(state.clone()), &log, 1, Arc::new(AtomicBool::new(false)));
        b.handle_message(&h("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"));
        b.handle_message(&h("00 A4 02 0C 02 00 1B"));
        b.handle_message(&h("00 20 00 80 06 31 31 31 31 31 31"));
        let on_disk = PinStore::from_json(
            &std::fs::read_to_string(state.pins_path()).unwrap(),
            &PinStore::defaults(&CardData::default_fixture()),
        )
        .unwrap();
        assert_eq!(on_disk.tries_left(PinId::Sign), 4);
    }

    #[test]
    fn tcp_session_drop_and_reconnect_and_stop() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Shared::default();
        let stop = Arc::new(AtomicBool::new(false));
        let cfg = SimConfig { drop_at: Some(3), ..SimConfig::default() };
        let mut b = bridge(cfg, None, &log, port, stop.clone());
        let worker = std::thread::spawn(move || b.run());

        let (s, _) = listener.accept().unwrap();
        let mut v = FakeVpcd(s);
        v.send(&[4]);
        assert_eq!(v.recv().unwrap(), crate::sim::config::ATR_EXTENDED.to_vec());
        v.send(&[1]);
        assert_eq!(v.apdu("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), vec![0x90, 0x00]);
        let r = v.apdu("00 A4 02 0C 02 00 0A");
        assert_eq!(r, vec![0x90, 0x00]);
        // APDU 3 is dropped: the link closes.
        v.send(&h("00 B0 00 00 00"));
        assert!(v.recv().is_err());
        // The bridge comes back as a new insertion, powered off until told.
        let (s, _) = listener.accept().unwrap();
        let mut v = FakeVpcd(s);
        v.send(&[1]);
        assert_eq!(v.apdu("00 A4 02 0C 02 00 0A"), vec![0x6A, 0x82]);
        // An extended read passes through the framing.
        v.apdu("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
        v.apdu("00 A4 02 0C 02 00 0A");
        let r = v.apdu("00 B0 00 00 00 00 00");
        assert_eq!(r.len(), 2050);
        let started = Instant::now();
        stop.store(true, Ordering::SeqCst);
        worker.join().unwrap().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        // The socket is closed: the reader sees the card go.
        assert!(v.recv().is_err());
        let text = log.text();
        assert_eq!(text.lines().filter(|l| l.starts_with("APDU ")).count(), 7);
        assert!(text.contains("APDU 3 00B0000000 -> 9000 256 dropped"));
        assert_eq!(text.matches("EVENT connected").count(), 2);
        assert_eq!(text.matches("EVENT disconnected").count(), 2);
    }

    #[test]
    fn waits_for_vpcd_and_stops() {
        // Nothing listens on this port (bound then released).
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Shared::default();
        let mut b = bridge(SimConfig::default(), None, &log, port, stop.clone());
        let worker = std::thread::spawn(move || b.run());
        std::thread::sleep(Duration::from_millis(150));
        stop.store(true, Ordering::SeqCst);
        worker.join().unwrap().unwrap();
        assert!(!log.text().contains("EVENT connected"));
    }
}
