//! The command line's language: parsing `car pub car/speed 60 -q 1` into a [`Command`], the errors
//! that say what is wrong, and Tab completion. Pure text in, values out.

use crate::i18n::{Lang, Text};
use crate::proto::QoS;

pub use crate::world::cmd::{ClientCmd, ConnectOpts, DisconnectOpts, PubOpts, SubOpts};

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Client {
        name: String,
        cmd: ClientCmd,
    },
    New {
        name: String,
        opts: ConnectOpts,
    },
    Remove {
        name: String,
    },
    Step(Option<bool>),
    Next,
    Drop,
    CutHeld,
    Lang(Option<Lang>),
    Filter(FilterCmd),
    Help,
    Quit,
    Compose {
        name: String,
        topic: String,
        qos: QoS,
        retain: bool,
    },
    /// The lesson's quiz: choice N (from 1).
    Answer(usize),
    /// Go on from a lesson step that only explains.
    Go,
    /// The lesson step's next hint.
    Hint,
    /// The lesson list.
    Lessons,
    /// Say again what listening on every interface means (`--lan`) and the sketch line.
    Lan,
    /// The IoT console's switch N (from 1): on or off.
    Switch {
        n: usize,
        on: bool,
    },
    /// The serial pane.
    Serial(SerialCmd),
}

/// What `serial …` asks of the serial pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialCmd {
    /// The ports found (the in-app picker: `serial open N` takes the Nth).
    List,
    /// Attach a port (a path, or a number from `serial list`), at this baud rate.
    Open {
        port: String,
        baud: Option<u32>,
    },
    Close,
    Baud(u32),
    /// Send a line with the chosen ending.
    Send(String),
    /// The line ending `send` adds: none, lf, cr or crlf.
    Ending(String),
    /// esptool's reset: RTS pulsed for 100 ms (a virtual board is reset directly).
    Reset,
    /// Show only the lines containing this (`None`: all again).
    Find(Option<String>),
    /// Show only the linked board's frames in the inspector and ladder (again: all).
    Link,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterCmd {
    Client(String),
    Type(String),
    Topic(String),
    Clear,
}

/// What a client verb does (the parser's branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbKind {
    Connect,
    Disconnect,
    Sub,
    Unsub,
    Pub,
    Compose,
    Cut,
    Freeze,
    Thaw,
    Reset,
    Power,
}

/// What a lab command does (the parser's branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabKind {
    New,
    Rm,
    Step,
    Next,
    Drop,
    CutHeld,
    Lang,
    Filter,
    Help,
    Quit,
    Answer,
    Go,
    Hint,
    Lessons,
    Lan,
    Switch,
    Serial,
}

/// One entry of the command table: the words that call it, how to write it, an example that parses,
/// and what it does. The parser finds commands here, completion offers them, and `?` help lists
/// them: one table, so help cannot say what the parser does not do.
#[derive(Debug, Clone, Copy)]
pub struct Spec<K: 'static> {
    pub names: &'static [&'static str],
    pub kind: K,
    pub usage: &'static str,
    pub example: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// What a client on stage can be told: `NAME VERB ...`.
pub const CLIENT_VERBS: &[Spec<VerbKind>] = &[
    Spec {
        names: &["sub", "subscribe"],
        kind: VerbKind::Sub,
        usage: "NAME sub FILTER [-q 0|1|2] [--no-local] [--rap] [--rh 0|1|2] [--sub-id N]",
        example: "phone sub car/# -q 1",
        zh: "订阅主题过滤器（+ 匹配一层；# 匹配任意多层，car/# 也匹配 car 本身）；-- 开头的选项是 MQTT 5.0 的，客户端要用 --v5 连接",
        en: "subscribe to a topic filter (+ matches one level; # any number of levels, so car/# matches car itself too); the -- options are MQTT 5.0's and need a client connected with --v5",
    },
    Spec {
        names: &["unsub", "unsubscribe"],
        kind: VerbKind::Unsub,
        usage: "NAME unsub FILTER",
        example: "phone unsub car/#",
        zh: "取消订阅（过滤器要与订阅时逐字相同）",
        en: "unsubscribe (the filter must match the subscription letter by letter)",
    },
    Spec {
        names: &["pub", "publish"],
        kind: VerbKind::Pub,
        usage: "NAME pub TOPIC PAYLOAD [-q 0|1|2] [-r] [--expiry S] [--user-prop K=V]… [--response-topic T] [--correlation D] [--content-type T] [--alias]",
        example: "car pub car/speed 60 -q 1 -r",
        zh: "发布消息（-r 作为保留消息；含空格的消息加引号）；-- 开头的选项是 MQTT 5.0 的属性，客户端要用 --v5 连接",
        en: "publish a message (-r retained; quote a payload with spaces); the -- options are MQTT 5.0 properties and need a client connected with --v5",
    },
    Spec {
        names: &["compose"],
        kind: VerbKind::Compose,
        usage: "NAME compose TOPIC [-q 0|1|2] [-r]",
        example: "car compose car/json",
        zh: "在多行编辑器里写消息（检查 JSON）",
        en: "write the payload in a multi-line editor (JSON is checked)",
    },
    Spec {
        names: &["connect"],
        kind: VerbKind::Connect,
        usage: "NAME connect [--clean false] [--keepalive S] [--will-topic T --will-msg M [--will-qos Q] [--will-retain]] [--user U --pass P] [--id ID] [--v5 [--session-expiry S] [--receive-max N] [--max-packet N] [--alias-max N] [--user-prop K=V]… [--will-delay S]]",
        example: "car connect --clean false --keepalive 10 --will-topic car/status --will-msg offline",
        zh: "（重新）连接，可改选项；服务端要密码时用 --user 用户名 --pass 密码",
        en: "connect (again) with these options; a broker with passwords needs --user U --pass P",
    },
    Spec {
        names: &["disconnect"],
        kind: VerbKind::Disconnect,
        usage: "NAME disconnect [--with-will] [--session-expiry S]",
        example: "car disconnect",
        zh: "发送 DISCONNECT 正常断开（遗嘱不会发布）；MQTT 5.0（--v5）：--with-will 用原因码 0x04 让服务端照样发布遗嘱，--session-expiry 改会话过期间隔",
        en: "send DISCONNECT and leave normally (the will is not published); MQTT 5.0 (--v5): --with-will sends reason code 0x04 so the broker publishes the will all the same, --session-expiry changes the session expiry interval",
    },
    Spec {
        names: &["cut"],
        kind: VerbKind::Cut,
        usage: "NAME cut",
        example: "car cut",
        zh: "进隧道：链路断了但不发 DISCONNECT；服务端 1.5 倍心跳间隔内收不到报文才发现，然后发布遗嘱",
        en: "drive into a tunnel: the link dies without DISCONNECT; the broker notices after 1.5 × keep alive of silence and then publishes the will",
    },
    Spec {
        names: &["freeze"],
        kind: VerbKind::Freeze,
        usage: "NAME freeze",
        example: "car freeze",
        zh: "冻结：像不再调用 loop() 的程序，什么都不处理",
        en: "freeze: like a sketch that stopped calling loop(), it handles nothing",
    },
    Spec {
        names: &["thaw"],
        kind: VerbKind::Thaw,
        usage: "NAME thaw",
        example: "car thaw",
        zh: "解冻，处理积压的报文",
        en: "thaw: handle what waited",
    },
    Spec {
        names: &["reset"],
        kind: VerbKind::Reset,
        usage: "NAME reset",
        example: "esp reset",
        zh: "按开发板的复位键：芯片重启、重跑程序；旧的 TCP 连接被丢下，不发 DISCONNECT",
        en: "press the board's reset button: the chip restarts and runs its sketch again; the old TCP connection is left behind without DISCONNECT",
    },
    Spec {
        names: &["power"],
        kind: VerbKind::Power,
        usage: "NAME power on|off",
        example: "esp power off",
        zh: "拔掉（off）或插上（on）开发板的 USB 线：断电时连接被丢下，服务端 1.5 倍心跳间隔后才发现并发布遗嘱",
        en: "pull (off) or plug in (on) the board's USB cable: power off leaves the connection behind; the broker notices after 1.5 × keep alive and publishes the will",
    },
];

