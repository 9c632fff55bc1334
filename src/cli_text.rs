//! The command line in 中文 and English: the language chosen before parsing (`--lang` anywhere in
//! the arguments, else the locale), one table of the help texts, the walk that puts its Chinese into
//! a clap [`Command`] tree, Chinese parse errors made from the context of clap's errors, and value
//! parsers whose complaint is in both languages.
//!
//! The clap derive structs stay the one source of the command line's shape, and their doc comments
//! the English help. The table repeats that English next to the Chinese: a help text is found by
//! its key (the arg id, the command name, or `arg=value` for a possible value) *and* its English, so
//! an option added or reworded without Chinese is found missing by [`missing`] (a test walks the
//! whole tree with it).

use std::ffi::OsString;

use clap::builder::PossibleValue;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

use crate::i18n::{Lang, Text};

/// One help text: its key (arg id, command name, or `arg=value`), in Chinese and in English.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn e(key: &'static str, zh: &'static str, en: &'static str) -> Entry {
    Entry { key, zh, en }
}

/// Every help text of the command line. The English is what clap derives from the doc comment (one
/// paragraph, its final period dropped).
pub const TABLE: &[Entry] = &[
    // Commands.
    e(
        "mqtt-lab",
        "一个终端里的 MQTT 课堂：内置服务端、虚拟客户端和字节级报文查看器",
        "An MQTT classroom in one terminal: a built-in broker, virtual clients and a byte-level inspector",
    ),
    e(
        "mqtt-lab",
        "一个终端里的 MQTT 课堂。不带子命令时打开实验室：服务端、教程里的角色（汽车 car、手机 phone、\
电脑 computer）、报文查看器、时序图和命令行（在里面按 ? 查看按键和命令）。",
        "An MQTT classroom in one terminal. Without a subcommand it opens the lab: the broker, the \
tutorial's cast (car 汽车, phone 手机, computer 电脑), the packet inspector, the ladder diagram and the \
command line (press ? inside for keys and commands).",
    ),
    e(
        "broker",
        "不带界面运行 MQTT 3.1 / 3.1.1 服务端，在标准输出上讲述它的每个决定",
        "Run the MQTT 3.1 / 3.1.1 broker headless, narrating its decisions on stdout",
    ),
    e(
        "bench",
        "压力测试工具，任何 MQTT 服务端都能测：fanin、fanout、latency、conns",
        "Load generator for any MQTT broker: fanin, fanout, latency, conns",
    ),
    e(
        "fuzz",
        "健壮性测试：`fuzz decode`（测解码器）和 `fuzz broker`（经本机回环地址测服务端）",
        "Robustness campaigns: `fuzz decode` (the decoder) and `fuzz broker` (a broker over loopback)",
    ),
    e(
        "decode",
        "把随机的和变异的报文送进分帧器和解码器（不用网络）",
        "Random and mutated frames through the framer and the decoder (no network)",
    ),
    e(
        "broker",
        "经本机回环地址向服务端发送随机的、变异的和极端的报文，同时用一对金丝雀客户端检查它",
        "Random, mutated and pathological packets against a broker over loopback, with a canary pair",
    ),
    e("help", "打印本帮助，或指定子命令的帮助", "Print this message or the help of the given subcommand(s)"),
    // The arguments clap adds itself.
    e("help", "打印帮助", "Print help"),
    e("help", "打印帮助（用 --help 查看更多）", "Print help (see more with '--help')"),
    e("help", "打印帮助（用 -h 查看摘要）", "Print help (see a summary with '-h')"),
    e("version", "打印版本", "Print version"),
    e("subcommand", "打印这些子命令的帮助", "Print help for the subcommand(s)"),
    // The lab and the broker (`NetArgs`, `Cli`, `BrokerArgs` in main.rs).
    e(
        "listen",
        "监听地址，写 HOST:PORT 或只写端口 PORT（可以写多个）。默认 127.0.0.1:1883",
        "Address to listen on, HOST:PORT or a bare PORT (repeatable). Default 127.0.0.1:1883",
    ),
    e(
        "lan",
        "监听这台电脑的每个网络接口，而不只是 127.0.0.1，让网络里的设备（比如连着 Wi-Fi 的 ESP8266）能连上；\
并说明这一点，列出局域网地址和要写进 Arduino 程序的那一行",
        "Listen on every network interface instead of 127.0.0.1, so that devices on the network (an ESP8266 \
on Wi-Fi) can connect; says so, with the LAN addresses and the sketch line",
    ),
    e(
        "passwd",
        "要求客户端提供用户名和密码，账号从这个文件读取（每行一个 user:password）",
        "Require user names and passwords from this file (one user:password a line)",
    ),
    e(
        "auth",
        "要求用户名和密码：加上这个用户，写法和 --passwd 文件里的一行一样（可以写多个）",
        "Require a user name and password: this user, as a line of --passwd would give it (repeatable)",
    ),
    e(
        "acl",
        "从这个文件读取每个用户能用哪些主题（ACL，mosquitto 的 acl_file 格式）",
        "Per-user topic ACLs from this file (mosquitto's acl_file format)",
    ),
    e(
        "lang",
        "消息的语言：zh 或 en（默认按系统的语言环境）",
        "Language of messages: zh or en (default: from the locale)",
    ),
    e(
        "lang",
        "输出的语言：zh 或 en（默认按系统的语言环境）",
        "Language of the output: zh or en (default: from the locale)",
    ),
    e(
        "max_packet_size",
        "接受的最大报文字节数；收到更大的报文，服务端就断开那个客户端的连接",
        "Largest packet accepted, in bytes; a larger one closes that client's connection",
    ),
    e(
        "max_queued",
        "客户端离线或忙时，每个会话最多保存的消息数；再多的消息被丢弃",
        "Messages kept per session while its client is offline or busy; more are dropped",
    ),
    e(
        "max_inflight",
        "发往一个客户端、尚未确认的 QoS 1/2 消息数上限（1 到 65535：每条占一个报文标识符）",
        "Unacknowledged QoS 1/2 messages in flight to one client (1 to 65535: one packet id each)",
    ),
    e(
        "max_connections",
        "同时连接的客户端数上限；再来的客户端收到 CONNACK 3（服务端不可用）",
        "Clients connected at once; the next gets CONNACK 3 (server unavailable)",
    ),
    e(
        "max_buffered_bytes",
        "一个客户端最多可积压的未发送字节数，超过后发给它的 QoS 0 消息被丢弃（它若还在读取，\
给它发消息的发布者早就会被暂停）",
        "Unsent bytes one client may pile up before QoS 0 messages to it are dropped (publishers that feed \
a client still reading are paused long before)",
    ),
    e(
        "buffer_budget",
        "所有客户端合计最多可积压的未发送字节数；超过后，不再读取的客户端的 QoS 0 消息立即被丢弃",
        "Unsent bytes all clients together may pile up; past it, clients that stopped reading lose their \
QoS 0 messages at once",
    ),
    e(
        "max_topic_levels",
        "订阅的主题过滤器最多可有的层级数；更深的订阅收到 SUBACK 0x80",
        "Levels a subscription's topic filter may have; a deeper one gets SUBACK 0x80",
    ),
    e(
        "max_subscriptions",
        "一个客户端最多可持有的订阅数；再多的订阅收到 SUBACK 0x80",
        "Subscriptions one client may hold; more get SUBACK 0x80",
    ),
    e(
        "max_stored_bytes",
        "所有会话（排队中的、未确认的消息）和保留消息合计最多占用的字节数",
        "Bytes of messages kept at once for all sessions (queued, unacknowledged) and retained topics",
    ),
    e(
        "max_sessions",
        "同时保存的会话数上限，离线客户端的持久会话也算；再多的客户端收到 CONNACK 3",
        "Sessions kept at once, persistent ones of offline clients included; more get CONNACK 3",
    ),
    e(
        "receive_maximum",
        "MQTT 5.0：客户端发给服务端、尚未确认的 QoS 1/2 消息最多几条（CONNACK 里的接收最大值）；再多一条就收到 DISCONNECT 0x93",
        "MQTT 5.0: QoS 1/2 messages a client may have unacknowledged towards the broker (Receive Maximum in CONNACK); one more gets DISCONNECT 0x93",
    ),
    e(
        "topic_alias_maximum",
        "MQTT 5.0：客户端最多可设的主题别名数（CONNACK 里的主题别名最大值；0 表示不接受别名）",
        "MQTT 5.0: topic aliases a client may set (Topic Alias Maximum in CONNACK; 0: none)",
    ),
    e(
        "server_keep_alive",
        "MQTT 5.0：服务端要求 5.0 客户端使用的心跳间隔（CONNACK 里的服务端保持连接）",
        "MQTT 5.0: the keep alive the broker imposes on 5.0 clients (Server Keep Alive in CONNACK)",
    ),
    e(
        "max_session_expiry",
        "MQTT 5.0：服务端允许的最长会话过期间隔（秒），更长的会被截短",
        "MQTT 5.0: the longest Session Expiry Interval granted, in seconds (longer ones are cut)",
    ),
    e(
        "inspector_cap",
        "报文查看器保存的报文数（更早的会被忘掉）",
        "Frames the inspector keeps (older ones are forgotten)",
    ),
    e(
        "log",
        "把叙述和错误追加到这个文件（界面上从不打印东西盖住屏幕）",
        "Append the narration and errors to this file (nothing is ever printed over the screen)",
    ),
    e(
        "broker",
        "使用外部服务端（mosquitto、EMQX …）代替内置服务端：mqtt://HOST[:PORT]",
        "Use an external broker (mosquitto, EMQX …) instead of the built-in one: mqtt://HOST[:PORT]",
    ),
    e(
        "tap",
        "把收发的每个报文写成一行 JSON（十六进制字节和解码后的字段），存到这个文件",
        "Write every frame in and out as a JSON line (hex bytes and decoded fields) to this file",
    ),
    e(
        "verbose",
        "也讲述每条消息的投递决定（谁以哪个 QoS 收到了哪条消息）",
        "Also narrate every message decision (who got which message at which QoS)",
    ),
    e(
        "lesson",
        "立刻打开这一课：章节号（如 2-1），或你自己写的课程文件（FILE.yaml）",
        "Open this lesson at once: a chapter such as 2-1, or a lesson file of your own (FILE.yaml)",
    ),
    // `mqtt-lab lessons`.
    e(
        "lessons",
        "课程：列出课程，或检查课程文件并在后台运行它们的 solution",
        "The lessons: list them, or check lesson files and run their solutions headless",
    ),
    e("list", "内置的课程和它们的步数", "The built-in lessons with their steps"),
    e(
        "check",
        "检查课程文件（默认检查内置课程），并在虚拟时间里后台运行每课的 solution",
        "Check lesson files (default: the built-in ones) and run each lesson's solutions headless, in virtual time",
    ),
    e("paths", "课程文件，或放课程文件的文件夹", "Lesson files or folders of them"),
    // `mqtt-lab serial`.
    e(
        "serial",
        "真实开发板（USB 上的 NodeMCU）用的串口：列出它们",
        "Serial ports for a real board (a NodeMCU on USB): list them",
    ),
    e(
        "list",
        "串口列表，USB 串口在前，带 VID:PID 和芯片型号",
        "The serial ports, USB ones first, with their VID:PID and chip",
    ),
    // The lab's serial pane, and `mqtt-lab nodemcu`.
    e(
        "serial",
        "启动时就把串口窗格接到这个串口（NodeMCU 的 /dev/ttyUSB0，或虚拟开发板的伪终端）",
        "Attach the serial pane to this port at start (a NodeMCU's /dev/ttyUSB0, or a virtual board's pty)",
    ),
    e(
        "baud",
        "串口窗格的波特率（程序里 Serial.begin 的值；ESP8266 的启动 ROM 用 74880）",
        "The serial pane's baud rate (the sketch's Serial.begin; the ESP8266 boot ROM talks at 74880)",
    ),
    e(
        "nodemcu",
        "一块虚拟 NodeMCU，运行教程的一个示例程序，串口是一个伪终端",
        "A virtual NodeMCU running one of the tutorial's sketches, its serial port a pseudo-terminal",
    ),
    e(
        "pty",
        "把开发板的串口放在伪终端上并打印它的路径（目前只有这一种）",
        "Put the board's serial port on a pseudo-terminal and print its path (the only kind there is)",
    ),
    e(
        "sketch",
        "示例程序：connect（1-4，默认）、publish、subscribe、qos、retained、will、auth、led、example",
        "The sketch: connect (1-4, the default), publish, subscribe, qos, retained, will, auth, led, example",
    ),
    e(
        "broker",
        "程序里 mqttServer 指向的服务端：主机:端口 或 mqtt://主机:端口",
        "The broker the sketch's mqttServer points at: HOST:PORT or mqtt://HOST:PORT",
    ),
    e(
        "link",
        "再建一个指向这个伪终端的符号链接，重启后名字不变",
        "Also make this symlink to the pseudo-terminal, a name that stays the same across restarts",
    ),
    // `mqtt-lab bench` (src/bench.rs).
    e("scenario", "要运行的场景", "The scenario to run"),
    e(
        "scenario=fanin",
        "N 个发布者（--pubs，默认 4）→ 同一主题上的 1 个订阅者：每秒收到的消息数",
        "N publishers (--pubs, default 4) → 1 subscriber on one topic: messages received per second",
    ),
    e(
        "scenario=fanout",
        "1 个发布者 → N 个订阅者（--subs，默认 10）：每秒投递数（消息数 × 订阅者数）",
        "1 publisher → N subscribers (--subs, default 10): deliveries (messages × subscribers) per second",
    ),
    e(
        "scenario=latency",
        "1 个发布者以固定速率 --rate → 1 个订阅者，持续 --seconds 秒：单向延迟的百分位数",
        "One publisher at a fixed --rate → one subscriber for --seconds: one-way latency percentiles",
    ),
    e(
        "scenario=conns",
        "打开 --conns 个空闲连接，保持 --seconds 秒：成功了多少个、连接用时、内存",
        "Open --conns idle connections, hold them for --seconds: how many succeeded, connect time, memory",
    ),
    e("host", "服务端主机", "Broker host"),
    e("port", "服务端端口", "Broker port"),
    e("qos", "发布和订阅的服务质量等级（QoS）", "QoS of the publishes and of the subscriptions"),
    e(
        "payload_bytes",
        "消息内容的字节数（latency 至少要 8：放发送时间戳）",
        "Payload size in bytes (latency needs at least 8: the send timestamp)",
    ),
    e("pubs", "发布者个数（默认：fanin 为 4，其他为 1）", "Publishers [default: 4 for fanin, else 1]"),
    e("subs", "订阅者个数（默认：fanout 为 10，其他为 1）", "Subscribers [default: 10 for fanout, else 1]"),
    e(
        "msgs",
        "每个发布者发送的消息数（默认：没给 --seconds 时 fanin 为 100000，fanout 为 20000；latency 不限条数，\
只看 --seconds）",
        "Messages per publisher [default: 100000 for fanin, 20000 for fanout unless --seconds is given; \
latency: no limit but --seconds]",
    ),
    e(
        "seconds",
        "发布的秒数（fanin、fanout、latency，默认 5），或保持连接的秒数（conns，默认 5）",
        "Publishing time (fanin, fanout, latency [default 5]) or holding time (conns [default 5])",
    ),
    e(
        "rate",
        "每个发布者每秒发送的消息数（默认：latency 为 5000，其他不限速）",
        "Messages per second per publisher [default: 5000 for latency, unlimited otherwise]",
    ),
    e("conns", "要打开的连接数（conns）", "Connections to open (conns)"),
    e("concurrency", "同时进行的连接尝试数（conns）", "Connection attempts in flight at once (conns)"),
    e(
        "inflight",
        "QoS 1 和 2 时，每个发布者最多有多少条发布未被确认",
        "Unacknowledged publishes per publisher at QoS 1 and 2",
    ),
    e(
        "broker_pid",
        "服务端的进程号：conns 会据此报告每个连接占用的内存（VmRSS）",
        "The broker's process id: conns then reports its memory (VmRSS) per connection",
    ),
    e(
        "timeout",
        "整个运行的时长上限（秒），不管服务端怎样",
        "Upper bound on the whole run in seconds, whatever the broker does",
    ),
    e("json", "输出一行 JSON 对象，代替表格", "Print one JSON object line instead of the table"),
    e(
        "v5",
        "改用 MQTT 5.0 而不是 3.1.1（同样的负载，5.0 的报文格式：属性长度、原因码）",
        "Speak MQTT 5.0 instead of 3.1.1 (the same load, 5.0 framing: property lengths, reason codes)",
    ),
    // `mqtt-lab fuzz` (src/fuzz.rs).
    e("inputs", "输入的个数", "How many inputs"),
    e(
        "seed",
        "输入生成器的种子（种子相同，输入就相同）",
        "Seed of the input generator (the same seed gives the same inputs)",
    ),
    e(
        "spans_every",
        "每 N 个输入检查一次字段范围记录器（0：从不检查）",
        "Check the span recorder on every Nth input (0: never)",
    ),
    e("json", "输出一行 JSON，代替文字报告", "Print one JSON line instead of the text report"),
    e("inputs", "发送这么多个输入后停止……", "Stop after this many inputs..."),
    e("seconds", "……或者运行这么多秒后停止，以先到者为准", "...or after this many seconds, whichever comes first"),
    e("seed", "输入生成器的种子", "Seed of the input generator"),
    e("conns", "同时进行模糊测试的连接数", "Fuzzing connections at once"),
    e(
        "max_rss_mib",
        "服务端的常驻内存超过这么多 MiB 就判为失败",
        "Fail when the broker's resident memory exceeds this many MiB",
    ),
    e(
        "port",
        "测试已经在 127.0.0.1:PORT 上监听的服务端，而不是自己启动一个",
        "Attack a broker already listening on 127.0.0.1:PORT instead of starting one",
    ),
    e("broker_pid", "那个服务端的进程号，用来监视它的内存", "The pid of that broker, to watch its memory"),
];

