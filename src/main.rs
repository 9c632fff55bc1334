//! The `mqtt-lab` command: parses the command line and wires the layers together.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use mqtt_lab::broker::{self, auth};
use mqtt_lab::cli_text::{self, BadValue, in_range};
use mqtt_lab::i18n::{Lang, Text};
use mqtt_lab::runtime::{Server, ServerConfig, tapfile};
use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "mqtt-lab",
    version,
    about = "An MQTT classroom in one terminal: a built-in broker, virtual clients and a byte-level inspector",
    long_about = "An MQTT classroom in one terminal. Without a subcommand it opens the lab: the broker, the \
tutorial's cast (car 汽车, phone 手机, computer 电脑), the packet inspector, the ladder diagram and the \
command line (press ? inside for keys and commands)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    net: NetArgs,
    /// Frames the inspector keeps (older ones are forgotten).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    inspector_cap: usize,
    /// Append the narration and errors to this file (nothing is ever printed over the screen).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Use an external broker (mosquitto, EMQX …) instead of the built-in one: mqtt://HOST[:PORT].
    #[arg(long, value_name = "URL", conflicts_with_all = ["listen", "lan", "passwd", "auth", "acl"])]
    broker: Option<String>,
    /// Open this lesson at once: a chapter such as 2-1, or a lesson file of your own (FILE.yaml).
    #[arg(long, value_name = "ID|FILE")]
    lesson: Option<String>,
    /// Attach the serial pane to this port at start (a NodeMCU's /dev/ttyUSB0, or a virtual board's pty).
    #[arg(long, value_name = "PATH")]
    serial: Option<String>,
    /// The serial pane's baud rate (the sketch's Serial.begin; the ESP8266 boot ROM talks at 74880).
    #[arg(long, value_name = "N", default_value_t = 115_200, value_parser = in_range(50u32, 4_000_000))]
    baud: u32,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the MQTT 3.1 / 3.1.1 broker headless, narrating its decisions on stdout.
    Broker(BrokerArgs),
    /// Load generator for any MQTT broker: fanin, fanout, latency, conns.
    Bench(mqtt_lab::bench::BenchArgs),
    /// Robustness campaigns: `fuzz decode` (the decoder) and `fuzz broker` (a broker over loopback).
    Fuzz(mqtt_lab::fuzz::FuzzArgs),
    /// The lessons: list them, or check lesson files and run their solutions headless.
    Lessons(LessonsArgs),
    /// A virtual NodeMCU running one of the tutorial's sketches, its serial port a pseudo-terminal.
    Nodemcu(NodemcuArgs),
    /// Serial ports for a real board (a NodeMCU on USB): list them.
    Serial(SerialArgs),
}

#[derive(Args, Debug)]
struct NodemcuArgs {
    /// Put the board's serial port on a pseudo-terminal and print its path (the only kind there is).
    #[arg(long)]
    pty: bool,
    /// The sketch: connect (1-4, the default), publish, subscribe, qos, retained, will, auth, led, example.
    #[arg(long, value_name = "NAME", default_value = "connect")]
    sketch: String,
    /// The broker the sketch's mqttServer points at: HOST:PORT or mqtt://HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:1883")]
    broker: String,
    /// Also make this symlink to the pseudo-terminal, a name that stays the same across restarts.
    #[arg(long, value_name = "PATH")]
    link: Option<PathBuf>,
    /// Language of messages: zh or en (default: from the locale).
    #[arg(long, value_name = "zh|en", value_parser = cli_text::parse_lang)]
    lang: Option<Lang>,
}

#[derive(Args, Debug)]
struct SerialArgs {
    #[command(subcommand)]
    action: SerialAction,
    /// Language of messages: zh or en (default: from the locale).
    #[arg(long, value_name = "zh|en", global = true)]
    lang: Option<Lang>,
}

#[derive(Subcommand, Debug)]
enum SerialAction {
    /// The serial ports, USB ones first, with their VID:PID and chip.
    List,
}

#[derive(Args, Debug)]
struct LessonsArgs {
    #[command(subcommand)]
    action: LessonsAction,
    /// Language of messages: zh or en (default: from the locale).
    #[arg(long, value_name = "zh|en", global = true)]
    lang: Option<Lang>,
}

