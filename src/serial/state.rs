//! PubSubClient's `state()` codes as sketches print them (`failed, rc=-2 try again in 5 seconds`,
//! `Client State:-2`, `state() = 5` …), explained in both languages with the likely cause, and the
//! broker address a sketch printed, which sharpens the cause of −2. Text in, text out: it must not
//! depend on ports, the broker or the clock.

use crate::i18n::Text;

/// What the lab knows that helps explain a code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateContext {
    /// The last address the sketch printed after `Server Address:` or similar (see
    /// [`server_address`]), such as `192.168.1.20`, `127.0.0.1:1883` or `localhost`.
    pub server_seen: Option<String>,
    /// The lab's broker accepts clients from the local network (it was started with `--lan`).
    pub lab_on_lan: bool,
    /// The port the lab's broker listens on (0: unknown).
    pub lab_port: u16,
    /// The last line was a bare label (`Server Address:`, as the tutorial prints it): the next
    /// line is the address.
    pub after_label: bool,
}

impl StateContext {
    /// No address seen, loopback only, port 1883.
    pub fn new() -> Self {
        StateContext { server_seen: None, lab_on_lan: false, lab_port: 1883, after_label: false }
    }

    /// Remembers the broker address in `line`, if it names one.
    pub fn observe(&mut self, line: &str) {
        let t = line.trim();
        if self.after_label && !t.is_empty() {
            self.after_label = false;
            let host = clean_host(t);
            if !host.contains(' ') && !host.is_empty() {
                self.server_seen = Some(host.to_string());
                return;
            }
        }
        let bare = t.trim_end_matches([':', '=']).trim().to_ascii_lowercase().replace([' ', '_', '-'], "");
        if t.ends_with([':', '='])
            && ["serveraddress", "server", "mqttserver", "broker", "brokeraddress"].contains(&bare.as_str())
        {
            self.after_label = true;
            return;
        }
        if let Some(a) = server_address(line) {
            self.server_seen = Some(a);
        }
    }
}

/// A `state()` code found in a line, with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateNote {
    /// −4 to 5.
    pub code: i8,
    /// Two lines joined by `\n`: the constant, the code and its meaning; then the likely cause or
    /// what to do.
    pub text: Text,
}

/// The name of a PubSubClient state code (`-2` → `MQTT_CONNECT_FAILED`).
pub fn state_name(code: i8) -> Option<&'static str> {
    crate::client::pubsub_state_name(code)
}

/// The state code in a line a sketch printed, explained; `None` when the line has none. Forms
/// recognised, in any case and with or without spaces: `rc=-2`, `rc: -2`, `state -4`, `state() = 5`,
/// `state()=-3`, `Client State:-2`, `state: 4`.
pub fn explain_state(line: &str, ctx: &StateContext) -> Option<StateNote> {
    let code = code_in(line)?;
    let name = state_name(code)?;
    let (zh, en, czh, cen): (&str, &str, String, String) = match code {
        -4 => (
            "服务端没有及时应答",
            "the broker did not answer in time",
            "套接字超时（15 秒）内没等到 CONNACK，或 PINGREQ 没有回应".into(),
            "no CONNACK within the socket timeout (15 s), or a PINGREQ went unanswered".into(),
        ),
        -3 => (
            "连接断了",
            "the connection was lost",
            "服务端关了它、同 id 的客户端顶替了它，或 loop() 调得太少（1.5 × 15 = 22.5 秒）".into(),
            "broker closed it, another client took the same id, or loop() too rare (1.5 × 15 = 22.5 s)".into(),
        ),
        -2 => {
            let (czh, cen) = cause_of_no_tcp(ctx);
            ("连不上服务端（TCP 连接失败）", "no TCP connection to the broker", czh, cen)
        }
        -1 => (
            "已正常断开",
            "disconnected cleanly",
            "程序调用了 disconnect()，或者还没有连接过".into(),
            "the sketch called disconnect(), or has not connected yet".into(),
        ),
        0 => (
            "已连接",
            "connected",
            "服务端接受了 CONNECT（CONNACK 0）".into(),
            "the broker accepted the CONNECT (CONNACK 0)".into(),
        ),
        1 => (
            "协议版本被拒绝（CONNACK 1）",
            "protocol version refused (CONNACK 1)",
            "库编译时的 MQTT_VERSION（例如 3.1）服务端不支持".into(),
            "the library's MQTT_VERSION (e.g. 3.1) is one the broker does not take".into(),
        ),
        2 => (
            "客户端 id 被拒绝（CONNACK 2）",
            "client id rejected (CONNACK 2)",
            "用 MQTT_VERSION_3_1 编译时 id 最多 23 个字符：esp8266-<MAC> 有 25 个".into(),
            "an MQTT_VERSION_3_1 build allows 23 characters: esp8266-<MAC> has 25".into(),
        ),
        3 => (
            "服务端暂时不可用（CONNACK 3）",
            "the server is unavailable (CONNACK 3)",
            "例如服务端的连接数已经满了".into(),
            "e.g. the broker has reached its connection limit".into(),
        ),
        4 => (
            "用户名或密码错误（CONNACK 4）",
            "bad user name or password (CONNACK 4)",
            "检查 connect(id, user, pass) 里的用户名和密码".into(),
            "check the user name and password given to connect(id, user, pass)".into(),
        ),
        5 => (
            "没有授权（CONNACK 5）",
            "not authorized (CONNACK 5)",
            "没给或给错了用户名和密码，或 ACL 不允许；mosquitto 密码错也回 5".into(),
            "no or wrong credentials, or an ACL (mosquitto answers 5 for a wrong password too)".into(),
        ),
        _ => return None,
    };
    Some(StateNote {
        code,
        text: Text::new(format!("{name}（{code}）：{zh}\n{czh}"), format!("{name} ({code}): {en}\n{cen}")),
    })
}