/// The Chinese of the text `en` under `key`.
pub fn zh_of(key: &str, en: &str) -> Option<&'static str> {
    TABLE.iter().find(|e| e.key == key && e.en == en).map(|e| e.zh)
}

/// The language of a run: the last valid `--lang X` or `--lang=X` among the arguments (before a
/// `--`), else the locale's.
pub fn lang_of(args: impl IntoIterator<Item = OsString>, env: impl Fn(&str) -> Option<String>) -> Lang {
    let mut found = None;
    let mut args = args.into_iter().skip(1);
    while let Some(a) = args.next() {
        let Some(a) = a.to_str() else { continue };
        if a == "--" {
            break;
        }
        let value = if a == "--lang" {
            args.next().and_then(|v| v.into_string().ok())
        } else {
            a.strip_prefix("--lang=").map(str::to_string)
        };
        if let Some(lang) = value.and_then(|v| v.parse::<Lang>().ok()) {
            found = Some(lang);
        }
    }
    found.unwrap_or_else(|| Lang::from_env_vars(env))
}

/// The command tree ready to parse in `lang`: as derived in English; built and put into Chinese
/// (every help text from [`TABLE`], the headings, defaults and possible values) in 中文.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    match lang {
        Lang::En => cmd,
        Lang::Zh => {
            let mut cmd = cmd;
            cmd.build();
            command_to_zh(cmd)
        }
    }
}