#[derive(Subcommand, Debug)]
enum LessonsAction {
    /// The built-in lessons with their steps.
    List,
    /// Check lesson files (default: the built-in ones) and run each lesson's solutions headless, in virtual time.
    Check {
        /// Lesson files or folders of them.
        paths: Vec<PathBuf>,
    },
}

#[derive(Args, Debug, Clone)]
struct NetArgs {
    /// Address to listen on, HOST:PORT or a bare PORT (repeatable). Default 127.0.0.1:1883.
    #[arg(long = "listen", value_name = "ADDR", value_parser = parse_listen)]
    listen: Vec<SocketAddr>,
    /// Listen on every network interface instead of 127.0.0.1, so that devices on the network (an
    /// ESP8266 on Wi-Fi) can connect; says so, with the LAN addresses and the sketch line.
    #[arg(long)]
    lan: bool,
    /// Require user names and passwords from this file (one user:password a line).
    #[arg(long, value_name = "FILE")]
    passwd: Option<PathBuf>,
    /// Require a user name and password: this user, as a line of --passwd would give it (repeatable).
    #[arg(long, value_name = "USER:PASSWORD")]
    auth: Vec<String>,
    /// Per-user topic ACLs from this file (mosquitto's acl_file format).
    #[arg(long, value_name = "FILE")]
    acl: Option<PathBuf>,
    /// Language of messages: zh or en (default: from the locale).
    #[arg(long, value_name = "zh|en", value_parser = cli_text::parse_lang)]
    lang: Option<Lang>,
    /// Largest packet accepted, in bytes; a larger one closes that client's connection.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_packet_size: usize,
    /// Messages kept per session while its client is offline or busy; more are dropped.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_queued: usize,
    /// Unacknowledged QoS 1/2 messages in flight to one client (1 to 65535: one packet id each).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = in_range(1u16, u16::MAX))]
    max_inflight: u16,
    /// Clients connected at once; the next gets CONNACK 3 (server unavailable).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_connections: usize,
    /// Unsent bytes one client may pile up before QoS 0 messages to it are dropped (publishers that
    /// feed a client still reading are paused long before).
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    max_buffered_bytes: usize,
    /// Unsent bytes all clients together may pile up; past it, clients that stopped reading lose
    /// their QoS 0 messages at once.
    #[arg(long, value_name = "BYTES", default_value_t = 128 * 1024 * 1024)]
    buffer_budget: usize,
    /// Levels a subscription's topic filter may have; a deeper one gets SUBACK 0x80.
    #[arg(long, value_name = "N", default_value_t = 128)]
    max_topic_levels: usize,
    /// Subscriptions one client may hold; more get SUBACK 0x80.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_subscriptions: usize,
    /// Bytes of messages kept at once for all sessions (queued, unacknowledged) and retained topics.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    max_stored_bytes: usize,
    /// Sessions kept at once, persistent ones of offline clients included; more get CONNACK 3.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_sessions: usize,
    /// MQTT 5.0: QoS 1/2 messages a client may have unacknowledged towards the broker (Receive
    /// Maximum in CONNACK); one more gets DISCONNECT 0x93.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = in_range(1u16, u16::MAX))]
    receive_maximum: u16,
    /// MQTT 5.0: topic aliases a client may set (Topic Alias Maximum in CONNACK; 0: none).
    #[arg(long, value_name = "N", default_value_t = 10)]
    topic_alias_maximum: u16,
    /// MQTT 5.0: the keep alive the broker imposes on 5.0 clients (Server Keep Alive in CONNACK).
    #[arg(long, value_name = "SECONDS")]
    server_keep_alive: Option<u16>,
    /// MQTT 5.0: the longest Session Expiry Interval granted, in seconds (longer ones are cut).
    #[arg(long, value_name = "SECONDS", default_value_t = u32::MAX)]
    max_session_expiry: u32,
}

