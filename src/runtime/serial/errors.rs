//! Why a port would not open or went away, in both languages and with the fix: a missing port, the
//! `dialout` group, a port some other program holds (found by its open files in `/proc` and the
//! UUCP lock files), a pseudo-terminal without modem lines. It reads the system's files, but must
//! not depend on the port task.

use crate::i18n::Text;
use std::io;
use std::path::Path;

/// A process that has a port open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holder {
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`), e.g. `arduino-ide`.
    pub name: String,
}

/// The processes that have the device behind `path` open (its `/proc/*/fd` links, this process
/// included), and the owner of a UUCP lock file (`/var/lock/LCK..ttyUSB0`) if it still runs.
pub fn holders(path: &str) -> Vec<Holder> {
    let mut out = Vec::new();
    let Ok(dev) = std::fs::canonicalize(path) else { return out };
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { continue };
            if fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == dev)) {
                out.push(Holder { pid, name: command_name(pid) });
            }
        }
    }
    if let Some(name) = dev.file_name().and_then(|n| n.to_str()) {
        for dir in ["/var/lock", "/run/lock"] {
            let lock = Path::new(dir).join(format!("LCK..{name}"));
            let pid = std::fs::read_to_string(&lock).ok().and_then(|s| s.trim().parse::<u32>().ok());
            if let Some(pid) = pid.filter(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
                out.push(Holder { pid, name: command_name(pid) });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn command_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|s| s.trim().to_string()).unwrap_or_else(|_| "?".into())
}

/// Whether the device behind `path` is a pseudo-terminal (a Unix98 pty slave: `/dev/pts/N`, major
/// numbers 136 to 143), which has no DTR or RTS line.
pub fn is_pseudo_terminal(path: &str) -> bool {
    let Ok(real) = std::fs::canonicalize(path) else { return false };
    if real.starts_with("/dev/pts") {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(&real) {
            let rdev = m.rdev();
            let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
            return (136..=143).contains(&major);
        }
    }
    false
}

/// Whether a modem-line request failed because the port has no modem lines (`ENOTTY` from a
/// pseudo-terminal, `EINVAL` from some drivers).
pub(super) fn no_modem_lines(e: &tokio_serial::Error) -> bool {
    let d = e.description.to_ascii_lowercase();
    d.contains("inappropriate ioctl") || d.contains("invalid argument") || d.contains("not a typewriter")
}

/// Why `path` would not open, and what to do.
pub(super) fn open_failed(path: &str, e: &tokio_serial::Error) -> Text {
    use tokio_serial::ErrorKind as K;
    let missing = matches!(e.kind, K::Io(io::ErrorKind::NotFound))
        || std::fs::metadata(path).is_err_and(|m| m.kind() == io::ErrorKind::NotFound);
    if missing {
        return Text::new(
            format!(
                "没有这个串口：{path} —— 用 `mqtt-lab serial list` 列出串口，并检查 USB 线（要数据线，不是只能充电的线）"
            ),
            format!(
                "no such port: {path} — list the ports with `mqtt-lab serial list`, and check the USB cable (a data \
cable, not a charge-only one)"
            ),
        );
    }
    let denied = matches!(e.kind, K::Io(io::ErrorKind::PermissionDenied))
        || e.description.to_ascii_lowercase().contains("not permitted");
    if denied {
        let group = device_group(path).unwrap_or_else(|| "dialout".into());
        return Text::new(
            format!(
                "没有权限打开 {path}：串口属于 `{group}` 组 —— 运行 `sudo usermod -aG {group} $USER`，然后注销再登录\
（或者运行 `newgrp {group}`，只对这一个终端有效）"
            ),
            format!(
                "permission denied: {path} belongs to the `{group}` group — run `sudo usermod -aG {group} $USER`, \
then log out and in (or `newgrp {group}` for one shell)"
            ),
        );
    }
    if matches!(e.kind, K::NoDevice) {
        return busy(path);
    }
    Text::new(
        format!("无法打开 {path}：{} —— 检查路径和 USB 线，用 `mqtt-lab serial list` 列出串口", e.description),
        format!(
            "cannot open {path}: {} — check the path and the cable; list the ports with `mqtt-lab serial list`",
            e.description
        ),
    )
}

/// The port is in use: by whom, and what to do.
fn busy(path: &str) -> Text {
    let held = holders(path);
    if held.is_empty() {
        return Text::new(
            format!("{path} 正被占用：另一个程序打开了它（串口监视器、screen、minicom、ModemManager？）—— 关掉它再试"),
            format!(
                "{path} is busy: another program has it open (a serial monitor, screen, minicom, ModemManager?) — \
close it and try again"
            ),
        );
    }
    let names = held.iter().map(|h| format!("{} (pid {})", h.name, h.pid)).collect::<Vec<_>>().join(", ");
    let names_zh = held.iter().map(|h| format!("{}（pid {}）", h.name, h.pid)).collect::<Vec<_>>().join("、");
    Text::new(
        format!("{path} 正被占用：{names_zh}打开了它 —— 关掉它的串口监视器，或者退出那个程序"),
        format!("{path} is busy: held by {names} — close its serial monitor, or stop that program"),
    )
}

/// The name of the group that owns the device (`dialout` on Debian and Ubuntu, `uucp` on Arch).
fn device_group(path: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let gid = std::fs::metadata(path).ok()?.gid();
        let groups = std::fs::read_to_string("/etc/group").ok()?;
        groups.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?.parse::<u32>().ok()?;
            (id == gid && gid != 0).then(|| name.to_string())
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Why an open port went away (`pty`: it was a pseudo-terminal; the error, if reading gave one).
pub(super) fn lost(path: &str, pty: bool, error: Option<&io::Error>) -> Text {
    // EIO is how every unplug and every closed pseudo-terminal reads: it says nothing more.
    let eio = nix::errno::Errno::EIO as i32;
    let detail = error.filter(|e| e.raw_os_error() != Some(eio)).map(|e| format!(" ({e})")).unwrap_or_default();
    if pty {
        return Text::new(
            format!("{path} 关闭了：伪终端的另一端关掉了（虚拟开发板停了？）{detail}；每 0.5 秒重新打开一次"),
            format!(
                "{path} closed: the other end of the pseudo-terminal closed (virtual board stopped?){detail}; reopening every 0.5 s"
            ),
        );
    }
    Text::new(
        format!("{path} 断开了：开发板被拔掉了，或者它的 USB 掉线了{detail}；每 0.5 秒重新打开一次"),
        format!("{path} went away: the board was unplugged or dropped off USB{detail}; reopening every 0.5 s"),
    )
}
