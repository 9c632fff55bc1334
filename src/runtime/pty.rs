//! A pseudo-terminal for a virtual board: the board writes its serial output into the master side,
//! and anything that opens the slave's path (the lab's serial pane, `screen`, `minicom`, the
//! Arduino serial monitor) reads it exactly as from a USB-serial adapter. The slave's line
//! settings tell which baud rate the reader chose, so output sent at another rate can be shown as
//! the garbage a real UART would make of it. Unix only; no unsafe code.

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::termios::{self, SetArg};
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// One pseudo-terminal pair.
#[derive(Debug)]
pub struct Pty {
    master: OwnedFd,
    /// Kept open so that the master side stays usable while no reader has the port open.
    slave: OwnedFd,
    path: PathBuf,
}

impl Pty {
    /// A new pair, its slave side raw (no echo, no line editing, bytes as they are) at 115200 baud.
    pub fn open() -> std::io::Result<Pty> {
        let pair = nix::pty::openpty(None, None).map_err(std::io::Error::from)?;
        let mut t = termios::tcgetattr(&pair.slave).map_err(std::io::Error::from)?;
        termios::cfmakeraw(&mut t);
        let _ = termios::cfsetspeed(&mut t, termios::BaudRate::B115200);
        termios::tcsetattr(&pair.slave, SetArg::TCSANOW, &t).map_err(std::io::Error::from)?;
        let path = nix::unistd::ttyname(&pair.slave).map_err(std::io::Error::from)?;
        let flags = fcntl(&pair.master, FcntlArg::F_GETFL).map_err(std::io::Error::from)?;
        fcntl(&pair.master, FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK))
            .map_err(std::io::Error::from)?;
        Ok(Pty { master: pair.master, slave: pair.slave, path })
    }

    /// The path a serial terminal opens.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Sends bytes down the line. A UART does not wait for anyone to listen: what does not fit the
    /// terminal's buffer is lost, and the board carries on.
    pub fn write(&self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match nix::unistd::write(&self.master, rest) {
                Ok(0) | Err(_) => return,
                Ok(n) => rest = &rest[n..],
            }
        }
    }

    /// Whatever the terminal sent to the board since the last call.
    pub fn read_input(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while let Ok(n) = nix::unistd::read(&self.master, &mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if out.len() > 64 * 1024 {
                break;
            }
        }
        out
    }

    /// The baud rate the terminal set (read with the kernel's arbitrary-rate interface, so 74880,
    /// the ESP8266 ROM's rate, reads as itself).
    pub fn baud(&self) -> u32 {
        rustix::termios::tcgetattr(&self.slave).map_or(115_200, |t| t.output_speed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn bytes_written_at_the_master_are_read_at_the_path_and_the_baud_follows_the_reader() {
        let pty = Pty::open().expect("openpty");
        let mut reader = std::fs::OpenOptions::new().read(true).write(true).open(pty.path()).expect("open slave");
        pty.write(b"WiFi Connected!\r\n");
        let mut buf = [0u8; 64];
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"WiFi Connected!\r\n");
        reader.write_all(b"hi").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(pty.read_input(), b"hi");
        assert_eq!(pty.baud(), 115_200);
        let mut t = termios::tcgetattr(&reader).unwrap();
        termios::cfsetspeed(&mut t, termios::BaudRate::B9600).unwrap();
        termios::tcsetattr(&reader, SetArg::TCSANOW, &t).unwrap();
        assert_eq!(pty.baud(), 9600);
    }
}
