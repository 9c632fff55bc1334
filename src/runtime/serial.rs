//! A serial port for the serial pane: one tokio task per open port that turns its bytes into lines
//! (with [`crate::serial::LineAssembler`]), writes what the learner sends, changes the baud rate,
//! pulses a NodeMCU's reset, and reopens the port by its path after an unplug (a re-pointed
//! `/dev/serial/by-id` link or pseudo-terminal link too). Also the port list (`ports.rs`) and the
//! explanations of what went wrong (`errors.rs`).
//!
//! Opening never resets a NodeMCU: the port is opened without touching DTR, then RTS is cleared
//! before DTR, so the lines never pass through "DTR off, RTS on", which holds the chip in reset.
//! A pseudo-terminal (the virtual NodeMCU) has no modem lines; that is no error.
//!
//! It reports [`SerialEvent`]s on a channel and must not depend on the app, the ui or the terminal
//! loop.

pub mod errors;
pub mod ports;

pub use errors::{Holder, holders, is_pseudo_terminal};
pub use ports::{PortInfo, UsbInfo, list_ports, list_text};

use crate::i18n::Text;
use crate::serial::LineAssembler;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_serial::{SerialPort, SerialPortBuilderExt, SerialStream};

/// The longest line the pane gets; longer ones arrive in pieces.
pub const MAX_LINE: usize = 1024;
/// How often a lost port is tried again.
pub const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How long RTS is held for a reset (esptool's hard reset).
pub const RESET_PULSE: Duration = Duration::from_millis(100);
/// The unfinished line is reported at most this often.
const PENDING_EVERY: Duration = Duration::from_millis(100);
/// Bytes waiting to be written beyond which more sends are refused (a port nobody reads).
const MAX_OUTBOX: usize = 64 * 1024;
/// A reopening that keeps failing for another reason than a missing port is reported after this
/// many tries in a row (udev may need a moment to set the group of a fresh device).
const REPORT_AFTER: u32 = 4;

/// What the port task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialEvent {
    /// The port is open (first, and again after each reopening).
    Opened { path: String, baud: u32 },
    /// A complete line, without its line ending. It also ends the unfinished line that `Pending`
    /// showed.
    Line(String),
    /// The unfinished line changed (`Connecting to wifi.....`), at most ten times a second.
    Pending(String),
    /// The open port went away (unplugged; the other end of a pseudo-terminal closed) and is
    /// tried again every 0.5 s (`will_retry`); or it was closed by its handle (`will_retry` false,
    /// the last event).
    Closed { why: Text, will_retry: bool },
    /// The port could not be opened (missing, permission, busy …), with the fix. The task ends;
    /// spawn a new handle to try again.
    Failed { why: Text },
    /// Something worth a line in the pane: the reset pulse was sent, this port has no RTS line,
    /// the baud rate changed, a send was refused.
    Note(Text),
}

enum Cmd {
    Send(Vec<u8>),
    Baud(u32),
    Reset,
    Close,
}

/// An open (or opening) serial port. Dropping it closes the port.
#[derive(Debug)]
pub struct SerialHandle {
    path: String,
    cmds: mpsc::UnboundedSender<Cmd>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cmd::Send(b) => write!(f, "Send({} bytes)", b.len()),
            Cmd::Baud(b) => write!(f, "Baud({b})"),
            Cmd::Reset => f.write_str("Reset"),
            Cmd::Close => f.write_str("Close"),
        }
    }
}

impl SerialHandle {
    /// Opens `path` at `baud` in a new task of the current tokio runtime (call it inside one) and
    /// reports on `tx`: `Opened` or `Failed` first.
    pub fn spawn(path: String, baud: u32, tx: mpsc::UnboundedSender<SerialEvent>) -> SerialHandle {
        let (cmds, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(path.clone(), baud, tx, rx));
        SerialHandle { path, cmds }
    }

    /// Writes these bytes to the port (in order, without waiting).
    pub fn send(&self, bytes: Vec<u8>) {
        let _ = self.cmds.send(Cmd::Send(bytes));
    }

    /// Changes the baud rate of the open port (and of every reopening).
    pub fn set_baud(&self, baud: u32) {
        let _ = self.cmds.send(Cmd::Baud(baud));
    }

    /// Resets the board the way esptool's hard reset does: RTS on for 100 ms, DTR kept off.
    pub fn reset(&self) {
        let _ = self.cmds.send(Cmd::Reset);
    }

    /// Closes the port; the task reports `Closed { will_retry: false }` and ends.
    pub fn close(&self) {
        let _ = self.cmds.send(Cmd::Close);
    }

    /// The path the handle was spawned with (as given: a symlink stays a symlink).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Drop for SerialHandle {
    fn drop(&mut self) {
        let _ = self.cmds.send(Cmd::Close);
    }
}

/// How a session with an open port ended.
enum End {
    /// By the handle (or nobody listens any more).
    Closed,
    /// The port went away.
    Lost(Text),
}