/// The lab's own commands.
pub const LAB_COMMANDS: &[Spec<LabKind>] = &[
    Spec {
        names: &["new"],
        kind: LabKind::New,
        usage: "new NAME [connect options]",
        example: "new esp --keepalive 15",
        zh: "添加一个客户端并连接（new 名字 --v5：说 MQTT 5.0 的客户端）",
        en: "put a new client on stage and connect it (new NAME --v5: a client that speaks MQTT 5.0)",
    },
    Spec {
        names: &["rm"],
        kind: LabKind::Rm,
        usage: "rm NAME",
        example: "rm esp",
        zh: "移除客户端",
        en: "take a client off stage",
    },
    Spec {
        names: &["step"],
        kind: LabKind::Step,
        usage: "step [on|off]",
        example: "step on",
        zh: "单步模式：网关扣住每个报文",
        en: "step mode: the gate holds every frame",
    },
    Spec {
        names: &["next"],
        kind: LabKind::Next,
        usage: "next",
        example: "next",
        zh: "放行下一个扣住的报文",
        en: "release the next held frame",
    },
    Spec {
        names: &["drop"],
        kind: LabKind::Drop,
        usage: "drop",
        example: "drop",
        zh: "丢弃下一个扣住的报文，就像网络把它弄丢了",
        en: "drop the next held frame, as if the network lost it",
    },
    Spec {
        names: &["cutheld"],
        kind: LabKind::CutHeld,
        usage: "cutheld",
        example: "cutheld",
        zh: "切断下一个扣住的报文所在的连接（拔掉网线）",
        en: "cut the connection of the next held frame (pull the plug)",
    },
    Spec {
        names: &["filter"],
        kind: LabKind::Filter,
        usage: "filter client NAME | type PUBLISH | topic TEXT | clear",
        example: "filter type PUBLISH",
        zh: "只看某些报文",
        en: "show only some frames",
    },
    Spec {
        names: &["lang"],
        kind: LabKind::Lang,
        usage: "lang [zh|en]",
        example: "lang zh",
        zh: "切换语言",
        en: "switch the language",
    },
    Spec {
        names: &["serial"],
        kind: LabKind::Serial,
        usage: "serial list | open PORT|N [BAUD] | baud N | send TEXT | ending none|lf|cr|crlf | reset | find TEXT | link | close",
        example: "serial open /dev/ttyUSB0 115200",
        zh: "串口窗格：列出串口（USB VID:PID 和芯片）、打开、改波特率、发一行、复位开发板（RTS 脉冲）、搜索、只看这块板的报文",
        en: "the serial pane: list ports (USB VID:PID and chip), open one, change the baud rate, send a line, reset the board (an RTS pulse), search, show only this board's frames",
    },
    Spec {
        names: &["switch"],
        kind: LabKind::Switch,
        usage: "switch N on|off",
        example: "switch 1 on",
        zh: "物联网控制台：拨动第 N 个开关（console 客户端发布它的消息）",
        en: "IoT console: flip switch N (the console client publishes its message)",
    },
    Spec {
        names: &["lan"],
        kind: LabKind::Lan,
        usage: "lan",
        example: "lan",
        zh: "局域网：再说一遍服务端监听在哪里、谁能连上，以及要写进 Arduino 程序的那一行（用 --lan 启动时）",
        en: "LAN: say again where the broker listens, who may connect and the line for the Arduino sketch (started with --lan)",
    },
    Spec {
        names: &["lessons"],
        kind: LabKind::Lessons,
        usage: "lessons",
        example: "lessons",
        zh: "回到课程列表（F9 也可以）",
        en: "back to the lesson list (F9 too)",
    },
    Spec {
        names: &["go"],
        kind: LabKind::Go,
        usage: "go",
        example: "go",
        zh: "课程：读完这一步，继续",
        en: "lesson: done reading this step, go on",
    },
    Spec {
        names: &["hint"],
        kind: LabKind::Hint,
        usage: "hint",
        example: "hint",
        zh: "课程：这一步的下一条提示",
        en: "lesson: the next hint for this step",
    },
    Spec {
        names: &["answer"],
        kind: LabKind::Answer,
        usage: "answer N",
        example: "answer 2",
        zh: "课程：回答选择题（选项从 1 数起）",
        en: "lesson: answer the quiz (choices count from 1)",
    },
    Spec {
        names: &["help", "?"],
        kind: LabKind::Help,
        usage: "help",
        example: "help",
        zh: "打开帮助",
        en: "open this help",
    },
    Spec {
        names: &["quit", "exit"],
        kind: LabKind::Quit,
        usage: "quit",
        example: "quit",
        zh: "退出实验室",
        en: "leave the lab",
    },
];

