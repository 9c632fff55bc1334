//! `mqtt-lab nodemcu --pty`: a virtual NodeMCU on its own, for any broker. The board runs one of
//! the tutorial's sketches against the broker over TCP, and prints on a pseudo-terminal whose path
//! it shows, so that any serial terminal (the lab's serial pane, `screen`, the Arduino serial
//! monitor) attaches to it as to a real board. What the board does is said on stdout; its stdin
//! takes `reset`, `off`, `on` and `quit`.

use super::lab::Lab;
use crate::i18n::Lang;
use crate::world::board::sketch::{self, Sketch};
use crate::world::cmd::{ClientCmd, ConnectOpts, LabCmd};
use crate::world::event::WorldEvent;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::io::AsyncBufReadExt;

/// How the board is started.
#[derive(Debug, Clone)]
pub struct NodeMcuOptions {
    pub broker: SocketAddr,
    pub sketch: &'static Sketch,
    /// Also make this symlink to the pseudo-terminal (a stable name across restarts).
    pub link: Option<PathBuf>,
    pub lang: Lang,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs the board until stdin says `quit`, stdin closes after `quit`, or a signal comes.
pub async fn run(o: NodeMcuOptions, stop: impl std::future::Future<Output = &'static str>) -> Result<(), String> {
    let lang = o.lang;
    let (mut lab, mut rx) = Lab::external(o.broker);
    let opts = ConnectOpts { sketch: Some(o.sketch.name.to_string()), ..ConnectOpts::default() };
    lab.add_client("esp", None, opts);
    let (what_zh, what_en) = (o.sketch.zh, o.sketch.en);
    say(&match lang {
        Lang::Zh => {
            format!("虚拟 NodeMCU：程序 {}（第 {} 课）：{what_zh}；服务端 {}", o.sketch.name, o.sketch.lesson, o.broker)
        }
        Lang::En => format!(
            "virtual NodeMCU: sketch {} (lesson {}): {what_en}; broker {}",
            o.sketch.name, o.sketch.lesson, o.broker
        ),
    });
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    tokio::pin!(stop);
    let mut cmd_id = 1;
    loop {
        tokio::select! {
            e = rx.recv() => {
                let Some(e) = e else { return Ok(()) };
                match e {
                    WorldEvent::SerialPort { path, .. } => {
                        if let Some(link) = &o.link {
                            let _ = std::fs::remove_file(link);
                            if let Err(e) = std::os::unix::fs::symlink(&path, link) {
                                return Err(match lang {
                                    Lang::Zh => format!("无法创建链接 {}：{e}", link.display()),
                                    Lang::En => format!("cannot make the link {}: {e}", link.display()),
                                });
                            }
                        }
                        let name = o.link.as_ref().map_or(path.clone(), |l| l.display().to_string());
                        say(&match lang {
                            Lang::Zh => format!("串口：{name}（115200 波特）—— 用 mqtt-lab --serial {name} 或 screen {name} 115200 打开"),
                            Lang::En => format!("serial port: {name} (115200 baud) — open it with mqtt-lab --serial {name} or screen {name} 115200"),
                        });
                        say(lang.pick(
                            "输入 reset 复位，off 断电，on 上电，quit 退出",
                            "type reset to reset it, off to cut the power, on to power it, quit to leave",
                        ));
                    }
                    WorldEvent::ClientEvent { at, event, .. } => {
                        say(&format!("[{:8.3}] {}", at.as_secs_f64(), event.text(lang)));
                    }
                    WorldEvent::ClientNote { at, text, .. } => {
                        say(&format!("[{:8.3}] {}", at.as_secs_f64(), text.get(lang)));
                    }
                    _ => {}
                }
            }
            line = stdin.next_line(), if stdin_open => {
                let cmd = match line {
                    Ok(Some(l)) => l.trim().to_ascii_lowercase(),
                    _ => { stdin_open = false; continue; }
                };
                let c = match cmd.as_str() {
                    "reset" | "r" => ClientCmd::Reset,
                    "off" => ClientCmd::Power(false),
                    "on" => ClientCmd::Power(true),
                    "quit" | "q" | "exit" => {
                        if let Some(l) = &o.link {
                            let _ = std::fs::remove_file(l);
                        }
                        return Ok(());
                    }
                    "" => continue,
                    other => {
                        say(&match lang {
                            Lang::Zh => format!("不认识 {other:?}：可以输入 reset、off、on、quit"),
                            Lang::En => format!("{other:?}? type reset, off, on or quit"),
                        });
                        continue;
                    }
                };
                cmd_id += 1;
                say(match &c {
                    ClientCmd::Reset => lang.pick(
                        "复位：芯片重启，旧的 TCP 连接被丢下（没有 DISCONNECT）",
                        "reset: the chip restarts; the old TCP connection is left behind (no DISCONNECT)",
                    ),
                    ClientCmd::Power(false) => lang.pick(
                        "断电：连接被丢下，服务端要等 1.5 倍心跳间隔才发现",
                        "powered off: the connection is left behind; the broker notices after 1.5 × keep alive",
                    ),
                    _ => lang.pick("通电：开发板启动", "powered on: the board boots"),
                });
                lab.apply(LabCmd::Client { id: cmd_id, name: "esp".into(), cmd: c });
            }
            s = &mut stop => {
                say(&match lang {
                    Lang::Zh => format!("收到 {s}：开发板断电"),
                    Lang::En => format!("{s}: the board is switched off"),
                });
                if let Some(l) = &o.link {
                    let _ = std::fs::remove_file(l);
                }
                return Ok(());
            }
        }
    }
}

/// The sketch named on the command line, or why not.
pub fn sketch_named(name: &str, lang: Lang) -> Result<&'static Sketch, String> {
    sketch::find(name).ok_or_else(|| {
        let all = sketch::names().join(" ");
        match lang {
            Lang::Zh => format!("--sketch {name}：没有这个程序；有：{all}"),
            Lang::En => format!("--sketch {name}: no such sketch; there are: {all}"),
        }
    })
}