#[derive(Args, Debug)]
struct BrokerArgs {
    #[command(flatten)]
    net: NetArgs,
    /// Write every frame in and out as a JSON line (hex bytes and decoded fields) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    tap: Option<PathBuf>,
    /// Also narrate every message decision (who got which message at which QoS).
    #[arg(short, long)]
    verbose: bool,
}

fn parse_listen(s: &str) -> Result<SocketAddr, BadValue> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = s.strip_prefix("localhost:").and_then(|p| p.parse::<u16>().ok()) {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Err(BadValue(Text::new(
        "这不是地址：请写 HOST:PORT，例如 127.0.0.1:1883 或 0.0.0.0:1883，或者只写端口",
        format!("{s:?} is not an address: use HOST:PORT such as 127.0.0.1:1883 or 0.0.0.0:1883, or a bare port"),
    )))
}

/// The whole command line as clap sees it, before it is put into a language.
pub(crate) fn cli_command() -> clap::Command {
    Cli::command()
}

/// Parses the arguments in `lang`: help and version as clap prints them (exit 0); a mistake in
/// clap's English, or in Chinese naming the argument and the value at fault (exit 2).
fn parse(args: Vec<OsString>, lang: Lang) -> Result<Cli, ExitCode> {
    let mut cmd = cli_text::localize(cli_command(), lang);
    let failed = |e: clap::Error, cmd: &clap::Command| {
        use clap::error::ErrorKind;
        let code = ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
            }
            _ if lang.is_zh() => eprintln!("{}", cli_text::error_zh(&e, cmd, &args)),
            _ => {
                let _ = e.print();
            }
        }
        code
    };
    match cmd.try_get_matches_from_mut(args.iter()) {
        Ok(m) => Cli::from_arg_matches(&m).map_err(|e| failed(e, &cmd)),
        Err(e) => Err(failed(e, &cmd)),
    }
}

/// A failure before or while starting, with the exit code to leave with.
struct Fail {
    code: u8,
    message: String,
}

fn usage(message: String) -> Fail {
    Fail { code: 2, message }
}

fn main() -> ExitCode {
    // The language is known before parsing, so that help and mistakes are in it too.
    let args: Vec<OsString> = std::env::args_os().collect();
    let lang = cli_text::lang_of(args.iter().cloned(), |k| std::env::var(k).ok());
    let cli = match parse(args, lang) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // A broker (and the bench's conns scenario) may hold thousands of sockets: use the hard limit.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}{e}", lang.pick("错误：无法启动异步运行时：", "error: cannot start the async runtime: "));
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Some(Command::Bench(args)) => {
                let lang = args.lang.unwrap_or(lang);
                mqtt_lab::bench::run(args, lang).await.map_err(|m| Fail { code: 1, message: m })
            }
            Some(Command::Fuzz(args)) => {
                let lang = args.lang.unwrap_or(lang);
                mqtt_lab::fuzz::run(args, lang).await.map_err(|m| Fail { code: 1, message: m })
            }
            Some(Command::Broker(b)) => run_broker(b, lang).await,
            Some(Command::Nodemcu(n)) => {
                let lang = n.lang.unwrap_or(lang);
                let sketch = mqtt_lab::runtime::nodemcu::sketch_named(&n.sketch, lang).map_err(usage)?;
                let broker = resolve_broker(&n.broker, lang).await?;
                let o = mqtt_lab::runtime::nodemcu::NodeMcuOptions { broker, sketch, link: n.link, lang };
                mqtt_lab::runtime::nodemcu::run(o, shutdown_signal()).await.map_err(|m| Fail { code: 1, message: m })
            }
            Some(Command::Lessons(args)) => {
                let lang = args.lang.unwrap_or(lang);
                match args.action {
                    LessonsAction::List => lessons_list(lang),
                    LessonsAction::Check { paths } => lessons_check(&paths, lang),
                }
            }
            Some(Command::Serial(args)) => {
                let lang = args.lang.unwrap_or(lang);
                match args.action {
                    SerialAction::List => {
                        let ports = mqtt_lab::runtime::serial::list_ports();
                        for line in mqtt_lab::runtime::serial::list_text(&ports, lang).lines() {
                            say(line);
                        }
                        Ok(())
                    }
                }
            }
            None => {
                let external = match &cli.broker {
                    Some(url) => Some(resolve_broker(url, lang).await?),
                    None => None,
                };
                let serial = cli.serial.clone().map(|p| (p, cli.baud));
                run_lab(&cli.net, cli.inspector_cap, cli.log, external, cli.lesson, serial, lang).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}{}", lang.pick("错误：", "error: "), f.message);
            ExitCode::from(f.code)
        }
    }
}