/// An option of `connect` and `new`.
pub struct Opt {
    pub name: &'static str,
    /// What follows it, if anything.
    pub arg: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The options of `connect` and `new`.
pub const CONNECT_OPTS: &[Opt] = &[
    Opt {
        name: "--clean",
        arg: "true|false",
        zh: "清除会话标志（默认 true）；false 时服务端保留订阅和离线消息，CONNACK 会话存在=1 表示还在，=0 就要重新订阅",
        en: "the clean session flag (default true); with false the broker keeps the subscriptions and queued messages: CONNACK's session present=1 says they are there, =0 means subscribe again",
    },
    Opt {
        name: "--keepalive",
        arg: "S",
        zh: "心跳间隔（秒，默认 60；PubSubClient 默认 15）：客户端空闲这么久就发 PINGREQ；服务端 1.5 倍时间内什么都没收到就断开并发布遗嘱",
        en: "keep alive in seconds (default 60; PubSubClient's is 15): the client sends PINGREQ when idle this long; after 1.5 × this with nothing heard the broker closes the connection and publishes the will",
    },
    Opt {
        name: "--will-topic",
        arg: "T",
        zh: "遗嘱主题：连接没有经过 DISCONNECT 就断开时，服务端替你发布遗嘱（主题名，不能含 + 或 #）",
        en: "the will's topic: the broker publishes the will for you if the connection ends without DISCONNECT (a topic name: no + or #)",
    },
    Opt { name: "--will-msg", arg: "M", zh: "遗嘱消息", en: "the will's message" },
    Opt { name: "--will-qos", arg: "0|1|2", zh: "遗嘱的服务质量等级", en: "the will's QoS" },
    Opt {
        name: "--will-retain", arg: "", zh: "遗嘱作为保留消息发布", en: "publish the will as a retained message"
    },
    Opt {
        name: "--user",
        arg: "U",
        zh: "用户名（服务端用 --passwd 时需要）",
        en: "user name (needed when the broker has --passwd)",
    },
    Opt { name: "--pass", arg: "P", zh: "密码", en: "password" },
    Opt {
        name: "--id", arg: "ID", zh: "客户端ID（默认是客户端的名字）", en: "client id (default: the client's name)"
    },
    Opt {
        name: "--pubsubclient",
        arg: "",
        zh: "像 Arduino 的 PubSubClient：只以 QoS 0 发布，256 字节缓冲区，心跳 15 秒",
        en: "behave like Arduino's PubSubClient: publishes at QoS 0 only, 256-byte buffer, keep alive 15 s",
    },
    Opt {
        name: "--v31",
        arg: "",
        zh: "用 MQTT 3.1（协议名 MQIsdp，级别 3；客户端ID最多 23 个字符）",
        en: "speak MQTT 3.1 (protocol name MQIsdp, level 3; client ids of at most 23 characters)",
    },
    Opt {
        name: "--sketch",
        arg: "NAME",
        zh: "只用于 new：一块运行这个程序的虚拟 NodeMCU（connect、publish、subscribe、qos、retained、will、auth、led、example），串口输出在串口窗格",
        en: "new only: a virtual NodeMCU running this sketch (connect, publish, subscribe, qos, retained, will, auth, led, example); its serial output is in the serial pane",
    },
    Opt {
        name: "--mac",
        arg: "MAC",
        zh: "只用于 new --sketch：开发板的 MAC 地址（默认取一个台上没有的）；两块板用同一个 MAC，客户端ID就一样，会互相踢下线",
        en: "new --sketch only: the board's MAC address (default: one no board on stage has); two boards with one MAC share a client id and kick each other off",
    },
    Opt {
        name: "--offline",
        arg: "",
        zh: "只用于 new：上台但先不连接",
        en: "new only: put the client on stage without connecting it",
    },
    Opt {
        name: "--v5",
        arg: "",
        zh: "说 MQTT 5.0（级别 5）：CONNECT 带属性，每个确认带原因码；下面的选项只能和 --v5 一起用",
        en: "speak MQTT 5.0 (level 5): a CONNECT with properties, a reason code in every acknowledgement; the options below need --v5",
    },
    Opt {
        name: "--session-expiry",
        arg: "S",
        zh: "会话过期间隔（秒，默认 0）：连接断开后服务端还保留会话这么久；0 表示会话随连接结束",
        en: "session expiry interval in seconds (default 0): how long the broker keeps the session after the connection ends; 0 ends it with the connection",
    },
    Opt {
        name: "--receive-max",
        arg: "N",
        zh: "接收最大值：服务端最多同时向这个客户端发 N 条未确认的 QoS 1/2 消息",
        en: "receive maximum: the broker sends this client at most N unacknowledged QoS 1/2 messages at once",
    },
    Opt {
        name: "--max-packet",
        arg: "N",
        zh: "最大报文长度（字节）：服务端不能发来更大的报文",
        en: "maximum packet size in bytes: the broker may not send this client a larger packet",
    },
    Opt {
        name: "--alias-max",
        arg: "N",
        zh: "主题别名最大值：服务端最多可为这个客户端设 N 个主题别名（默认 0：不用别名）",
        en: "topic alias maximum: the broker may set up to N topic aliases for this client (default 0: none)",
    },
    Opt {
        name: "--user-prop",
        arg: "K=V",
        zh: "CONNECT 的用户属性（可以写多次）",
        en: "a user property of the CONNECT (may be given several times)",
    },
    Opt {
        name: "--will-delay",
        arg: "S",
        zh: "遗嘱延时间隔（秒）：连接断开后服务端等这么久才发布遗嘱（需要 --will-topic）",
        en: "will delay interval in seconds: the broker waits this long after the connection ends before it publishes the will (needs --will-topic)",
    },
];

/// The MQTT 5.0 connect options: given without `--v5`, they are refused by name.
const V5_CONNECT_OPTS: &[&str] =
    &["--session-expiry", "--receive-max", "--max-packet", "--alias-max", "--user-prop", "--will-delay"];

/// An option of a client verb other than `connect` (the MQTT 5.0 options of pub, sub and disconnect).
pub struct VerbOpt {
    pub verb: &'static str,
    pub opt: Opt,
}

/// The MQTT 5.0 options of `pub`, `sub` and `disconnect` (a 3.1.1 client refuses them by name).
pub const V5_VERB_OPTS: &[VerbOpt] = &[
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--expiry",
            arg: "S",
            zh: "消息过期间隔（秒）：服务端在这段时间内送不出去就丢弃；订阅者收到的是剩下的秒数",
            en: "message expiry interval in seconds: the broker drops the message if it cannot deliver it in time; subscribers get the seconds left",
        },
    },
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--user-prop",
            arg: "K=V",
            zh: "用户属性（可以写多次）：原样转发给订阅者",
            en: "a user property (may be given several times): forwarded to subscribers as it is",
        },
    },
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--response-topic",
            arg: "T",
            zh: "响应主题：请求/响应模式里，接收方把回答发布到这个主题",
            en: "response topic: in request/response, the receiver publishes its answer there",
        },
    },
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--correlation",
            arg: "D",
            zh: "对比数据：请求方用它认出是哪个请求的回答",
            en: "correlation data: lets the requester tell which request an answer belongs to",
        },
    },
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--content-type",
            arg: "T",
            zh: "内容类型，例如 application/json",
            en: "content type, e.g. application/json",
        },
    },
    VerbOpt {
        verb: "pub",
        opt: Opt {
            name: "--alias",
            arg: "",
            zh: "用主题别名（在服务端的主题别名最大值以内）：第一次发主题和别名，之后只发别名、主题名为空",
            en: "use a topic alias (within the broker's topic alias maximum): the first PUBLISH sends the topic and the alias, later ones the alias and an empty topic",
        },
    },
    VerbOpt {
        verb: "sub",
        opt: Opt {
            name: "--no-local",
            arg: "",
            zh: "不要把自己发布的消息发回给自己",
            en: "no local: do not send this client its own messages",
        },
    },
    VerbOpt {
        verb: "sub",
        opt: Opt {
            name: "--rap",
            arg: "",
            zh: "保留发布时的 RETAIN 标志（Retain As Published）",
            en: "retain as published: forwarded messages keep the RETAIN flag their publisher set",
        },
    },
    VerbOpt {
        verb: "sub",
        opt: Opt {
            name: "--rh",
            arg: "0|1|2",
            zh: "保留消息处理：0 订阅时发送保留消息，1 只在新订阅时发送，2 不发送",
            en: "retain handling: 0 send retained messages on subscribing, 1 only for a new subscription, 2 never",
        },
    },
    VerbOpt {
        verb: "sub",
        opt: Opt {
            name: "--sub-id",
            arg: "N",
            zh: "订阅标识符（1–268435455）：服务端转发的消息带上它，说明是哪个订阅匹配的",
            en: "subscription identifier (1–268435455): messages forwarded for this subscription carry it",
        },
    },
    VerbOpt {
        verb: "disconnect",
        opt: Opt {
            name: "--with-will",
            arg: "",
            zh: "原因码 0x04（断开并发布遗嘱）：正常断开，服务端照样发布遗嘱",
            en: "reason code 0x04 (disconnect with will message): a normal goodbye, and the broker publishes the will all the same",
        },
    },
    VerbOpt {
        verb: "disconnect",
        opt: Opt {
            name: "--session-expiry",
            arg: "S",
            zh: "新的会话过期间隔（秒）；CONNECT 里是 0 时不能改成非 0",
            en: "a new session expiry interval in seconds; not allowed to become non-zero when the CONNECT's was 0",
        },
    },
];