/// The likely cause of −2, most specific first: the sketch points at the board itself, at another
/// port than the lab's, the lab listens on loopback only, or the usual suspects.
fn cause_of_no_tcp(ctx: &StateContext) -> (String, String) {
    let port = if ctx.lab_port == 0 { 1883 } else { ctx.lab_port };
    if let Some(seen) = &ctx.server_seen {
        let (host, seen_port) = split_host_port(seen);
        let h = host.to_ascii_lowercase();
        if h == "localhost" || h.starts_with("127.") || h == "::1" {
            return (
                format!("{host} 在开发板上就是开发板自己：请在程序里写这台电脑的局域网地址"),
                format!("{host} is the board itself: put this computer's LAN address in the sketch"),
            );
        }
        if let Some(p) = seen_port
            && ctx.lab_port != 0
            && p != ctx.lab_port
        {
            return (
                format!("程序连的是端口 {p}，实验室在端口 {} 上监听", ctx.lab_port),
                format!("the sketch uses port {p}, the lab listens on port {}", ctx.lab_port),
            );
        }
    }
    if !ctx.lab_on_lan {
        return (
            "实验室只在本机回环地址上监听，开发板连不到：请用 --lan 启动实验室".into(),
            "the lab listens on loopback only, out of the board's reach: start it with --lan".into(),
        );
    }
    (
        format!("地址或端口写错了、服务端没在运行，或防火墙挡住了端口 {port}"),
        format!("wrong address or port, the broker is not running, or a firewall blocks port {port}"),
    )
}

/// `host:port` into its parts (`[::1]:1883` and a bare `::1` too).
fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((host, tail)) = rest.split_once(']')
    {
        return (host, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (s, None),
        },
        _ => (s, None),
    }
}

/// The code after `rc` or `state` (see [`explain_state`]), if it is one PubSubClient has.
fn code_in(line: &str) -> Option<i8> {
    let lower = line.to_ascii_lowercase();
    for key in ["rc", "state"] {
        for (at, _) in lower.match_indices(key) {
            let before = lower[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            // `WiFi state: 3` and the like are not PubSubClient's.
            if key == "state" && lower[..at].contains("wifi") && !lower[..at].contains("mqtt") {
                continue;
            }
            let mut rest = &lower[at + key.len()..];
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if key == "state" {
                rest = rest.strip_prefix("()").unwrap_or(rest);
            }
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix(['=', ':']) {
                rest = r.trim_start();
            }
            let (negative, digits) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest.strip_prefix('+').unwrap_or(rest)),
            };
            let n = digits.chars().take_while(char::is_ascii_digit).count();
            if n == 0 || n > 2 || digits[n..].starts_with(|c: char| c.is_alphanumeric()) {
                continue;
            }
            let Ok(v) = digits[..n].parse::<i8>() else { continue };
            let v = if negative { -v } else { v };
            if (-4..=5).contains(&v) {
                return Some(v);
            }
        }
    }
    None
}

/// The broker address a line names: after a label ending in `server`, `server address`, `broker`,
/// `mqtt host` … (`Server Address: 192.168.1.20`, `mqtt_server = 127.0.0.1`), or an IPv4 address
/// (with its port) in a line that speaks of MQTT, a broker or a server (`Connecting to MQTT broker
/// 192.168.1.20:1883`). The board's own `IP address:` is not one.
pub fn server_address(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    if let Some(at) = line.find([':', '=']) {
        let name: String = lower[..at].chars().filter(char::is_ascii_alphanumeric).collect();
        const LABELS: &[&str] =
            &["server", "serveraddress", "serverip", "broker", "brokeraddress", "brokerip", "mqtthost", "brokerhost"];
        if LABELS.iter().any(|l| name.ends_with(l)) {
            let value = line[at + 1..].split_whitespace().next().map(clean_host).unwrap_or("");
            if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || ".-_:[]".contains(c)) {
                return Some(value.to_string());
            }
        }
    }
    if !["mqtt", "broker", "server"].iter().any(|w| lower.contains(w)) {
        return None;
    }
    line.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .map(clean_host)
        .find(|w| {
            let (host, _) = split_host_port(w);
            host.parse::<std::net::Ipv4Addr>().is_ok()
        })
        .map(str::to_string)
}

/// A word without the quotes and the sentence's punctuation around it.
fn clean_host(w: &str) -> &str {
    w.trim_matches(|c| c == '"' || c == '\'').trim_end_matches(['.', ',', ';', '!'])
}