async fn run(
    path: String,
    mut baud: u32,
    tx: mpsc::UnboundedSender<SerialEvent>,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
) {
    let mut port = match open(&path, baud) {
        Ok(p) => p,
        Err(why) => {
            let _ = tx.send(SerialEvent::Failed { why });
            return;
        }
    };
    loop {
        let pty = is_pseudo_terminal(&path);
        let _ = tx.send(SerialEvent::Opened { path: path.clone(), baud });
        match session(&path, pty, &mut port, &mut baud, &tx, &mut cmds).await {
            End::Closed => {
                drop(port);
                let _ = tx.send(SerialEvent::Closed {
                    why: Text::new(format!("{path} 已关闭"), format!("{path} closed")),
                    will_retry: false,
                });
                return;
            }
            End::Lost(why) => {
                drop(port);
                if tx.send(SerialEvent::Closed { why, will_retry: true }).is_err() {
                    return;
                }
                match reopen(&path, &mut baud, &tx, &mut cmds).await {
                    Some(p) => port = p,
                    None => return,
                }
            }
        }
    }
}

/// Opens the port without resetting the board: DTR is left as the system opens it, then RTS is
/// cleared, then DTR (never DTR off with RTS on). A port without modem lines is fine.
fn open(path: &str, baud: u32) -> Result<SerialStream, Text> {
    // Linux raises DTR and RTS together when a tty opens (both on: the board runs), and no API can
    // stop it. `dtr_on_open(false)` would then drop DTR while RTS is still on, which holds a NodeMCU
    // in reset: the lines are left alone at open and cleared here, RTS first.
    let mut port = tokio_serial::new(path, baud)
        .preserve_dtr_on_open()
        .open_native_async()
        .map_err(|e| errors::open_failed(path, &e))?;
    let _ = port.write_request_to_send(false);
    let _ = port.write_data_terminal_ready(false);
    Ok(port)
}

/// Tries `path` every 0.5 s until it opens (`Some`) or the handle is closed (`None`). Meanwhile
/// sends are refused with a note, a baud rate is kept for the reopening.
async fn reopen(
    path: &str,
    baud: &mut u32,
    tx: &mpsc::UnboundedSender<SerialEvent>,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
) -> Option<SerialStream> {
    let mut same_failure = 0u32;
    let mut last: Option<Text> = None;
    loop {
        let next = Instant::now() + RETRY_EVERY;
        loop {
            tokio::select! {
                _ = sleep_until(next) => break,
                _ = tx.closed() => return None,
                cmd = cmds.recv() => match cmd {
                    None | Some(Cmd::Close) => return None,
                    Some(Cmd::Baud(b)) => *baud = b,
                    Some(Cmd::Send(_)) => note(tx, Text::new(
                        format!("没有发送：{path} 还没有重新打开"),
                        format!("not sent: {path} is not open again yet"),
                    )),
                    Some(Cmd::Reset) => note(tx, Text::new(
                        format!("没有复位：{path} 还没有重新打开"),
                        format!("no reset: {path} is not open again yet"),
                    )),
                },
            }
        }
        match open(path, *baud) {
            Ok(p) => return Some(p),
            Err(why) => {
                // A missing port is what an unplug looks like: wait in silence.
                if std::fs::metadata(path).is_err() {
                    same_failure = 0;
                    last = None;
                    continue;
                }
                if last.as_ref() == Some(&why) {
                    same_failure += 1;
                } else {
                    same_failure = 1;
                    last = Some(why.clone());
                }
                if same_failure == REPORT_AFTER {
                    note(tx, why);
                }
            }
        }
    }
}

fn note(tx: &mpsc::UnboundedSender<SerialEvent>, text: Text) {
    let _ = tx.send(SerialEvent::Note(text));
}

/// What woke the session.
enum Wake {
    Read(io::Result<usize>),
    Wrote(io::Result<usize>),
    Cmd(Option<Cmd>),
    ShowPending,
    ReleaseRts,
    Gone,
}