/// The 5.0 options of `verb` (for completion).
fn verb_opt_names(verb: &str) -> Vec<&'static str> {
    V5_VERB_OPTS.iter().filter(|o| o.verb == verb).map(|o| o.opt.name).collect()
}

/// The option names, for messages and completion.
pub fn connect_opt_names() -> Vec<&'static str> {
    CONNECT_OPTS.iter().map(|o| o.name).collect()
}

fn verb(word: &str) -> Option<&'static Spec<VerbKind>> {
    CLIENT_VERBS.iter().find(|v| v.names.contains(&word))
}

fn lab_command(word: &str) -> Option<&'static Spec<LabKind>> {
    LAB_COMMANDS.iter().find(|c| c.names.contains(&word))
}

/// The first word of every client verb (for completion and messages).
fn verb_names() -> Vec<&'static str> {
    CLIENT_VERBS.iter().map(|v| v.names[0]).collect()
}

/// The first word of every lab command.
fn lab_names() -> Vec<&'static str> {
    LAB_COMMANDS.iter().map(|c| c.names[0]).collect()
}

/// Splits a line into words; "double" or 'single' quotes keep spaces; a backslash escapes.
pub fn split(line: &str) -> Result<Vec<String>, CmdError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') | (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(_), c) => cur.push(c),
            (None, '"') | (None, '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(err("unclosed quote", "引号没有闭合"));
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

fn qos_arg(v: Option<&String>, flag: &str) -> Result<QoS, CmdError> {
    let v = v.ok_or_else(|| err(format!("{flag} needs a value: 0, 1 or 2"), format!("{flag} 后面要写 0、1 或 2")))?;
    v.parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| err(format!("{flag} {v}: QoS must be 0, 1 or 2"), format!("{flag} {v}：QoS 只能是 0、1 或 2")))
}

/// A whole number from `lo` to `hi` after `flag`.
fn num_arg<T>(v: Option<&String>, flag: &str, lo: T, hi: T) -> Result<T, CmdError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let v = v.ok_or_else(|| {
        err(format!("{flag} needs a number from {lo} to {hi}"), format!("{flag} 后面要写 {lo} 到 {hi} 之间的数"))
    })?;
    v.parse::<T>().ok().filter(|n| *n >= lo && *n <= hi).ok_or_else(|| {
        err(format!("{flag} {v}: a number from {lo} to {hi}"), format!("{flag} {v}：应是 {lo} 到 {hi} 之间的数"))
    })
}

/// A user property after `flag`: `name=value` (the value may be empty, the name not).
fn user_prop_arg(v: Option<&String>, flag: &str) -> Result<(String, String), CmdError> {
    let v = v.ok_or_else(|| {
        err(
            format!("{flag} needs NAME=VALUE, e.g. {flag} unit=km/h"),
            format!("{flag} 后面要写 名字=值，例如 {flag} unit=km/h"),
        )
    })?;
    match v.split_once('=') {
        Some((k, val)) if !k.is_empty() => Ok((k.to_string(), val.to_string())),
        _ => Err(err(
            format!("{flag} {v}: write NAME=VALUE, e.g. {flag} unit=km/h"),
            format!("{flag} {v}：要写成 名字=值，例如 {flag} unit=km/h"),
        )),
    }
}

/// A text value after `flag`.
fn text_arg(v: Option<&String>, flag: &str, what_en: &str, what_zh: &str) -> Result<String, CmdError> {
    v.cloned().ok_or_else(|| err(format!("{flag} needs {what_en}"), format!("{flag} 后面要写{what_zh}")))
}

/// The largest Subscription Identifier (a four-byte variable byte integer).
const MAX_SUB_ID: u32 = 268_435_455;

fn bool_arg(v: Option<&String>, flag: &str) -> Result<bool, CmdError> {
    match v.map(String::as_str) {
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(o) => Err(err(format!("{flag} {o}: use true or false"), format!("{flag} {o}：请用 true 或 false"))),
        None => Err(err(format!("{flag} needs true or false"), format!("{flag} 后面要写 true 或 false"))),
    }
}

fn serial_cmd(rest: &[String]) -> Result<SerialCmd, CmdError> {
    let baud = |v: Option<&String>| -> Result<u32, CmdError> {
        let rates = crate::serial::BAUDS.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
        let v = v.ok_or_else(|| {
            err(format!("serial baud needs a rate: {rates}"), format!("serial baud 后面要写波特率：{rates}"))
        })?;
        v.parse::<u32>().ok().filter(|b| (50..=4_000_000).contains(b)).ok_or_else(|| {
            err(
                format!("{v:?} is not a baud rate; common ones: {rates}"),
                format!("{v:?} 不是波特率；常用的有：{rates}"),
            )
        })
    };
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["list"] => Ok(SerialCmd::List),
        ["open", port] => Ok(SerialCmd::Open { port: port.to_string(), baud: None }),
        ["open", port, b] => Ok(SerialCmd::Open { port: port.to_string(), baud: Some(baud(Some(&b.to_string()))?) }),
        ["close"] => Ok(SerialCmd::Close),
        ["baud", ..] => Ok(SerialCmd::Baud(baud(rest.get(1))?)),
        ["send", ..] => Ok(SerialCmd::Send(rest[1..].join(" "))),
        ["ending", e] => match e.to_ascii_lowercase().as_str() {
            "none" | "lf" | "cr" | "crlf" => Ok(SerialCmd::Ending(e.to_ascii_lowercase())),
            _ => Err(err(
                format!("serial ending {e}: use none, lf, cr or crlf"),
                format!("serial ending {e}：请用 none、lf、cr 或 crlf"),
            )),
        },
        ["reset"] => Ok(SerialCmd::Reset),
        ["find"] => Ok(SerialCmd::Find(None)),
        ["find", ..] => Ok(SerialCmd::Find(Some(rest[1..].join(" ")))),
        ["link"] => Ok(SerialCmd::Link),
        [port] if port.starts_with('/') => Ok(SerialCmd::Open { port: port.to_string(), baud: None }),
        [other, ..] => Err(err(
            format!("serial {other}: use serial list, open, baud, send, ending, reset, find, link or close"),
            format!("serial {other}：可用 serial list、open、baud、send、ending、reset、find、link 或 close"),
        )),
    }
}