fn command_to_zh(mut cmd: Command) -> Command {
    let name = cmd.get_name().to_string();
    if let Some(z) = cmd.get_about().and_then(|a| zh_of(&name, &a.to_string())) {
        cmd = cmd.about(z);
    }
    if let Some(z) = cmd.get_long_about().and_then(|a| zh_of(&name, &a.to_string())) {
        cmd = cmd.long_about(z);
    }
    cmd = cmd.mut_args(arg_to_zh);
    for sc in cmd.get_subcommands_mut() {
        *sc = command_to_zh(std::mem::take(sc));
    }
    let template = zh_template(&cmd);
    cmd.help_template(template)
}

/// clap's default help template with the headings in Chinese.
fn zh_template(cmd: &Command) -> String {
    let mut sections = Vec::new();
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        sections.push("子命令：\n{subcommands}");
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        sections.push("参数：\n{positionals}");
    }
    if cmd.get_arguments().any(|a| !a.is_positional() && !a.is_hide_set()) {
        sections.push("选项：\n{options}");
    }
    let mut t = String::from("{before-help}{about-with-newline}\n用法：{usage}");
    if !sections.is_empty() {
        t.push_str("\n\n");
        t.push_str(&sections.join("\n\n"));
    }
    t.push_str("{after-help}");
    t
}

