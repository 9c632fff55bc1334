//! Which serial ports this computer has: the enumeration (USB VID:PID and strings from sysfs, no
//! libudev), the stable `/dev/serial/by-id` names, and the text `mqtt-lab serial list` prints. It
//! must not depend on the port task or on anything open.

use crate::i18n::Lang;
use crate::serial::chip_name;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// The device, e.g. `/dev/ttyUSB0`.
    pub path: String,
    /// What the USB bus says about it, for a USB port.
    pub usb: Option<UsbInfo>,
    /// Its stable name, e.g. `/dev/serial/by-id/usb-Silicon_Labs_CP2102_…-if00-port0`.
    pub by_id: Option<String>,
}

/// A USB serial port's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbInfo {
    pub vid: u16,
    pub pid: u16,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
    /// The bridge chip, from [`chip_name`].
    pub chip: Option<&'static str>,
}

/// The serial ports, USB ones first, each group by path. Never panics: where the system cannot be
/// asked (no `/sys/class/tty` in some containers) the list is empty.
pub fn list_ports() -> Vec<PortInfo> {
    #[cfg(target_os = "linux")]
    if !Path::new("/sys/class/tty").is_dir() {
        return Vec::new();
    }
    // The enumeration `expect()`s what it reads; a panic there must not take the program down.
    let found = std::panic::catch_unwind(tokio_serial::available_ports).ok().and_then(Result::ok).unwrap_or_default();
    let by_id = by_id_names();
    let mut ports: Vec<PortInfo> = found
        .into_iter()
        .map(|p| {
            let usb = match p.port_type {
                tokio_serial::SerialPortType::UsbPort(u) => Some(UsbInfo {
                    vid: u.vid,
                    pid: u.pid,
                    manufacturer: u.manufacturer.filter(|s| !s.trim().is_empty()),
                    product: u.product.filter(|s| !s.trim().is_empty()),
                    serial: u.serial_number.filter(|s| !s.trim().is_empty()),
                    chip: chip_name(u.vid, u.pid),
                }),
                _ => None,
            };
            let by_id = std::fs::canonicalize(&p.port_name).ok().and_then(|real| by_id.get(&real).cloned());
            PortInfo { path: p.port_name, usb, by_id }
        })
        .collect();
    ports.sort_by(|a, b| (a.usb.is_none(), &a.path).cmp(&(b.usb.is_none(), &b.path)));
    ports.dedup_by(|a, b| a.path == b.path);
    ports
}

/// The devices behind `/dev/serial/by-id/*`, by their real path.
fn by_id_names() -> HashMap<PathBuf, String> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/dev/serial/by-id") else { return out };
    for e in dir.flatten() {
        let link = e.path();
        if let Ok(real) = std::fs::canonicalize(&link) {
            out.insert(real, link.display().to_string());
        }
    }
    out
}

