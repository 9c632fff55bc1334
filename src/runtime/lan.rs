//! The local network: what listening on every interface means (any device on the network can
//! connect, with or without a password), which addresses an ESP8266 on the same Wi-Fi can reach the
//! broker at, the line to paste into its sketch, and whether a connecting peer is this machine, a
//! device on the LAN or one further away. Only [`interfaces`] asks the system; the rest is pure.

use crate::broker::Event;
use crate::i18n::Text;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// This machine's IPv4 addresses other than loopback, each with its interface's name.
pub fn interfaces() -> Vec<(String, Ipv4Addr)> {
    let ifs = if_addrs::get_if_addrs().unwrap_or_default();
    ifs.into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            IpAddr::V4(ip) => Some((i.name, ip)),
            IpAddr::V6(_) => None,
        })
        .collect()
}

/// One line of what is said about the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: Text,
    /// A line to paste into the sketch (code; only a comment in it is translated).
    pub code: bool,
}

impl Note {
    fn say(text: Text) -> Note {
        Note { text, code: false }
    }

    fn code(text: Text) -> Note {
        Note { text, code: true }
    }
}

/// What to tell the learner when a listener is on every interface: see [`lines`]. Empty (and the
/// system is not asked) when none is.
pub fn notes(addrs: &[SocketAddr], protected: bool) -> Vec<Note> {
    if !addrs.iter().any(|a| a.ip().is_unspecified()) {
        return Vec::new();
    }
    lines(addrs, &interfaces(), protected)
}

/// For the listeners on every interface among `addrs`: that they are, who may connect (`protected`:
/// clients need a user name and password), and for each LAN address in `ifaces` where it is and
/// the sketch line. Empty when no listener is on every interface.
pub fn lines(addrs: &[SocketAddr], ifaces: &[(String, Ipv4Addr)], protected: bool) -> Vec<Note> {
    let mut out = Vec::new();
    let open: Vec<&SocketAddr> = addrs.iter().filter(|a| a.ip().is_unspecified()).collect();
    let Some(port) = open.first().map(|a| a.port()) else { return out };
    for a in &open {
        out.push(Note::say(Text::new(
            format!("正在监听 {a}：这台电脑的每个网络接口，所以同一网络里的任何设备都能连接"),
            format!("listening on {a}: every network interface, so any device on this network can connect"),
        )));
    }
    out.push(Note::say(if protected {
        Text::new(
            "客户端要用 --auth 或 --passwd 给的用户名和密码登录；匿名的收到 CONNACK 5",
            "clients must log in with a user name and password of --auth or --passwd; anonymous ones get CONNACK 5",
        )
    } else {
        Text::new(
            "注意：同一网络里的任何人不用密码就能连接；加上 --auth 用户名:密码 就要求密码",
            "warning: anyone on this network can connect without a password; add --auth USER:PASSWORD to require one",
        )
    }));
    if ifaces.is_empty() {
        out.push(Note::say(Text::new(
            "没有找到局域网地址：这台电脑连上 Wi-Fi 或网线了吗？",
            "no LAN address found: is this computer on Wi-Fi or Ethernet?",
        )));
    }
    for (name, ip) in ifaces {
        out.push(Note::say(Text::new(
            format!("局域网地址 {ip}:{port}（{name}）。复制到 Arduino 程序中："),
            format!("LAN address {ip}:{port} ({name}). Paste into the Arduino sketch:"),
        )));
        let line = format!("    const char* mqttServer = \"{ip}\";");
        out.push(Note::code(Text::new(line.clone(), line)));
        if port != 1883 {
            // The tutorial's sketch writes the port into setServer(mqttServer, 1883).
            let line = format!("    const int mqttPort = {port};");
            out.push(Note::code(Text::new(line.clone(), line)));
            out.push(Note::code(Text::new(
                "    mqttClient.setServer(mqttServer, mqttPort);  // 代替教程里的 setServer(mqttServer, 1883)",
                "    mqttClient.setServer(mqttServer, mqttPort);  // instead of the tutorial's setServer(mqttServer, 1883)",
            )));
        }
    }
    if protected && !ifaces.is_empty() {
        out.push(Note::code(Text::new(
            "    mqttClient.connect(clientId.c_str(), \"用户名\", \"密码\");  // --auth 或 --passwd 里的一个用户",
            "    mqttClient.connect(clientId.c_str(), \"USER\", \"PASSWORD\");  // a user of --auth or --passwd",
        )));
    }
    out
}

/// Where a connecting peer is, seen from this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// This machine itself (loopback): the lab's own clients, mosquitto_pub on the same computer.
    Local,
    /// A device on the local network: a private IPv4 address (10/8, 172.16/12, 192.168/16), a
    /// link-local one (169.254/16, fe80::/10) or an IPv6 unique local one (fc00::/7).
    Lan,
    /// Any other address: a device reached through a router.
    Beyond,
}

/// Whether a peer at `ip` is this machine, on the LAN or further away. An IPv4 address mapped
/// into IPv6 (`::ffff:127.0.0.1`, as a dual-stack listener sees it) counts as the IPv4 address.
pub fn peer(ip: IpAddr) -> Peer {
    match ip.to_canonical() {
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_unspecified() => Peer::Local,
        IpAddr::V4(v4) if v4.is_private() || v4.is_link_local() => Peer::Lan,
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unspecified() => Peer::Local,
        IpAddr::V6(v6) if v6.is_unicast_link_local() || v6.is_unique_local() => Peer::Lan,
        _ => Peer::Beyond,
    }
}