fn read_file(path: &Path, what_en: &str, what_zh: &str, flag: &str, lang: Lang) -> Result<String, Fail> {
    std::fs::read_to_string(path).map_err(|e| {
        usage(match lang {
            Lang::Zh => format!("无法读取{what_zh} {}：{e} —— 请检查 {flag} 后面的路径", path.display()),
            Lang::En => format!("cannot read {what_en} {}: {e} — check the path given to {flag}", path.display()),
        })
    })
}

fn broker_config(net: &NetArgs, verbose: bool, lang: Lang) -> Result<broker::Config, Fail> {
    let mut config = broker::Config {
        narrate_messages: verbose,
        max_packet_size: net.max_packet_size.max(2),
        max_queued: net.max_queued,
        max_inflight: net.max_inflight.max(1) as usize,
        max_connections: net.max_connections,
        max_buffered_bytes: net.max_buffered_bytes.max(64 * 1024),
        buffer_budget: net.buffer_budget.max(1024 * 1024),
        max_topic_levels: net.max_topic_levels.max(1),
        max_subscriptions: net.max_subscriptions,
        max_stored_bytes: net.max_stored_bytes,
        max_sessions: net.max_sessions.max(1),
        receive_maximum: net.receive_maximum.max(1),
        topic_alias_maximum: net.topic_alias_maximum,
        server_keep_alive: net.server_keep_alive,
        max_session_expiry: net.max_session_expiry,
        ..broker::Config::default()
    };
    if let Some(p) = &net.passwd {
        let text = read_file(p, "password file", "密码文件", "--passwd", lang)?;
        // The offending line is not echoed: it holds a password.
        let users = auth::parse_passwords(&text)
            .map_err(|e| usage(format!("{}:{}:{}: {}", p.display(), e.line, e.column, e.text(lang))))?;
        config.passwords = Some(users);
    }
    for (i, entry) in net.auth.iter().enumerate() {
        // The value is not echoed either: it holds a password.
        let nth = match (net.auth.len(), lang) {
            (1, _) => String::new(),
            (_, Lang::Zh) => format!("（第 {} 个）", i + 1),
            (n, Lang::En) => format!(" ({} of {n})", i + 1),
        };
        let users = config.passwords.get_or_insert_with(auth::Passwords::default);
        users.add_entry(entry).map_err(|e| {
            usage(match lang {
                Lang::Zh => format!(
                    "--auth{nth}：{} —— 每个用户写一次：--auth 用户名:密码（例如 --auth esp8266:secret），或者写成 --passwd 文件里的一行",
                    e.text(lang)
                ),
                Lang::En => format!(
                    "--auth{nth}: {} — give each user once, as --auth USER:PASSWORD (e.g. --auth esp8266:secret) or as a line of the --passwd file",
                    e.text(lang)
                ),
            })
        })?;
    }
    if let Some(p) = &net.acl {
        let text = read_file(p, "ACL file", "ACL 文件", "--acl", lang)?;
        let acl = auth::Acl::parse(&text).map_err(|e| {
            let line = text.lines().nth(e.line - 1).unwrap_or("").trim_end_matches('\r');
            let caret = format!("{}^", " ".repeat(e.column.saturating_sub(1)));
            usage(format!("{}:{}:{}: {}\n    {line}\n    {caret}", p.display(), e.line, e.column, e.text(lang)))
        })?;
        config.acl = Some(acl);
    }
    Ok(config)
}

/// The listen addresses: the given ones (or 127.0.0.1:1883); with --lan, loopback listeners become
/// all-interface listeners on the same port.
fn listen_addrs(net: &NetArgs) -> Vec<SocketAddr> {
    let mut addrs =
        if net.listen.is_empty() { vec![SocketAddr::from(([127, 0, 0, 1], 1883))] } else { net.listen.clone() };
    if net.lan {
        for a in &mut addrs {
            if a.ip().is_loopback() {
                a.set_ip(IpAddr::from([0, 0, 0, 0]));
            }
        }
        addrs.dedup();
    }
    addrs
}

