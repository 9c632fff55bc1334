//! The local network: which addresses an ESP8266 on the same Wi-Fi can reach the broker at, and
//! the line to paste into its sketch.

use crate::i18n::Lang;
use std::net::SocketAddr;

/// For each LAN IPv4 address of this machine (when a listener is on all interfaces): where it is
/// and the sketch line. Empty when no listener is on all interfaces.
pub fn sketch_lines(addrs: &[SocketAddr], lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let Some(port) = addrs.iter().find(|a| a.ip().is_unspecified()).map(|a| a.port()) else { return out };
    let ifs = if_addrs::get_if_addrs().unwrap_or_default();
    let lan: Vec<_> = ifs.iter().filter(|i| !i.is_loopback() && i.ip().is_ipv4()).collect();
    if lan.is_empty() {
        out.push(
            lang.pick(
                "没有找到局域网地址：这台电脑连上 Wi-Fi 或网线了吗？",
                "no LAN address found: is this computer on Wi-Fi or Ethernet?",
            )
            .to_string(),
        );
    }
    for i in lan {
        let ip = i.ip();
        out.push(match lang {
            Lang::Zh => format!("局域网地址 {ip}:{port}（{}）。复制到 Arduino 程序中：", i.name),
            Lang::En => format!("LAN address {ip}:{port} ({}). Paste into the Arduino sketch:", i.name),
        });
        out.push(format!("    const char* mqttServer = \"{ip}\";"));
        if port != 1883 {
            // The tutorial's sketch writes the port into setServer(mqttServer, 1883).
            out.push(format!("    const int mqttPort = {port};"));
            out.push(match lang {
                Lang::Zh => "    mqttClient.setServer(mqttServer, mqttPort);  // 代替教程里的 setServer(mqttServer, 1883)".into(),
                Lang::En => "    mqttClient.setServer(mqttServer, mqttPort);  // instead of the tutorial's setServer(mqttServer, 1883)".into(),
            });
        }
    }
    out
}