/// The possible values help shows for `a` (none for flags and hidden lists).
fn shown_values(a: &Arg) -> Vec<PossibleValue> {
    if !a.get_action().takes_values() || a.is_hide_possible_values_set() {
        return Vec::new();
    }
    a.get_possible_values().into_iter().filter(|p| !p.is_hide_set()).collect()
}

fn arg_to_zh(a: Arg) -> Arg {
    let id = a.get_id().as_str().to_string();
    let help = a.get_help().map(|h| h.to_string());
    let mut short = help.as_deref().map(|h| zh_of(&id, h).unwrap_or(h).to_string());
    let mut long = a.get_long_help().map(|h| {
        let h = h.to_string();
        zh_of(&id, &h).map_or(h, str::to_string)
    });
    let mut a = a;
    let values = shown_values(&a);
    if !values.is_empty() {
        let names: Vec<&str> = values.iter().map(|p| p.get_name()).collect();
        let base = short.clone().unwrap_or_default();
        short = Some(format!("{base}；可选值：{}", names.join("、")));
        if values.iter().any(|p| p.get_help().is_some()) {
            let mut l = long.clone().unwrap_or(base);
            l.push_str("\n\n可选值：");
            for p in &values {
                let en = p.get_help().map(|h| h.to_string()).unwrap_or_default();
                let key = format!("{id}={}", p.get_name());
                l.push_str(&format!("\n- {}：{}", p.get_name(), zh_of(&key, &en).unwrap_or(&en)));
            }
            long = Some(l);
        }
        a = a.hide_possible_values(true);
    }
    let defaults: Vec<String> = a.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
    if a.get_action().takes_values() && !a.is_hide_default_value_set() && !defaults.is_empty() {
        let d = defaults.join(" ");
        short = Some(format!("{}；默认值：{d}", short.unwrap_or_default()));
        long = long.map(|l| format!("{l}\n\n默认值：{d}"));
        a = a.hide_default_value(true);
    }
    if let Some(s) = short {
        a = a.help(s);
    }
    if let Some(l) = long {
        a = a.long_help(l);
    }
    a
}