/// `mqtt://HOST[:PORT]` (or `HOST[:PORT]`) to an address; the port defaults to 1883.
async fn resolve_broker(url: &str, lang: Lang) -> Result<SocketAddr, Fail> {
    let rest = url.strip_prefix("mqtt://").unwrap_or(url).trim_end_matches('/');
    if rest.starts_with("mqtts://") || url.starts_with("mqtts://") || url.contains("://") && !url.starts_with("mqtt://")
    {
        return Err(usage(match lang {
            Lang::Zh => format!("--broker {url}：只支持 mqtt://主机:端口（不支持 TLS 和 WebSocket）"),
            Lang::En => format!("--broker {url}: only mqtt://HOST:PORT is supported (no TLS or WebSocket)"),
        }));
    }
    let with_port = if rest.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        rest.to_string()
    } else {
        format!("{rest}:1883")
    };
    let found = tokio::net::lookup_host(with_port.as_str()).await.ok().and_then(|mut a| a.next());
    found.ok_or_else(|| {
        usage(match lang {
            Lang::Zh => {
                format!("--broker {url}：找不到这个地址 —— 请写成 mqtt://主机:端口，例如 mqtt://127.0.0.1:1883")
            }
            Lang::En => {
                format!("--broker {url}: no such address — write it as mqtt://HOST:PORT, e.g. mqtt://127.0.0.1:1883")
            }
        })
    })
}

async fn run_lab(
    net: &NetArgs,
    inspector_cap: usize,
    log: Option<PathBuf>,
    external: Option<SocketAddr>,
    open: Option<String>,
    serial: Option<(String, u32)>,
    lang: Lang,
) -> Result<(), Fail> {
    let config = broker_config(net, true, lang)?;
    let listen = listen_addrs(net);
    let (mut lessons, bad) = mqtt_lab::lesson::builtin::load();
    if let Some(e) = bad.first() {
        return Err(Fail { code: 1, message: e.render(lang) });
    }
    // `--lesson FILE.yaml`: a teacher's own lesson joins the list and opens.
    let open = match open {
        Some(o) if o.ends_with(".yaml") || o.ends_with(".yml") || Path::new(&o).is_file() => {
            let text = read_file(Path::new(&o), "lesson file", "课程文件", "--lesson", lang)?;
            match mqtt_lab::lesson::parse_lesson(&o, &text) {
                Ok(l) => {
                    let id = l.id.value.clone();
                    lessons.retain(|(_, x)| x.id.value != id);
                    lessons.push((o.clone(), l));
                    Some(id)
                }
                Err(errors) => {
                    let all: Vec<String> = errors.iter().map(|e| e.render(lang)).collect();
                    return Err(usage(all.join("\n")));
                }
            }
        }
        Some(id) => {
            if !lessons.iter().any(|(_, l)| l.id.value == id) {
                let ids: Vec<&str> = lessons.iter().map(|(_, l)| l.id.value.as_str()).collect();
                return Err(usage(match lang {
                    Lang::Zh => {
                        format!("--lesson {id}：没有这一课；有：{}（或写一个 .yaml 课程文件的路径）", ids.join(" "))
                    }
                    Lang::En => format!(
                        "--lesson {id}: no such lesson; there are: {} (or give the path of a .yaml lesson file)",
                        ids.join(" ")
                    ),
                }));
            }
            Some(id)
        }
        None => None,
    };
    let opts = mqtt_lab::tui::TuiOptions {
        lab: mqtt_lab::runtime::lab::LabOptions {
            server: ServerConfig { listen, broker: config, tap_capacity: Some(65_536) },
            lang,
            inspector_capacity: inspector_cap.max(100),
            cast: true,
            log,
            external,
        },
        lessons,
        open,
        progress: progress_file(),
        serial,
    };
    mqtt_lab::tui::run(opts).await.map_err(usage)
}

