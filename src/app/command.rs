//! The command line's language: parsing `car pub car/speed 60 -q 1` into a [`Command`], the errors
//! that say what is wrong, and Tab completion. Pure text in, values out.

use crate::i18n::Lang;
use crate::proto::QoS;

pub use crate::world::cmd::{ClientCmd, ConnectOpts};

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Client { name: String, cmd: ClientCmd },
    New { name: String, opts: ConnectOpts },
    Remove { name: String },
    Step(Option<bool>),
    Next,
    Drop,
    CutHeld,
    Lang(Option<Lang>),
    Filter(FilterCmd),
    Help,
    Quit,
    Compose { name: String, topic: String, qos: QoS, retain: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterCmd {
    Client(String),
    Type(String),
    Topic(String),
    Clear,
}

pub const VERBS: &[&str] = &["connect", "disconnect", "sub", "unsub", "pub", "cut", "freeze", "thaw", "compose"];
pub const COMMANDS: &[&str] = &["new", "rm", "step", "next", "drop", "cutheld", "lang", "filter", "help", "quit"];
const CONNECT_OPTS: &[&str] = &[
    "--clean",
    "--keepalive",
    "--will-topic",
    "--will-msg",
    "--will-qos",
    "--will-retain",
    "--user",
    "--pass",
    "--id",
];

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

fn bool_arg(v: Option<&String>, flag: &str) -> Result<bool, CmdError> {
    match v.map(String::as_str) {
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(o) => Err(err(format!("{flag} {o}: use true or false"), format!("{flag} {o}：请用 true 或 false"))),
        None => Err(err(format!("{flag} needs true or false"), format!("{flag} 后面要写 true 或 false"))),
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
            "--user" | "-u" => {
                o.user = Some(val.ok_or_else(|| err("--user needs a name", "--user 后面要写用户名"))?.clone())
            }
            "--pass" | "-P" => {
                o.pass = Some(val.ok_or_else(|| err("--pass needs a password", "--pass 后面要写密码"))?.clone())
            }
            "--id" => {
                o.client_id = Some(val.ok_or_else(|| err("--id needs a client id", "--id 后面要写客户端ID"))?.clone())
            }
            other => {
                let all = CONNECT_OPTS.join(" ");
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
    match first.as_str() {
        "new" => {
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
        "rm" => {
            let name = rest.first().ok_or_else(|| err("rm needs a client name", "rm 后面要写客户端名字"))?;
            if !clients.contains(name) {
                return Err(unknown_client(name, clients));
            }
            Ok(Command::Remove { name: name.clone() })
        }
        "step" => match rest.first().map(String::as_str) {
            None => Ok(Command::Step(None)),
            Some("on") => Ok(Command::Step(Some(true))),
            Some("off") => Ok(Command::Step(Some(false))),
            Some(o) => Err(err(
                format!("step {o}: use step, step on or step off"),
                format!("step {o}：请用 step、step on 或 step off"),
            )),
        },
        "next" => Ok(Command::Next),
        "drop" => Ok(Command::Drop),
        "cutheld" => Ok(Command::CutHeld),
        "lang" => match rest.first() {
            None => Ok(Command::Lang(None)),
            Some(l) => match l.parse() {
                Ok(l) => Ok(Command::Lang(Some(l))),
                Err(_) => Err(err(format!("lang {l}: use zh or en"), format!("lang {l}：请用 zh 或 en"))),
            },
        },
        "filter" => match (rest.first().map(String::as_str), rest.get(1)) {
            (Some("clear") | None, _) => Ok(Command::Filter(FilterCmd::Clear)),
            (Some("client"), Some(v)) => Ok(Command::Filter(FilterCmd::Client(v.clone()))),
            (Some("type"), Some(v)) => Ok(Command::Filter(FilterCmd::Type(v.to_uppercase()))),
            (Some("topic"), Some(v)) => Ok(Command::Filter(FilterCmd::Topic(v.clone()))),
            (Some(k), _) => Err(err(
                format!("filter {k}: use filter client NAME | type PUBLISH | topic TEXT | clear"),
                format!("filter {k}：请用 filter client 名字 | type PUBLISH | topic 文字 | clear"),
            )),
        },
        "help" | "?" => Ok(Command::Help),
        "quit" | "q" | "exit" => Ok(Command::Quit),
        name if clients.iter().any(|c| c == name) => {
            let verb = rest.first().ok_or_else(|| {
                let v = VERBS.join(", ");
                err(format!("what should {name} do? {v}"), format!("{name} 要做什么？{v}"))
            })?;
            let args = &rest[1..];
            let name = name.to_string();
            let cmd = match verb.as_str() {
                "connect" => ClientCmd::Connect(connect_opts(args)?),
                "disconnect" => ClientCmd::Disconnect,
                "cut" => ClientCmd::Cut,
                "freeze" => ClientCmd::Freeze,
                "thaw" => ClientCmd::Thaw,
                "sub" | "subscribe" => {
                    let filter = args.first().ok_or_else(|| {
                        err(
                            format!("{name} sub needs a topic filter: {name} sub car/# [-q 1]"),
                            format!("{name} sub 后面要写主题过滤器：{name} sub car/# [-q 1]"),
                        )
                    })?;
                    let qos = match args.get(1).map(String::as_str) {
                        None => QoS::AtMostOnce,
                        Some("-q" | "--qos") => qos_arg(args.get(2), "-q")?,
                        Some(o) => {
                            return Err(err(
                                format!("unexpected {o:?}; use {name} sub FILTER [-q N]"),
                                format!("多了 {o:?}；格式是 {name} sub 过滤器 [-q N]"),
                            ));
                        }
                    };
                    ClientCmd::Subscribe { filter: filter.clone(), qos }
                }
                "unsub" | "unsubscribe" => {
                    let filter = args.first().ok_or_else(|| {
                        err(
                            format!("{name} unsub needs the filter it subscribed to"),
                            format!("{name} unsub 后面要写订阅时的过滤器"),
                        )
                    })?;
                    ClientCmd::Unsubscribe { filter: filter.clone() }
                }
                "pub" | "publish" | "compose" => {
                    let topic = args.first().ok_or_else(|| {
                        err(
                            format!("{name} {verb} needs a topic: {name} pub car/speed 60 [-q N] [-r]"),
                            format!("{name} {verb} 后面要写主题：{name} pub car/speed 60 [-q N] [-r]"),
                        )
                    })?;
                    let mut payload = None;
                    let (mut qos, mut retain) = (QoS::AtMostOnce, false);
                    let mut i = 1;
                    while i < args.len() {
                        match args[i].as_str() {
                            "-q" | "--qos" => {
                                qos = qos_arg(args.get(i + 1), "-q")?;
                                i += 2;
                            }
                            "-r" | "--retain" => {
                                retain = true;
                                i += 1;
                            }
                            p if payload.is_none() && verb != "compose" => {
                                payload = Some(p.to_string());
                                i += 1;
                            }
                            o => {
                                return Err(err(
                                    format!("unexpected {o:?}; put a payload with spaces in quotes"),
                                    format!("多了 {o:?}；含空格的消息请加引号"),
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
                    ClientCmd::Publish { topic: topic.clone(), payload, qos, retain }
                }
                other => {
                    let v = VERBS.join(", ");
                    return Err(err(
                        format!("{name} cannot {other:?}; it can: {v}"),
                        format!("{name} 不会 {other:?}；它会：{v}"),
                    ));
                }
            };
            Ok(Command::Client { name, cmd })
        }
        other => Err(unknown_client(other, clients)),
    }
}

fn unknown_client(name: &str, clients: &[String]) -> CmdError {
    let (c, k) = (clients.join(", "), COMMANDS.join(", "));
    err(
        format!("{name:?} is neither a client nor a command — clients: {c}; commands: {k}"),
        format!("{name:?} 既不是客户端也不是命令 —— 客户端：{c}；命令：{k}"),
    )
}

/// A command-line mistake, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError {
    pub en: String,
    pub zh: String,
}

impl CmdError {
    pub fn text(&self, lang: Lang) -> &str {
        if lang.is_zh() { &self.zh } else { &self.en }
    }
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

fn err(en: impl Into<String>, zh: impl Into<String>) -> CmdError {
    CmdError { en: en.into(), zh: zh.into() }
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
        0 => clients.iter().cloned().chain(COMMANDS.iter().map(|s| s.to_string())).collect(),
        1 if clients.contains(&done[0]) => VERBS.iter().map(|s| s.to_string()).collect(),
        1 if done[0] == "rm" => clients.to_vec(),
        1 if done[0] == "step" => vec!["on".into(), "off".into()],
        1 if done[0] == "lang" => vec!["zh".into(), "en".into()],
        1 if done[0] == "filter" => vec!["client".into(), "type".into(), "topic".into(), "clear".into()],
        2 if done[0] == "filter" && done[1] == "client" => clients.to_vec(),
        2 if clients.contains(&done[0]) && matches!(done[1].as_str(), "sub" | "unsub" | "pub" | "compose") => {
            topics.to_vec()
        }
        n if n >= 2 && clients.contains(&done[0]) && done[1] == "connect" => {
            CONNECT_OPTS.iter().map(|s| s.to_string()).collect()
        }
        n if n >= 3 && clients.contains(&done[0]) && matches!(done[1].as_str(), "pub" | "sub") => {
            vec!["-q".into(), "-r".into()]
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
                cmd: ClientCmd::Subscribe { filter: "car/speed".into(), qos: QoS::AtLeastOnce }
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
                    retain: true
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
    fn completion_offers_clients_verbs_and_topics() {
        let topics = vec!["car/speed".to_string(), "car/ac/temp".to_string()];
        assert_eq!(complete("ph", &cast(), &topics), vec!["phone"]);
        assert_eq!(complete("car p", &cast(), &topics), vec!["pub"]);
        assert_eq!(complete("phone sub car/s", &cast(), &topics), vec!["car/speed"]);
        assert!(complete("", &cast(), &topics).contains(&"new".to_string()));
    }
}