fn connect_opts(args: &[String]) -> Result<ConnectOpts, CmdError> {
    let mut o = ConnectOpts::default();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let val = args.get(i + 1);
        let mut take = 2;
        match flag {
            "--clean" => o.clean = Some(bool_arg(val, flag)?),
            "--keepalive" | "-k" => {
                let v = val
                    .ok_or_else(|| err("--keepalive needs seconds (0–65535)", "--keepalive 后面要写秒数（0–65535）"))?;
                o.keep_alive = Some(v.parse().map_err(|_| {
                    err(
                        format!("--keepalive {v}: seconds from 0 to 65535"),
                        format!("--keepalive {v}：秒数应在 0 到 65535 之间"),
                    )
                })?);
            }
            "--will-topic" => {
                o.will_topic =
                    Some(val.ok_or_else(|| err("--will-topic needs a topic", "--will-topic 后面要写主题"))?.clone())
            }
            "--will-msg" => {
                o.will_msg =
                    Some(val.ok_or_else(|| err("--will-msg needs a message", "--will-msg 后面要写消息"))?.clone())
            }
            "--will-qos" => o.will_qos = Some(qos_arg(val, flag)?),
            "--will-retain" => {
                o.will_retain = true;
                take = 1;
            }
            "--pubsubclient" => {
                o.pubsubclient = true;
                take = 1;
            }
            "--v31" => {
                o.v31 = true;
                take = 1;
            }
            "--offline" => {
                o.offline = true;
                take = 1;
            }
            "--sketch" => {
                let names = crate::world::board::sketch::names().join(" ");
                let v = val.ok_or_else(|| {
                    err(format!("--sketch needs a sketch: {names}"), format!("--sketch 后面要写程序名：{names}"))
                })?;
                let s = crate::world::board::sketch::find(v).ok_or_else(|| {
                    err(format!("no sketch {v:?}; there are: {names}"), format!("没有程序 {v:?}；有：{names}"))
                })?;
                o.sketch = Some(s.name.to_string());
            }
            "--mac" => {
                let v = val.ok_or_else(|| {
                    err(
                        "--mac needs an address such as 5C:CF:7F:12:34:56",
                        "--mac 后面要写 MAC 地址，例如 5C:CF:7F:12:34:56",
                    )
                })?;
                if !crate::world::board::is_mac(v) {
                    return Err(err(
                        format!("--mac {v}: write six pairs of hex digits, e.g. 5C:CF:7F:12:34:56"),
                        format!("--mac {v}：要写六组十六进制数字，例如 5C:CF:7F:12:34:56"),
                    ));
                }
                o.mac = Some(v.to_ascii_uppercase());
            }
            "--user" | "-u" => {
                o.user = Some(val.ok_or_else(|| err("--user needs a name", "--user 后面要写用户名"))?.clone())
            }
            "--pass" | "-P" => {
                o.pass = Some(val.ok_or_else(|| err("--pass needs a password", "--pass 后面要写密码"))?.clone())
            }
            "--id" => {
                o.client_id = Some(val.ok_or_else(|| err("--id needs a client id", "--id 后面要写客户端ID"))?.clone())
            }
            "--v5" => {
                o.v5 = true;
                take = 1;
            }
            "--session-expiry" => o.session_expiry = Some(num_arg(val, flag, 0, u32::MAX)?),
            "--receive-max" => o.receive_max = Some(num_arg(val, flag, 1, u16::MAX)?),
            "--max-packet" => o.max_packet = Some(num_arg(val, flag, 1, u32::MAX)?),
            "--alias-max" => o.alias_max = Some(num_arg(val, flag, 0, u16::MAX)?),
            "--user-prop" => o.user_props.push(user_prop_arg(val, flag)?),
            "--will-delay" => o.will_delay = Some(num_arg(val, flag, 0, u32::MAX)?),
            other => {
                let all = connect_opt_names().join(" ");
                return Err(err(
                    format!("unknown option {other}; options: {all}"),
                    format!("没有选项 {other}；可用选项：{all}"),
                ));
            }
        }
        i += take;
    }
    if o.will_msg.is_some() && o.will_topic.is_none() {
        return Err(err("--will-msg needs --will-topic too", "有 --will-msg 就必须有 --will-topic"));
    }
    if !o.v5
        && let Some(flag) = V5_CONNECT_OPTS.iter().find(|f| args.iter().any(|a| a == *f))
    {
        return Err(needs_v5_flag(flag));
    }
    if o.v5 && (o.v31 || o.pubsubclient) {
        let other = if o.v31 { "--v31" } else { "--pubsubclient" };
        return Err(err(
            format!("--v5 and {other} do not go together: a client speaks one version"),
            format!("--v5 不能和 {other} 一起用：一个客户端只说一个版本"),
        ));
    }
    if o.will_delay.is_some() && o.will_topic.is_none() {
        return Err(err("--will-delay needs --will-topic too", "有 --will-delay 就必须有 --will-topic"));
    }
    Ok(o)
}

/// A 5.0 option without `--v5`.
fn needs_v5_flag(flag: &str) -> CmdError {
    err(
        format!("{flag} needs --v5 (it is an MQTT 5.0 property): add --v5 to connect with MQTT 5.0"),
        format!("{flag} 需要 --v5（它是 MQTT 5.0 的属性）：加上 --v5，用 MQTT 5.0 连接"),
    )
}

/// `sub`'s words after the filter.
fn sub_opts(name: &str, args: &[String]) -> Result<(QoS, SubOpts), CmdError> {
    let (mut qos, mut o) = (QoS::AtMostOnce, SubOpts::default());
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let val = args.get(i + 1);
        let mut take = 2;
        match flag {
            "-q" | "--qos" => qos = qos_arg(val, "-q")?,
            "--no-local" => {
                o.no_local = true;
                take = 1;
            }
            "--rap" => {
                o.rap = true;
                take = 1;
            }
            "--rh" => o.rh = Some(num_arg(val, flag, 0, 2)?),
            "--sub-id" => o.sub_id = Some(num_arg(val, flag, 1, MAX_SUB_ID)?),
            other => {
                return Err(err(
                    format!(
                        "unexpected {other:?}; use {name} sub FILTER [-q N] [--no-local] [--rap] [--rh 0|1|2] [--sub-id N]"
                    ),
                    format!(
                        "多余的参数 {other:?}；格式是 {name} sub 主题过滤器 [-q N] [--no-local] [--rap] [--rh 0|1|2] [--sub-id N]"
                    ),
                ));
            }
        }
        i += take;
    }
    Ok((qos, o))
}

/// `disconnect`'s words.
fn disconnect_opts(name: &str, args: &[String]) -> Result<DisconnectOpts, CmdError> {
    let mut o = DisconnectOpts::default();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--with-will" => {
                o.with_will = true;
                i += 1;
            }
            "--session-expiry" => {
                o.session_expiry = Some(num_arg(args.get(i + 1), flag, 0, u32::MAX)?);
                i += 2;
            }
            other => {
                return Err(err(
                    format!("unexpected {other:?}; use {name} disconnect [--with-will] [--session-expiry S]"),
                    format!("多余的参数 {other:?}；格式是 {name} disconnect [--with-will] [--session-expiry 秒数]"),
                ));
            }
        }
    }
    Ok(o)
}