/// Where the learner's progress is kept: `$XDG_DATA_HOME/mqtt-lab/progress.json`, else
/// `~/.local/share/mqtt-lab/progress.json`.
fn progress_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("mqtt-lab").join("progress.json"))
}

/// `mqtt-lab lessons list`.
fn lessons_list(lang: Lang) -> Result<(), Fail> {
    let (lessons, bad) = mqtt_lab::lesson::builtin::load();
    for e in &bad {
        eprintln!("{}", e.render(lang));
    }
    let mut part = None;
    for (path, l) in &lessons {
        if part != Some(l.part) {
            part = Some(l.part);
            say(l.part.title(lang));
        }
        let n = l.steps.len();
        let steps = match lang {
            Lang::Zh => format!("{n} 步"),
            Lang::En if n == 1 => "1 step".to_string(),
            Lang::En => format!("{n} steps"),
        };
        say(&format!("  {:<5} {}  ({steps}, {path})", l.id.value, l.title.get(lang)));
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Fail { code: 2, message: lang.pick("有课程文件无法读取", "some lesson files do not load").into() })
    }
}

/// The lesson files under `paths` (files, or folders of `*.yaml`), or the built-in ones.
fn lesson_sources(paths: &[PathBuf], lang: Lang) -> Result<Vec<(String, String)>, Fail> {
    if paths.is_empty() {
        return Ok(mqtt_lab::lesson::builtin::files().iter().map(|(p, t)| (p.to_string(), t.to_string())).collect());
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| usage(format!("{}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            for f in files {
                out.push((f.display().to_string(), read_file(&f, "lesson file", "课程文件", "lessons check", lang)?));
            }
        } else {
            out.push((p.display().to_string(), read_file(p, "lesson file", "课程文件", "lessons check", lang)?));
        }
    }
    Ok(out)
}

/// `mqtt-lab lessons check [PATH...]`: exit 2 when a file does not load, 1 when a lesson's solution
/// does not complete it.
fn lessons_check(paths: &[PathBuf], lang: Lang) -> Result<(), Fail> {
    let sources = lesson_sources(paths, lang)?;
    let (lessons, bad) = mqtt_lab::lesson::builtin::load_texts(sources);
    for e in &bad {
        eprintln!("{}\n", e.render(lang));
    }
    let started = std::time::Instant::now();
    let mut failed = Vec::new();
    for (path, l) in lessons {
        let t0 = std::time::Instant::now();
        let id = l.id.value.clone();
        let r = mqtt_lab::headless::check_lesson(std::sync::Arc::new(l), &path, lang, std::time::Instant::now());
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let n = r.steps.len();
        if r.passed() {
            say(&match lang {
                Lang::Zh => format!("✓ {id:<5} {n} 步，虚拟时间 {:.1} 秒，实际 {ms:.1} 毫秒（{path}）", r.secs),
                Lang::En => format!("✓ {id:<5} {n} steps, {:.1} s of virtual time in {ms:.1} ms ({path})", r.secs),
            });
        } else {
            // The step that did not complete, or the first one the lesson never reached.
            let s = r.steps.iter().find(|s| !s.done).map_or(r.steps.len() + 1, |s| s.index + 1);
            let miss = r.steps.last().and_then(|s| s.miss.as_ref()).map(|m| m.get(lang).to_string());
            let why = miss.map(|m| format!(" — {m}")).unwrap_or_default();
            say(&match lang {
                Lang::Zh => {
                    format!("✗ {id:<5} 第 {s} 步没有完成：运行它的 solution 后等了 20 秒（虚拟时间）{why}（{path}）")
                }
                Lang::En => format!(
                    "✗ {id:<5} step {s} did not complete: its solution ran, then 20 s (virtual) passed{why} ({path})"
                ),
            });
            say(lang.pick("  实验室最后看到的：", "  what the lab saw last:"));
            for t in &r.tail {
                say(&format!("    {}", t.get(lang)));
            }
            failed.push(id);
        }
    }
    let total = started.elapsed().as_secs_f64() * 1000.0;
    say(&match lang {
        Lang::Zh => format!("共 {total:.0} 毫秒"),
        Lang::En => format!("{total:.0} ms in all"),
    });
    if !bad.is_empty() {
        return Err(Fail {
            code: 2,
            message: lang.pick("有课程文件无法读取（见上）", "some lesson files do not load (see above)").into(),
        });
    }
    if !failed.is_empty() {
        return Err(Fail {
            code: 1,
            message: match lang {
                Lang::Zh => format!("这些课程的 solution 不能完成它们：{}", failed.join(" ")),
                Lang::En => format!("these lessons' solutions do not complete them: {}", failed.join(" ")),
            },
        });
    }
    Ok(())
}