/// Every help text of the (built) tree under `cmd` that has no Chinese in [`TABLE`], as
/// `path: key: English`, so that a test can require none.
pub fn missing(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    missing_in(cmd, cmd.get_name(), &mut out);
    out
}

fn missing_in(cmd: &Command, path: &str, out: &mut Vec<String>) {
    let name = cmd.get_name();
    let mut need = |key: &str, en: String| {
        if zh_of(key, &en).is_none() {
            out.push(format!("{path}: {key}: {en}"));
        }
    };
    match cmd.get_about() {
        Some(a) => need(name, a.to_string()),
        None => need(name, String::new()),
    }
    if let Some(a) = cmd.get_long_about() {
        need(name, a.to_string());
    }
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        match a.get_help() {
            Some(h) => need(id, h.to_string()),
            None if a.is_hide_set() => {}
            None => need(id, String::new()),
        }
        if let Some(h) = a.get_long_help() {
            need(id, h.to_string());
        }
        for p in shown_values(a) {
            if let Some(h) = p.get_help() {
                need(&format!("{id}={}", p.get_name()), h.to_string());
            }
        }
    }
    for sc in cmd.get_subcommands() {
        missing_in(sc, &format!("{path} {}", sc.get_name()), out);
    }
}

/// A value that a value parser refuses, with the reason in both languages; clap shows the English
/// (`Display`), [`error_zh`] the Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue(pub Text);