/// Reads, writes and obeys the handle until the port goes away or is closed.
async fn session(
    path: &str,
    pty: bool,
    port: &mut SerialStream,
    baud: &mut u32,
    tx: &mpsc::UnboundedSender<SerialEvent>,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
) -> End {
    let mut lines = LineAssembler::new(MAX_LINE);
    let mut buf = vec![0u8; 4096];
    let mut outbox: Vec<u8> = Vec::new();
    // The unfinished line as last reported, and when the next report may go.
    let mut shown: Option<String> = None;
    let mut next_pending = Instant::now();
    let mut pending_due: Option<Instant> = None;
    let mut rts_release: Option<Instant> = None;
    let end = loop {
        let io = poll_fn(|cx| {
            if !outbox.is_empty() {
                match Pin::new(&mut *port).poll_write(cx, &outbox) {
                    Poll::Ready(r) => return Poll::Ready(Wake::Wrote(r)),
                    Poll::Pending => {}
                }
            }
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut *port).poll_read(cx, &mut rb) {
                Poll::Ready(r) => Poll::Ready(Wake::Read(r.map(|()| rb.filled().len()))),
                Poll::Pending => Poll::Pending,
            }
        });
        let wake = tokio::select! {
            w = io => w,
            cmd = cmds.recv() => Wake::Cmd(cmd),
            _ = at(pending_due) => Wake::ShowPending,
            _ = at(rts_release) => Wake::ReleaseRts,
            _ = tx.closed() => Wake::Gone,
        };
        match wake {
            Wake::Read(Ok(n)) if n > 0 => {
                for line in lines.push(&buf[..n]) {
                    shown = None;
                    let _ = tx.send(SerialEvent::Line(line));
                }
                let now = Instant::now();
                if lines.pending().is_some() && lines.pending() != shown && pending_due.is_none() {
                    pending_due = Some(next_pending.max(now));
                }
            }
            Wake::Read(r) => break End::Lost(errors::lost(path, pty, r.err().as_ref())),
            Wake::Wrote(Ok(n)) => {
                outbox.drain(..n.min(outbox.len()));
            }
            Wake::Wrote(Err(e)) => {
                outbox.clear();
                note(tx, Text::new(format!("写入 {path} 失败：{e}"), format!("writing to {path} failed: {e}")));
            }
            Wake::ShowPending => {
                pending_due = None;
                let now = Instant::now();
                if let Some(p) = lines.pending().filter(|p| shown.as_ref() != Some(p)) {
                    shown = Some(p.clone());
                    next_pending = now + PENDING_EVERY;
                    let _ = tx.send(SerialEvent::Pending(p));
                }
            }
            Wake::ReleaseRts => {
                rts_release = None;
                match port.write_request_to_send(false) {
                    Ok(()) => note(
                        tx,
                        Text::new(
                            "已复位开发板：RTS 拉低了 100 毫秒（DTR 保持不动），它会重新启动",
                            "reset the board: RTS on for 100 ms, DTR kept off; it boots again",
                        ),
                    ),
                    Err(e) => note(
                        tx,
                        Text::new(
                            format!("复位没有结束：无法释放 {path} 的 RTS：{}", e.description),
                            format!("reset not finished: cannot release RTS on {path}: {}", e.description),
                        ),
                    ),
                }
            }
            Wake::Cmd(None | Some(Cmd::Close)) | Wake::Gone => break End::Closed,
            Wake::Cmd(Some(Cmd::Send(bytes))) => {
                if outbox.len() + bytes.len() > MAX_OUTBOX {
                    note(
                        tx,
                        Text::new(
                            format!("没有发送：{path} 那一端没有在读，已经有 {} 字节在等", outbox.len()),
                            format!("not sent: nothing reads {path}, {} bytes are already waiting", outbox.len()),
                        ),
                    );
                } else {
                    outbox.extend_from_slice(&bytes);
                }
            }
            Wake::Cmd(Some(Cmd::Baud(b))) => match port.set_baud_rate(b) {
                Ok(()) => {
                    *baud = b;
                    note(tx, Text::new(format!("波特率改为 {b}"), format!("baud rate now {b}")));
                }
                Err(e) => note(
                    tx,
                    Text::new(
                        format!("无法把 {path} 的波特率改为 {b}：{}（仍是 {baud}）", e.description),
                        format!("cannot set {path} to {b} baud: {} (still {baud})", e.description),
                    ),
                ),
            },
            Wake::Cmd(Some(Cmd::Reset)) => {
                if rts_release.is_some() {
                    continue;
                }
                // DTR off first: with RTS then on, the chip is held in reset and boots the sketch
                // when RTS is released (DTR on at that moment would select the ROM bootloader).
                let pulse = port.write_data_terminal_ready(false).and_then(|()| port.write_request_to_send(true));
                match pulse {
                    Ok(()) => rts_release = Some(Instant::now() + RESET_PULSE),
                    Err(e) if pty || errors::no_modem_lines(&e) => note(
                        tx,
                        Text::new(
                            format!("{path} 没有 RTS 线（它是伪终端，例如虚拟 NodeMCU），所以没有发出复位脉冲"),
                            format!(
                                "{path} has no RTS line (a pseudo-terminal, e.g. the virtual NodeMCU): nothing was pulsed"
                            ),
                        ),
                    ),
                    Err(e) => note(
                        tx,
                        Text::new(
                            format!("无法复位：{path} 的 RTS 设置失败：{}", e.description),
                            format!("cannot reset: setting RTS on {path} failed: {}", e.description),
                        ),
                    ),
                }
            }
        }
    };
    if rts_release.is_some() {
        let _ = port.write_request_to_send(false);
    }
    if let Some(rest) = lines.flush() {
        let _ = tx.send(SerialEvent::Line(rest));
    }
    end
}

/// Resolves at `deadline`, or never without one.
async fn at(deadline: Option<Instant>) {
    match deadline {
        Some(t) => sleep_until(t).await,
        None => std::future::pending().await,
    }
}