/// Parses a command line. `clients` are the names on stage.
pub fn parse(line: &str, clients: &[String]) -> Result<Command, CmdError> {
    let words = split(line.trim_start_matches(':'))?;
    let Some(first) = words.first() else {
        return Err(err("type a command, or ? for help", "请输入命令，或按 ? 看帮助"));
    };
    let rest = &words[1..];
    let name_ok = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
    let kind = lab_command(first).map(|c| c.kind);
    match (kind, first.as_str()) {
        (Some(LabKind::New), _) => {
            let name = rest.first().ok_or_else(|| {
                err(
                    "new needs a name: new NAME [--clean false] [--keepalive 10] …",
                    "new 后面要写名字：new 名字 [--clean false] [--keepalive 10] …",
                )
            })?;
            if !name_ok(name) {
                return Err(err(
                    format!("{name:?} is not a usable name: letters, digits, - _ ."),
                    format!("{name:?} 不能作名字：只能用字母、数字和 - _ ."),
                ));
            }
            if clients.contains(name) {
                return Err(err(format!("{name} is already on stage"), format!("{name} 已经在场了")));
            }
            Ok(Command::New { name: name.clone(), opts: connect_opts(&rest[1..])? })
        }
        (Some(LabKind::Rm), _) => {
            let name = rest.first().ok_or_else(|| err("rm needs a client name", "rm 后面要写客户端名字"))?;
            if !clients.contains(name) {
                return Err(unknown_client(name, clients));
            }
            Ok(Command::Remove { name: name.clone() })
        }
        (Some(LabKind::Step), _) => match rest.first().map(String::as_str) {
            None => Ok(Command::Step(None)),
            Some("on") => Ok(Command::Step(Some(true))),
            Some("off") => Ok(Command::Step(Some(false))),
            Some(o) => Err(err(
                format!("step {o}: use step, step on or step off"),
                format!("step {o}：请用 step、step on 或 step off"),
            )),
        },
        (Some(LabKind::Next), _) => Ok(Command::Next),
        (Some(LabKind::Drop), _) => Ok(Command::Drop),
        (Some(LabKind::CutHeld), _) => Ok(Command::CutHeld),
        (Some(LabKind::Serial), _) => serial_cmd(rest).map(Command::Serial),
        (Some(LabKind::Lang), _) => match rest.first() {
            None => Ok(Command::Lang(None)),
            Some(l) => match l.parse() {
                Ok(l) => Ok(Command::Lang(Some(l))),
                Err(_) => Err(err(format!("lang {l}: use zh or en"), format!("lang {l}：请用 zh 或 en"))),
            },
        },
        (Some(LabKind::Filter), _) => match (rest.first().map(String::as_str), rest.get(1)) {
            (Some("clear") | None, _) => Ok(Command::Filter(FilterCmd::Clear)),
            (Some("client"), Some(v)) => Ok(Command::Filter(FilterCmd::Client(v.clone()))),
            (Some("type"), Some(v)) => Ok(Command::Filter(FilterCmd::Type(v.to_uppercase()))),
            (Some("topic"), Some(v)) => Ok(Command::Filter(FilterCmd::Topic(v.clone()))),
            (Some(k), _) => Err(err(
                format!("filter {k}: use filter client NAME | type PUBLISH | topic TEXT | clear"),
                format!("filter {k}：请用 filter client 名字 | type PUBLISH | topic 文字 | clear"),
            )),
        },
        (Some(LabKind::Help), _) => Ok(Command::Help),
        (Some(LabKind::Go), _) => Ok(Command::Go),
        (Some(LabKind::Hint), _) => Ok(Command::Hint),
        (Some(LabKind::Lessons), _) => Ok(Command::Lessons),
        (Some(LabKind::Lan), _) => Ok(Command::Lan),
        (Some(LabKind::Switch), _) => match (rest.first().map(|n| n.parse::<usize>()), rest.get(1).map(String::as_str))
        {
            (Some(Ok(n)), Some("on")) if n >= 1 => Ok(Command::Switch { n, on: true }),
            (Some(Ok(n)), Some("off")) if n >= 1 => Ok(Command::Switch { n, on: false }),
            _ => Err(err(
                "switch needs a number and on or off: switch 1 on",
                "switch 后面要写序号和 on 或 off：switch 1 on",
            )),
        },
        (Some(LabKind::Answer), _) => match rest.first().map(|n| n.parse::<usize>()) {
            Some(Ok(n)) if n >= 1 => Ok(Command::Answer(n)),
            _ => Err(err(
                "answer needs a choice number: answer 1, answer 2, …",
                "answer 后面要写选项的序号：answer 1、answer 2……",
            )),
        },
        (Some(LabKind::Quit), _) => Ok(Command::Quit),
        (None, name) if clients.iter().any(|c| c == name) => {
            let verb = rest.first().ok_or_else(|| {
                let (v, vz) = (verb_names().join(", "), verb_names().join("、"));
                err(format!("what should {name} do? {v}"), format!("{name} 要做什么？{vz}"))
            })?;
            let args = &rest[1..];
            let name = name.to_string();
            let Some(spec) = self::verb(verb) else {
                let (v, vz) = (verb_names().join(", "), verb_names().join("、"));
                return Err(err(
                    format!("{name} cannot {verb:?}; it can: {v}"),
                    format!("{name} 不会 {verb:?}；它会：{vz}"),
                ));
            };
            let cmd = match spec.kind {
                VerbKind::Connect => ClientCmd::Connect(connect_opts(args)?),
                VerbKind::Disconnect => ClientCmd::Disconnect(disconnect_opts(&name, args)?),
                VerbKind::Cut => ClientCmd::Cut,
                VerbKind::Freeze => ClientCmd::Freeze,
                VerbKind::Thaw => ClientCmd::Thaw,
                VerbKind::Reset => ClientCmd::Reset,
                VerbKind::Power => match args.first().map(String::as_str) {
                    Some("on") => ClientCmd::Power(true),
                    Some("off") => ClientCmd::Power(false),
                    _ => {
                        return Err(err(
                            format!("{name} power needs on or off: {name} power off"),
                            format!("{name} power 后面要写 on 或 off：{name} power off"),
                        ));
                    }
                },
                VerbKind::Sub => {
                    let filter = args.first().ok_or_else(|| {
                        err(
                            format!("{name} sub needs a topic filter: {name} sub car/# [-q 1]"),
                            format!("{name} sub 后面要写主题过滤器：{name} sub car/# [-q 1]"),
                        )
                    })?;
                    let (qos, v5) = sub_opts(&name, &args[1..])?;
                    ClientCmd::Subscribe { filter: filter.clone(), qos, v5 }
                }
                VerbKind::Unsub => {
                    let filter = args.first().ok_or_else(|| {
                        err(
                            format!("{name} unsub needs the filter it subscribed to"),
                            format!("{name} unsub 后面要写订阅时的过滤器"),
                        )
                    })?;
                    ClientCmd::Unsubscribe { filter: filter.clone() }
                }
                VerbKind::Pub | VerbKind::Compose => {
                    let topic = args.first().ok_or_else(|| {
                        err(
                            format!("{name} {verb} needs a topic: {name} pub car/speed 60 [-q N] [-r]"),
                            format!("{name} {verb} 后面要写主题：{name} pub car/speed 60 [-q N] [-r]"),
                        )
                    })?;
                    let mut payload = None;
                    let (mut qos, mut retain) = (QoS::AtMostOnce, false);
                    let mut v5 = PubOpts::default();
                    let mut i = 1;
                    while i < args.len() {
                        let (flag, val) = (args[i].as_str(), args.get(i + 1));
                        let v5_flag = verb != "compose" && verb_opt_names("pub").contains(&flag);
                        match flag {
                            "-q" | "--qos" => {
                                qos = qos_arg(val, "-q")?;
                                i += 2;
                            }
                            "-r" | "--retain" => {
                                retain = true;
                                i += 1;
                            }
                            "--alias" if v5_flag => {
                                v5.alias = true;
                                i += 1;
                            }
                            _ if v5_flag => {
                                match flag {
                                    "--expiry" => v5.expiry = Some(num_arg(val, flag, 0, u32::MAX)?),
                                    "--user-prop" => v5.user_props.push(user_prop_arg(val, flag)?),
                                    "--response-topic" => {
                                        v5.response_topic = Some(text_arg(val, flag, "a topic", "主题")?)
                                    }
                                    "--correlation" => {
                                        v5.correlation = Some(text_arg(val, flag, "the correlation data", "对比数据")?)
                                    }
                                    _ => v5.content_type = Some(text_arg(val, flag, "a content type", "内容类型")?),
                                }
                                i += 2;
                            }
                            p if payload.is_none() && verb != "compose" => {
                                payload = Some(p.to_string());
                                i += 1;
                            }
                            o => {
                                return Err(err(
                                    format!("unexpected {o:?}; put a payload with spaces in quotes"),
                                    format!("多余的参数 {o:?}；含空格的消息请加引号"),
                                ));
                            }
                        }
                    }
                    if verb == "compose" {
                        return Ok(Command::Compose { name, topic: topic.clone(), qos, retain });
                    }
                    let payload = payload.ok_or_else(|| {
                        err(
                            format!("{name} pub needs a payload after the topic (\"\" for an empty one)"),
                            format!("{name} pub 的主题后面要写消息（空消息写 \"\"）"),
                        )
                    })?;
                    ClientCmd::Publish { topic: topic.clone(), payload, qos, retain, v5 }
                }
            };
            Ok(Command::Client { name, cmd })
        }
        (None, other) => Err(unknown_client(other, clients)),
    }
}