impl std::fmt::Display for BadValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl std::error::Error for BadValue {}

/// The value parser of `--lang`.
pub fn parse_lang(s: &str) -> Result<Lang, BadValue> {
    s.parse::<Lang>().map_err(|_| BadValue(Text::new("只能是 zh 或 en", "use zh or en")))
}

/// A value parser of whole numbers from `lo` to `hi`.
pub fn in_range<T>(lo: T, hi: T) -> impl Fn(&str) -> Result<T, BadValue> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |s: &str| match s.parse::<T>() {
        Ok(v) if lo <= v && v <= hi => Ok(v),
        _ => Err(BadValue(Text::new(
            format!("要写 {lo} 到 {hi} 之间的整数"),
            format!("use a whole number from {lo} to {hi}"),
        ))),
    }
}

/// An I/O error inside a Chinese sentence: what happened in Chinese where it is a common kind, then
/// the system's own words.
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let what = match e.kind() {
        ConnectionRefused => "连接被拒绝",
        ConnectionReset => "连接被对方重置",
        ConnectionAborted => "连接中断",
        NotConnected => "没有连接",
        AddrInUse => "地址已被占用",
        AddrNotAvailable => "地址不可用",
        BrokenPipe => "连接已断开",
        TimedOut => "超时",
        NotFound => "找不到",
        PermissionDenied => "没有权限",
        _ => return e.to_string(),
    };
    format!("{what}（{e}）")
}

/// `--flag <VALUE>` → `--flag`: how an argument is named in a sentence.
fn flag(arg: &str) -> &str {
    if arg.starts_with('-') { arg.split_whitespace().next().unwrap_or(arg) } else { arg }
}