/// The announcement that goes with broker event `e` when it accepts the CONNECT of a client from
/// `from` that is not this machine; `None` for any other event or a loopback peer.
pub fn joined(e: &Event, from: IpAddr) -> Option<Event> {
    let Event::Connected { conn, client_id, .. } = e else { return None };
    let lan = match peer(from) {
        Peer::Local => return None,
        Peer::Lan => true,
        Peer::Beyond => false,
    };
    Some(Event::DeviceJoined { conn: *conn, client_id: client_id.clone(), from: from.to_canonical().to_string(), lan })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, check_bilingual};
    use crate::proto::Protocol;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_is_this_machine_in_every_spelling() {
        for s in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::"] {
            assert_eq!(peer(ip(s)), Peer::Local, "{s}");
        }
    }

    #[test]
    fn private_and_link_local_addresses_are_the_lan() {
        for s in [
            "192.168.1.40",
            "10.0.0.7",
            "172.16.0.1",
            "172.31.255.254",
            "169.254.10.20",
            "::ffff:192.168.1.40",
            "fe80::1",
            "fd12:3456::1",
        ] {
            assert_eq!(peer(ip(s)), Peer::Lan, "{s}");
        }
        for s in ["172.32.0.1", "8.8.8.8", "203.0.113.5", "2001:db8::1", "::ffff:8.8.8.8"] {
            assert_eq!(peer(ip(s)), Peer::Beyond, "{s}");
        }
    }

    fn connected(id: &str) -> Event {
        Event::Connected {
            conn: 7,
            client_id: id.into(),
            protocol: Protocol::V311,
            clean_session: true,
            keep_alive: 15,
            session_present: false,
            assigned_id: false,
        }
    }

    #[test]
    fn a_connect_from_the_lan_is_announced_and_one_from_loopback_is_not() {
        let id = "esp8266-5C:CF:7F:12:34:56";
        let e = joined(&connected(id), ip("::ffff:192.168.1.40")).expect("announced");
        assert_eq!(e, Event::DeviceJoined { conn: 7, client_id: id.into(), from: "192.168.1.40".into(), lan: true });
        assert_eq!(e.text(Lang::En), "a device on the LAN joined: esp8266-5C:CF:7F:12:34:56 from 192.168.1.40");
        assert!(check_bilingual(&e.text(Lang::Zh), &e.text(Lang::En)).is_ok(), "{}", e.text(Lang::Zh));
        let far = joined(&connected(id), ip("203.0.113.5")).expect("announced");
        assert!(matches!(far, Event::DeviceJoined { lan: false, .. }), "{far:?}");
        assert_eq!(joined(&connected(id), ip("127.0.0.1")), None);
        assert_eq!(joined(&connected(id), ip("::1")), None);
        assert_eq!(joined(&Event::Disconnected { conn: 7, client_id: id.into() }, ip("192.168.1.40")), None);
    }

    fn all(addrs: &[&str], ifaces: &[(&str, [u8; 4])], protected: bool) -> Vec<String> {
        let addrs: Vec<SocketAddr> = addrs.iter().map(|a| a.parse().unwrap()).collect();
        let ifaces: Vec<(String, Ipv4Addr)> = ifaces.iter().map(|(n, a)| (n.to_string(), Ipv4Addr::from(*a))).collect();
        let notes = lines(&addrs, &ifaces, protected);
        for n in &notes {
            let t = &n.text;
            assert_eq!(n.code, t.en.starts_with("    "), "code is indented as in the sketch: {t:?}");
            // The sketch's lines are code: the same in both languages but for a comment.
            if !t.en.starts_with("    const") {
                assert!(check_bilingual(&t.zh, &t.en).is_ok(), "{t:?}");
            }
        }
        notes.iter().map(|n| n.text.en.clone()).collect()
    }

    #[test]
    fn every_interface_is_said_with_the_sketch_line_and_the_missing_password() {
        let l = all(&["0.0.0.0:1883"], &[("wlan0", [192, 168, 1, 23])], false);
        assert_eq!(
            l,
            [
                "listening on 0.0.0.0:1883: every network interface, so any device on this network can connect",
                "warning: anyone on this network can connect without a password; add --auth USER:PASSWORD to require one",
                "LAN address 192.168.1.23:1883 (wlan0). Paste into the Arduino sketch:",
                "    const char* mqttServer = \"192.168.1.23\";",
            ]
        );
        let l = all(&["0.0.0.0:1884"], &[("wlan0", [192, 168, 1, 23]), ("eth0", [10, 0, 0, 2])], true);
        assert!(l[1].starts_with("clients must log in"), "{l:?}");
        assert!(!l.iter().any(|x| x.contains("warning")), "{l:?}");
        assert!(l.contains(&"    const int mqttPort = 1884;".to_string()), "{l:?}");
        assert!(
            l.iter().any(|x| x.contains("(eth0)")) && l.contains(&"    const char* mqttServer = \"10.0.0.2\";".into())
        );
        assert!(l.last().unwrap().contains("mqttClient.connect(clientId.c_str(), \"USER\", \"PASSWORD\")"), "{l:?}");
    }

    #[test]
    fn nothing_is_said_for_loopback_and_a_missing_lan_is_said() {
        assert!(all(&["127.0.0.1:1883"], &[("wlan0", [192, 168, 1, 23])], false).is_empty());
        assert!(notes(&["127.0.0.1:0".parse().unwrap()], false).is_empty());
        let l = all(&["0.0.0.0:1883"], &[], false);
        assert!(l.last().unwrap().starts_with("no LAN address found"), "{l:?}");
    }
}