/// What `mqtt-lab serial list` prints: one line per port (path, VID:PID, chip, product and
/// manufacturer, the by-id name), and when no USB port is there, what to check.
pub fn list_text(ports: &[PortInfo], lang: Lang) -> String {
    let width = ports.iter().map(|p| p.path.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for p in ports {
        let mut line = format!("{:<width$}  ", p.path);
        match &p.usb {
            Some(u) => {
                line.push_str(&format!("{:04x}:{:04x}", u.vid, u.pid));
                line.push_str("  ");
                line.push_str(u.chip.unwrap_or(lang.pick("未知芯片", "unknown chip")));
                let words = describe(u);
                if !words.is_empty() {
                    line.push_str("  ");
                    line.push_str(&words);
                }
                if let Some(s) = &u.serial {
                    line.push_str(&match lang {
                        Lang::Zh => format!("（序列号 {s}）"),
                        Lang::En => format!(" (serial {s})"),
                    });
                }
            }
            None => line.push_str(lang.pick("不是 USB 串口（主板自带的或虚拟的）", "not USB (built in or virtual)")),
        }
        if let Some(b) = &p.by_id {
            line.push_str(&format!("\n{:<width$}  → {b}", ""));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !ports.iter().any(|p| p.usb.is_some()) {
        if !ports.is_empty() {
            out.push('\n');
        }
        out.push_str(lang.pick(
            "没有找到 USB 串口。请检查：\n\
  - USB 线：要数据线，不是只能充电的线；\n\
  - Windows 或 macOS：装好 CH340 或 CP210x 的驱动；\n\
  - Linux：插上开发板后马上运行 `dmesg`，看有没有出现 ttyUSB 或 ttyACM。\n\
也可以用虚拟开发板：`mqtt-lab nodemcu --pty`\n",
            "No USB serial port found. Check:\n\
  - the cable: a data cable, not a charge-only one;\n\
  - on Windows or macOS: the CH340 or CP210x driver;\n\
  - on Linux: `dmesg` right after plugging the board in (look for ttyUSB or ttyACM).\n\
Or use the virtual board: `mqtt-lab nodemcu --pty`\n",
        ));
    }
    out
}

/// Product and manufacturer, the manufacturer left out when the product already names it.
fn describe(u: &UsbInfo) -> String {
    match (&u.manufacturer, &u.product) {
        (Some(m), Some(p)) if p.to_lowercase().contains(&m.to_lowercase()) => p.trim().to_string(),
        (Some(m), Some(p)) => format!("{} · {}", p.trim(), m.trim()),
        (None, Some(p)) => p.trim().to_string(),
        (Some(m), None) => m.trim().to_string(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp2102() -> PortInfo {
        PortInfo {
            path: "/dev/ttyUSB0".into(),
            usb: Some(UsbInfo {
                vid: 0x10c4,
                pid: 0xea60,
                manufacturer: Some("Silicon Labs".into()),
                product: Some("CP2102 USB to UART Bridge Controller".into()),
                serial: Some("0001".into()),
                chip: chip_name(0x10c4, 0xea60),
            }),
            by_id: Some(
                "/dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0".into(),
            ),
        }
    }

    #[test]
    fn a_usb_port_line_has_its_ids_chip_and_names() {
        let ttys0 = PortInfo { path: "/dev/ttyS0".into(), usb: None, by_id: None };
        let text = list_text(&[cp2102(), ttys0], Lang::En);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("/dev/ttyUSB0  10c4:ea60  CP2102/CP2104  "), "{first}");
        assert!(first.contains("CP2102 USB to UART Bridge Controller · Silicon Labs (serial 0001)"), "{first}");
        assert!(text.lines().nth(1).unwrap().contains("→ /dev/serial/by-id/usb-Silicon_Labs"), "{text}");
        assert!(text.contains("/dev/ttyS0    not USB"), "{text}");
        assert!(!text.contains("No USB serial port"), "{text}");
        let zh = list_text(&[cp2102()], Lang::Zh);
        assert!(zh.contains("序列号 0001"), "{zh}");
    }

    #[test]
    fn no_port_says_what_to_check_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let text = list_text(&[], lang);
            for word in ["CH340", "CP210x", "dmesg", "mqtt-lab nodemcu --pty"] {
                assert!(text.contains(word), "{word} missing in {text}");
            }
        }
        assert!(list_text(&[], Lang::En).starts_with("No USB serial port found."));
        assert!(list_text(&[], Lang::Zh).starts_with("没有找到 USB 串口。"));
        let only_builtin = list_text(&[PortInfo { path: "/dev/ttyS0".into(), usb: None, by_id: None }], Lang::En);
        assert!(only_builtin.contains("No USB serial port found."), "{only_builtin}");
    }

    #[test]
    fn listing_never_panics() {
        let ports = list_ports();
        let usb_first = ports.iter().position(|p| p.usb.is_none()).unwrap_or(ports.len());
        assert!(ports[usb_first..].iter().all(|p| p.usb.is_none()), "USB ports come first: {ports:?}");
    }
}