fn context_str(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join("、")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn context_list(err: &clap::Error, kind: ContextKind) -> Vec<String> {
    match err.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Why a value parser refused a value, in Chinese.
fn reason_zh(source: &(dyn std::error::Error + 'static)) -> String {
    use std::num::IntErrorKind;
    if let Some(b) = source.downcast_ref::<BadValue>() {
        return b.0.zh.clone();
    }
    if let Some(e) = source.downcast_ref::<std::num::ParseIntError>() {
        return match e.kind() {
            IntErrorKind::Empty => "不能为空".into(),
            IntErrorKind::PosOverflow => "数太大了".into(),
            IntErrorKind::NegOverflow => "数太小了".into(),
            _ => "要写一个整数".into(),
        };
    }
    if source.downcast_ref::<std::num::ParseFloatError>().is_some() {
        return "要写一个数".into();
    }
    let en = source.to_string();
    match en.split_once(" is not in ") {
        Some((_, range)) => format!("要在 {range} 范围内"),
        None => en,
    }
}

/// The subcommand the arguments named (`mqtt-lab fuzz decode …` → `fuzz decode`), within `cmd`.
fn command_of<'a>(cmd: &'a Command, args: &[OsString]) -> &'a Command {
    let mut at = cmd;
    for a in args.iter().skip(1) {
        match a.to_str().and_then(|a| at.find_subcommand(a)) {
            // `help X` is about X, and a mistake in it is one of the command above.
            Some(sc) if sc.get_name() == "help" => break,
            Some(sc) => at = sc,
            None => {}
        }
    }
    at
}

/// A parse error in Chinese, naming the argument and the value at fault, then the usage and where
/// to read more. `cmd` is the tree that was parsed, `args` what it was given.
pub fn error_zh(err: &clap::Error, cmd: &Command, args: &[OsString]) -> String {
    let arg = context_str(err, ContextKind::InvalidArg).unwrap_or_default();
    let arg = flag(&arg).to_string();
    let value = context_str(err, ContextKind::InvalidValue);
    let guess = |kind| context_str(err, kind).map(|s| format!("（你是不是想写 {s}？）")).unwrap_or_default();
    let at = command_of(cmd, args);
    let message = match err.kind() {
        ErrorKind::UnknownArgument => {
            let mut m = if arg.starts_with('-') {
                format!("没有参数 {arg}{}", guess(ContextKind::SuggestedArg))
            } else {
                format!("多余的参数 \"{arg}\"：这里不接受它{}", guess(ContextKind::SuggestedArg))
            };
            for s in context_list(err, ContextKind::Suggested) {
                if let Some(rest) = s.strip_prefix("to pass '") {
                    let a = rest.split('\'').next().unwrap_or(rest);
                    m.push_str(&format!("（要把 {a} 当作值，请写 -- {a}）"));
                } else if let Some(both) = s.strip_suffix("' exists") {
                    m.push_str(&format!("（{} 才有这个参数）", both.trim_start_matches('\'')));
                }
            }
            m
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context_str(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            let hint = guess(ContextKind::SuggestedSubcommand);
            if hint.is_empty() {
                let names: Vec<&str> =
                    at.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name()).collect();
                format!("没有子命令 {sub}；可用的子命令：{}", names.join("、"))
            } else {
                format!("没有子命令 {sub}{hint}")
            }
        }
        ErrorKind::InvalidValue => match value.as_deref() {
            None | Some("") => {
                let name = context_str(err, ContextKind::InvalidArg).unwrap_or_default();
                let wanted = name.split_once(' ').map(|(_, v)| format!("（{v}）")).unwrap_or_default();
                format!("{arg} 后面缺少值{wanted}")
            }
            Some(v) => {
                let valid = context_list(err, ContextKind::ValidValue);
                let valid =
                    if valid.is_empty() { String::new() } else { format!("；可选值：{}", valid.join("、")) };
                format!("{arg} 的值 \"{v}\" 无效{valid}{}", guess(ContextKind::SuggestedValue))
            }
        },
        ErrorKind::ValueValidation => {
            let v = value.unwrap_or_default();
            let reason = std::error::Error::source(err).map(reason_zh).unwrap_or_default();
            format!("{arg} 的值 \"{v}\" 无效：{reason}")
        }
        ErrorKind::ArgumentConflict => {
            let prior = context_list(err, ContextKind::PriorArg);
            let prior: Vec<&str> = prior.iter().map(|p| flag(p)).collect();
            let sub = context_str(err, ContextKind::InvalidSubcommand);
            if prior.is_empty() || prior == [arg.as_str()] {
                format!("{arg} 只能写一次")
            } else if let Some(sub) = sub {
                format!("子命令 {sub} 不能和 {} 一起用", prior.join("、"))
            } else {
                let mut m = format!("{arg} 不能和 {} 一起用", prior.join("、"));
                if arg == "--broker" || prior.contains(&"--broker") {
                    m.push_str(
                        "：--broker 连接外部服务端，不启动内置服务端，\
所以内置服务端的 --listen、--lan、--passwd、--auth、--acl 都用不上",
                    );
                }
                m
            }
        }
        ErrorKind::MissingRequiredArgument => {
            format!("缺少必需的参数：{}", context_list(err, ContextKind::InvalidArg).join("、"))
        }
        ErrorKind::MissingSubcommand => {
            let parent = context_str(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            let valid = context_list(err, ContextKind::ValidSubcommand);
            format!("{parent} 需要一个子命令：{}", valid.join("、"))
        }
        ErrorKind::NoEquals => format!("{arg} 的值要用 = 连着写，例如 {arg}=值"),
        ErrorKind::TooManyValues => format!("{arg} 多给了一个值 \"{}\"", value.unwrap_or_default()),
        ErrorKind::TooFewValues => format!(
            "{arg} 至少要 {} 个值，只给了 {} 个",
            context_str(err, ContextKind::MinValues).unwrap_or_default(),
            context_str(err, ContextKind::ActualNumValues).unwrap_or_default()
        ),
        ErrorKind::WrongNumberOfValues => format!(
            "{arg} 要 {} 个值，给了 {} 个",
            context_str(err, ContextKind::ExpectedNumValues).unwrap_or_default(),
            context_str(err, ContextKind::ActualNumValues).unwrap_or_default()
        ),
        ErrorKind::InvalidUtf8 => "参数里有不是 UTF-8 的字节".into(),
        _ => format!("命令行有误（{:?}）", err.kind()),
    };
    // The command's whole usage: clap's error usage shows only the arguments given.
    let usage = at.clone().render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim().to_string();
    let path = at.get_bin_name().unwrap_or(at.get_name()).to_string();
    format!("错误：{message}\n\n用法：{usage}\n\n更多信息请运行 {path} --help")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_entry_has_chinese_that_is_not_the_english() {
        for e in TABLE {
            assert!(has_cjk(e.zh), "no Chinese for {}: {:?}", e.key, e.zh);
            assert_ne!(e.zh, e.en, "{}", e.key);
        }
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert!(!(a.key == b.key && a.en == b.en), "{} appears twice: {:?}", a.key, a.en);
            }
        }
    }

    #[test]
    fn the_bench_and_fuzz_commands_have_chinese_for_everything() {
        use clap::Args;
        // The abouts of `bench` and `fuzz` are in main.rs: the stand-ins borrow them from the table.
        let about = |key: &str| TABLE.iter().find(|e| e.key == key).map(|e| e.en).unwrap_or_default();
        let mut cmd = crate::bench::BenchArgs::augment_args(Command::new("bench")).about(about("bench"));
        cmd.build();
        assert_eq!(missing(&cmd), Vec::<String>::new());
        let mut cmd = crate::fuzz::FuzzArgs::augment_args(Command::new("fuzz")).about(about("fuzz"));
        cmd.build();
        assert_eq!(missing(&cmd), Vec::<String>::new());
    }

    #[test]
    fn the_language_comes_from_lang_anywhere_else_the_locale() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let zh_env = |k: &str| (k == "LANG").then(|| "zh_CN.UTF-8".to_string());
        let no_env = |_: &str| None;
        assert_eq!(lang_of(args(&["mqtt-lab", "broker", "--lang", "zh"]), no_env), Lang::Zh);
        assert_eq!(lang_of(args(&["mqtt-lab", "--lang=zh", "bench"]), no_env), Lang::Zh);
        assert_eq!(lang_of(args(&["mqtt-lab", "--help"]), zh_env), Lang::Zh);
        assert_eq!(lang_of(args(&["mqtt-lab", "--lang", "en"]), zh_env), Lang::En);
        assert_eq!(lang_of(args(&["mqtt-lab", "--lang", "fr"]), zh_env), Lang::Zh);
        assert_eq!(lang_of(args(&["mqtt-lab", "--", "--lang", "zh"]), no_env), Lang::En);
    }

    #[test]
    fn chinese_help_has_chinese_headings_defaults_and_values() {
        use clap::Args;
        let cmd = crate::bench::BenchArgs::augment_args(Command::new("bench"));
        let mut cmd = localize(cmd, Lang::Zh);
        let short = cmd.render_help().to_string();
        assert!(short.contains("用法：bench"), "{short}");
        assert!(short.contains("参数：") && short.contains("选项："), "{short}");
        assert!(short.contains("服务端端口；默认值：1883"), "{short}");
        assert!(short.contains("要运行的场景；可选值：fanin、fanout、latency、conns"), "{short}");
        assert!(!short.contains("[default"), "{short}");
        let long = cmd.render_long_help().to_string();
        assert!(long.contains("- fanout：1 个发布者"), "{long}");
    }

    #[test]
    fn range_parser_says_why_in_both_languages() {
        let p = in_range(1u16, 10);
        assert_eq!(p("3"), Ok(3));
        let e = p("11").unwrap_err();
        assert!(e.0.zh.contains("1 到 10") && e.to_string().contains("from 1 to 10"), "{e:?}");
        assert!(p("x").is_err() && p("0").is_err());
    }
}