fn unknown_client(name: &str, clients: &[String]) -> CmdError {
    let (c, k) = (clients.join(", "), lab_names().join(", "));
    let (cz, kz) = (clients.join("、"), lab_names().join("、"));
    err(
        format!("{name:?} is neither a client nor a command — clients: {c}; commands: {k}"),
        format!("{name:?} 既不是客户端也不是命令 —— 客户端：{cz}；命令：{kz}"),
    )
}

/// A command-line mistake, said in both languages.
pub type CmdError = Text;

fn err(en: impl Into<String>, zh: impl Into<String>) -> CmdError {
    Text::new(zh, en)
}

/// Completions for the word under the end of `line`: the candidates that extend it.
pub fn complete(line: &str, clients: &[String], topics: &[String]) -> Vec<String> {
    let trailing_space = line.ends_with(' ');
    let words = split(line).unwrap_or_default();
    let (done, partial): (&[String], &str) = if trailing_space || words.is_empty() {
        (&words[..], "")
    } else {
        (&words[..words.len() - 1], words.last().map(String::as_str).unwrap_or(""))
    };
    let pool: Vec<String> = match done.len() {
        0 => clients.iter().cloned().chain(lab_names().into_iter().map(String::from)).collect(),
        1 if clients.contains(&done[0]) => verb_names().into_iter().map(String::from).collect(),
        1 if done[0] == "rm" => clients.to_vec(),
        1 if done[0] == "step" => vec!["on".into(), "off".into()],
        1 if done[0] == "lang" => vec!["zh".into(), "en".into()],
        1 if done[0] == "filter" => vec!["client".into(), "type".into(), "topic".into(), "clear".into()],
        2 if done[0] == "filter" && done[1] == "client" => clients.to_vec(),
        2 if clients.contains(&done[0]) && matches!(done[1].as_str(), "sub" | "unsub" | "pub" | "compose") => {
            topics.to_vec()
        }
        n if n >= 2 && clients.contains(&done[0]) && done[1] == "connect" => {
            connect_opt_names().into_iter().map(String::from).collect()
        }
        n if n >= 3 && clients.contains(&done[0]) && matches!(done[1].as_str(), "pub" | "sub") => {
            let verb = if done[1] == "pub" { "pub" } else { "sub" };
            ["-q", "-r"].into_iter().chain(verb_opt_names(verb)).map(String::from).collect()
        }
        n if n >= 2 && clients.contains(&done[0]) && done[1] == "disconnect" => {
            verb_opt_names("disconnect").into_iter().map(String::from).collect()
        }
        _ => Vec::new(),
    };
    let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(partial) && c != partial).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast() -> Vec<String> {
        vec!["car".into(), "phone".into(), "computer".into()]
    }

    #[test]
    fn parses_the_tutorial_commands() {
        assert_eq!(
            parse("phone sub car/speed -q 1", &cast()).unwrap(),
            Command::Client {
                name: "phone".into(),
                cmd: ClientCmd::Subscribe { filter: "car/speed".into(), qos: QoS::AtLeastOnce, v5: Default::default() }
            }
        );
        assert_eq!(
            parse(":car pub 汽车速度 60 -q 2 -r", &cast()).unwrap(),
            Command::Client {
                name: "car".into(),
                cmd: ClientCmd::Publish {
                    topic: "汽车速度".into(),
                    payload: "60".into(),
                    qos: QoS::ExactlyOnce,
                    retain: true,
                    v5: Default::default()
                }
            }
        );
        let Command::Client { cmd: ClientCmd::Connect(o), .. } = parse(
            "car connect --clean false --keepalive 10 --will-topic car/status --will-msg 'gone away' --will-qos 1 --will-retain --user u --pass p",
            &cast(),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(o.clean, Some(false));
        assert_eq!(o.keep_alive, Some(10));
        assert_eq!(o.will_msg.as_deref(), Some("gone away"));
        assert!(o.will_retain);
        assert_eq!(
            parse("new esp --keepalive 15", &cast()).unwrap(),
            Command::New { name: "esp".into(), opts: ConnectOpts { keep_alive: Some(15), ..Default::default() } }
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(parse("cra pub a 1", &cast()).unwrap_err().en.contains("clients: car, phone, computer"));
        assert!(parse("car pub a 1 -q 3", &cast()).unwrap_err().en.contains("QoS must be 0, 1 or 2"));
        assert!(parse("car pub a", &cast()).unwrap_err().en.contains("needs a payload"));
        assert!(parse("car fly", &cast()).unwrap_err().en.contains("cannot"));
        assert!(parse("car pub a 'x", &cast()).unwrap_err().en.contains("quote"));
        assert!(parse("new car", &cast()).unwrap_err().en.contains("already"));
    }

    #[test]
    fn parses_the_5_0_options() {
        let Command::New { opts: o, .. } = parse(
            "new truck --v5 --session-expiry 300 --receive-max 10 --max-packet 2048 --alias-max 4 --user-prop a=b --user-prop 'room=living room' --will-topic car/status --will-delay 5",
            &cast(),
        )
        .unwrap() else {
            panic!()
        };
        assert!(o.v5);
        assert_eq!(
            (o.session_expiry, o.receive_max, o.max_packet, o.alias_max),
            (Some(300), Some(10), Some(2048), Some(4))
        );
        assert_eq!(o.user_props, vec![("a".into(), "b".into()), ("room".into(), "living room".into())]);
        assert_eq!(o.will_delay, Some(5));
        assert_eq!(
            parse("car pub car/speed 60 -q 1 --expiry 30 --user-prop unit=km/h --response-topic car/ans --correlation r1 --content-type text/plain --alias", &cast()).unwrap(),
            Command::Client {
                name: "car".into(),
                cmd: ClientCmd::Publish {
                    topic: "car/speed".into(),
                    payload: "60".into(),
                    qos: QoS::AtLeastOnce,
                    retain: false,
                    v5: PubOpts {
                        expiry: Some(30),
                        user_props: vec![("unit".into(), "km/h".into())],
                        response_topic: Some("car/ans".into()),
                        correlation: Some("r1".into()),
                        content_type: Some("text/plain".into()),
                        alias: true,
                    },
                }
            }
        );
        assert_eq!(
            parse("phone sub car/# --no-local -q 2 --rap --rh 1 --sub-id 7", &cast()).unwrap(),
            Command::Client {
                name: "phone".into(),
                cmd: ClientCmd::Subscribe {
                    filter: "car/#".into(),
                    qos: QoS::ExactlyOnce,
                    v5: SubOpts { no_local: true, rap: true, rh: Some(1), sub_id: Some(7) },
                }
            }
        );
        assert_eq!(
            parse("car disconnect --with-will --session-expiry 0", &cast()).unwrap(),
            Command::Client {
                name: "car".into(),
                cmd: ClientCmd::Disconnect(DisconnectOpts { with_will: true, session_expiry: Some(0) })
            }
        );
        assert_eq!(
            parse("car disconnect", &cast()).unwrap(),
            Command::Client { name: "car".into(), cmd: ClientCmd::Disconnect(DisconnectOpts::default()) }
        );
    }

    #[test]
    fn a_5_0_option_without_v5_says_it_needs_v5() {
        for (line, flag) in [
            ("car connect --session-expiry 60", "--session-expiry"),
            ("new esp --user-prop a=b", "--user-prop"),
            ("car connect --will-topic t --will-delay 3", "--will-delay"),
            ("car connect --alias-max 3 --clean false", "--alias-max"),
        ] {
            let e = parse(line, &cast()).unwrap_err();
            assert!(e.en.contains(&format!("{flag} needs --v5")), "{line}: {}", e.en);
            assert!(e.zh.contains(&format!("{flag} 需要 --v5")), "{line}: {}", e.zh);
        }
        let e = parse("car connect --v5 --v31", &cast()).unwrap_err();
        assert!(e.en.contains("--v5 and --v31 do not go together"), "{}", e.en);
        let e = parse("car sub a --rh 3", &cast()).unwrap_err();
        assert!(e.en.contains("--rh 3: a number from 0 to 2"), "{}", e.en);
        let e = parse("car sub a --sub-id 0", &cast()).unwrap_err();
        assert!(e.en.contains("--sub-id 0: a number from 1 to 268435455"), "{}", e.en);
        let e = parse("car pub a 1 --user-prop nokey", &cast()).unwrap_err();
        assert!(e.en.contains("write NAME=VALUE"), "{}", e.en);
        let e = parse("car disconnect --now", &cast()).unwrap_err();
        assert!(e.en.contains("unexpected \"--now\"; use car disconnect [--with-will]"), "{}", e.en);
        let e = parse("car connect --v5 --will-delay 3", &cast()).unwrap_err();
        assert!(e.en.contains("--will-delay needs --will-topic"), "{}", e.en);
    }

    #[test]
    fn completion_offers_the_5_0_options() {
        let topics = vec!["car/speed".to_string()];
        assert_eq!(complete("car pub car/speed 60 --ex", &cast(), &topics), vec!["--expiry"]);
        assert_eq!(complete("phone sub car/# --no", &cast(), &topics), vec!["--no-local"]);
        assert_eq!(complete("car disconnect --w", &cast(), &topics), vec!["--with-will"]);
        assert_eq!(complete("car connect --v", &cast(), &topics), vec!["--v31", "--v5"]);
        assert_eq!(complete("car connect --session", &cast(), &topics), vec!["--session-expiry"]);
    }

    #[test]
    fn completion_offers_clients_verbs_and_topics() {
        let topics = vec!["car/speed".to_string(), "car/ac/temp".to_string()];
        assert_eq!(complete("ph", &cast(), &topics), vec!["phone"]);
        assert_eq!(complete("car pu", &cast(), &topics), vec!["pub"]);
        assert_eq!(complete("car p", &cast(), &topics), vec!["power", "pub"]);
        assert_eq!(complete("phone sub car/s", &cast(), &topics), vec!["car/speed"]);
        assert!(complete("", &cast(), &topics).contains(&"new".to_string()));
    }

    /// The table that help shows is the table the parser uses: every example parses, to its kind.
    #[test]
    fn every_example_of_the_command_table_parses() {
        let clients = vec!["car".to_string(), "phone".to_string(), "esp".to_string()];
        for v in CLIENT_VERBS {
            let c = parse(v.example, &clients).unwrap_or_else(|e| panic!("{}: {e:?}", v.example));
            let ok = matches!(
                (v.kind, &c),
                (VerbKind::Compose, Command::Compose { .. })
                    | (VerbKind::Connect, Command::Client { cmd: ClientCmd::Connect(_), .. })
                    | (VerbKind::Disconnect, Command::Client { cmd: ClientCmd::Disconnect(_), .. })
                    | (VerbKind::Sub, Command::Client { cmd: ClientCmd::Subscribe { .. }, .. })
                    | (VerbKind::Unsub, Command::Client { cmd: ClientCmd::Unsubscribe { .. }, .. })
                    | (VerbKind::Pub, Command::Client { cmd: ClientCmd::Publish { .. }, .. })
                    | (VerbKind::Cut, Command::Client { cmd: ClientCmd::Cut, .. })
                    | (VerbKind::Freeze, Command::Client { cmd: ClientCmd::Freeze, .. })
                    | (VerbKind::Thaw, Command::Client { cmd: ClientCmd::Thaw, .. })
                    | (VerbKind::Reset, Command::Client { cmd: ClientCmd::Reset, .. })
                    | (VerbKind::Power, Command::Client { cmd: ClientCmd::Power(_), .. })
            );
            assert!(ok, "{} parsed to {c:?}", v.example);
            assert!(v.usage.starts_with("NAME ") && !v.zh.is_empty() && !v.en.is_empty());
        }
        let only = vec!["car".to_string(), "phone".to_string()];
        for l in LAB_COMMANDS {
            let on_stage = if l.kind == LabKind::New { &only } else { &clients };
            let c = parse(l.example, on_stage).unwrap_or_else(|e| panic!("{}: {e:?}", l.example));
            let ok = matches!(
                (l.kind, &c),
                (LabKind::New, Command::New { .. })
                    | (LabKind::Rm, Command::Remove { .. })
                    | (LabKind::Step, Command::Step(_))
                    | (LabKind::Next, Command::Next)
                    | (LabKind::Drop, Command::Drop)
                    | (LabKind::CutHeld, Command::CutHeld)
                    | (LabKind::Filter, Command::Filter(_))
                    | (LabKind::Lang, Command::Lang(_))
                    | (LabKind::Help, Command::Help)
                    | (LabKind::Quit, Command::Quit)
                    | (LabKind::Answer, Command::Answer(_))
                    | (LabKind::Go, Command::Go)
                    | (LabKind::Hint, Command::Hint)
                    | (LabKind::Lessons, Command::Lessons)
                    | (LabKind::Lan, Command::Lan)
                    | (LabKind::Switch, Command::Switch { .. })
                    | (LabKind::Serial, Command::Serial(_))
            );
            assert!(ok, "{} parsed to {c:?}", l.example);
        }
    }
}