/// One line on stdout; a closed stdout (`| head`) is not an error worth dying for.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn run_broker(args: BrokerArgs, lang: Lang) -> Result<(), Fail> {
    // Before anything listens: a signal from then on stops the broker cleanly.
    let stop = shutdown_signal();
    let net = &args.net;
    let config = broker_config(net, args.verbose, lang)?;
    let listen = listen_addrs(net);
    // Create the tap file before listening, so that a bad path is reported first and no frame is missed.
    if let Some(path) = &args.tap
        && let Err(e) = std::fs::File::create(path)
    {
        return Err(usage(match lang {
            Lang::Zh => format!("无法创建抓包文件 {}：{e} —— 请检查 --tap 后面的路径", path.display()),
            Lang::En => format!("cannot create tap file {}: {e} — check the path given to --tap", path.display()),
        }));
    }
    let tap_capacity = args.tap.as_ref().map(|_| 65_536);
    let mut server = Server::start(ServerConfig { listen, broker: config, tap_capacity })
        .await
        .map_err(|e| usage(e.message(lang)))?;
    let mut events = server.take_events().unwrap_or_else(|| server.events());
    let mut writer = None;
    if let (Some(path), Some(rx)) = (args.tap.clone(), server.take_tap()) {
        match tapfile::spawn_tap_writer(path.clone(), rx, tokio::runtime::Handle::current()) {
            Ok(w) => writer = Some(w),
            Err(e) => {
                let p = path.display();
                let message = match lang {
                    Lang::Zh => format!("抓包文件 {p}：{}", cli_text::io_zh(&e)),
                    Lang::En => format!("tap file {p}: {e}"),
                };
                return Err(Fail { code: 1, message });
            }
        }
    }
    for a in server.local_addrs() {
        say(&broker::Event::Listening { addr: a.to_string() }.text(lang));
    }
    // On every interface: that it is, whether a password is needed, and the line for the sketch.
    let protected = server.broker_config().passwords.is_some();
    for note in mqtt_lab::runtime::lan::notes(server.local_addrs(), protected) {
        say(note.text.get(lang));
    }
    use std::io::Write;
    tokio::pin!(stop);
    let result = loop {
        tokio::select! {
            e = events.recv() => match e {
                Ok((at, e)) => {
                    let t = at.as_secs_f64();
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "[{t:9.3}] {}", e.text(lang));
                    let _ = out.flush();
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    say(&match lang {
                        Lang::Zh => format!("（输出跟不上，省略了 {n} 条叙述）"),
                        Lang::En => format!("(output fell behind: {n} narration lines skipped)"),
                    });
                }
                Err(_) => break Ok(()),
            },
            signal = &mut stop => {
                say(&match lang {
                    Lang::Zh => format!("收到 {signal}：服务端已停止"),
                    Lang::En => format!("{signal}: broker stopped"),
                });
                break Ok(());
            }
        }
    };
    // Stop taking frames, then write every frame the tap recorded before the file is closed.
    drop(server);
    if let Some(w) = writer {
        w.finish();
    }
    result
}

/// Resolves on Ctrl-C (SIGINT), SIGTERM or SIGHUP, with the signal's name. The handlers are
/// installed when this is called, not when the future is first polled: a signal that comes while
/// the caller is busy with other work is not lost (nor does it kill the process).
fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()));
        async move {
            match streams {
                (Ok(mut int), Ok(mut term), Ok(mut hup)) => tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                    _ = hup.recv() => "SIGHUP",
                },
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                    "SIGINT"
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
