//! The tutorial's sketches as data: what each one connects with, subscribes to, publishes and
//! prints. `examples/*.ino` are the same programs for a real board; a test holds the two together.
//! Pure data: it must not depend on anything but `proto`.

use crate::proto::QoS;

/// How the sketch makes its client id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdRule {
    /// A prefix and `WiFi.macAddress()`: `esp8266-5C:CF:7F:12:34:56`.
    Mac(&'static str),
    /// A prefix and `String(random(0xffff), HEX)`, drawn again on every attempt.
    RandomHex(&'static str),
}

/// What the sketch prints, in which words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// 太极创客's sketches: `WiFi Connected!`, `MQTT Server Connected.`, `Server Address:`,
    /// `ClientId:`, `MQTT Server Connect Failed. Client State:`.
    Taichi,
    /// PubSubClient's own `mqtt_esp8266` example: `Attempting MQTT connection...connected`,
    /// `failed, rc=-2 try again in 5 seconds`, `Message arrived [inTopic] 1`.
    Example,
}

/// A message the sketch publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pub {
    /// `{mac}` stands for the board's MAC address.
    pub topic: &'static str,
    /// The payload; `{n}` stands for a counter.
    pub payload: &'static str,
    pub retain: bool,
}

/// One sketch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sketch {
    /// What `--sketch` takes.
    pub name: &'static str,
    /// The lesson that uses it.
    pub lesson: &'static str,
    /// Its file under `examples/`.
    pub file: &'static str,
    /// What it shows (zh, en).
    pub zh: &'static str,
    pub en: &'static str,
    /// `Serial.begin(…)`.
    pub baud: u32,
    pub style: Style,
    pub id: IdRule,
    pub user: Option<&'static str>,
    pub password: Option<&'static str>,
    /// The 8-argument `connect()` can send clean session 0; every other overload sends 1.
    pub clean: bool,
    /// Will topic, message, QoS, retain.
    pub will: Option<(&'static str, &'static str, QoS, bool)>,
    /// `mqttClient.subscribe(topic, qos)` after every successful connect.
    pub subscribe: Option<(&'static str, QoS)>,
    /// Published after every successful connect (the example's `hello world`, the will sketch's
    /// `CLIENT-ONLINE`), or only after the first one (`once_per_boot`, the retained sketch).
    pub on_connect: Option<Pub>,
    pub once_per_boot: bool,
    /// Published every `every_ms` while connected; `{n}` counts from `first`.
    pub periodic: Option<(Pub, u64, u32)>,
    /// The LED follows the first payload byte (`'1'` on) of messages on the subscribed topic.
    pub led: bool,
    /// After switching the LED, report `LED ON` / `LED OFF` on this topic.
    pub led_report: Option<&'static str>,
    /// `delay(…)` after a failed connect, in milliseconds.
    pub retry_ms: u64,
}

/// The MAC address of the virtual board (Espressif's prefix 5C:CF:7F).
pub const DEFAULT_MAC: &str = "5C:CF:7F:12:34:56";
/// The Wi-Fi network the sketches join (the tutorial's).
pub const SSID: &str = "taichi-maker";
/// The address the virtual board says it was given.
pub const BOARD_IP: &str = "192.168.1.40";
/// The sketch the board runs when none is named: the 1-4 connect sketch.
pub const DEFAULT_SKETCH: &str = "connect";

const BASE: Sketch = Sketch {
    name: "",
    lesson: "",
    file: "",
    zh: "虚拟 NodeMCU 的程序",
    en: "a virtual NodeMCU's sketch",
    baud: 115_200,
    style: Style::Taichi,
    id: IdRule::Mac("esp8266-"),
    user: None,
    password: None,
    clean: true,
    will: None,
    subscribe: None,
    on_connect: None,
    once_per_boot: false,
    periodic: None,
    led: false,
    led_report: None,
    retry_ms: 5000,
};

/// Every sketch the virtual NodeMCU can run.
pub const SKETCHES: &[Sketch] = &[
    Sketch {
        name: "connect",
        lesson: "1-4",
        file: "examples/connect/connect.ino",
        zh: "连接服务端：客户端ID是 esp8266- 加 MAC 地址，连上后只保持心跳",
        en: "connects with the client id esp8266- plus the MAC address, then only keeps the heartbeat",
        ..BASE
    },
    Sketch {
        name: "publish",
        lesson: "1-6",
        file: "examples/publish/publish.ino",
        zh: "每 3 秒向 Taichi-Maker-Pub-<MAC> 发布 Hello World <n>（QoS 0）",
        en: "publishes Hello World <n> to Taichi-Maker-Pub-<MAC> every 3 s (QoS 0)",
        periodic: Some((Pub { topic: "Taichi-Maker-Pub-{mac}", payload: "Hello World {n}", retain: false }, 3000, 0)),
        ..BASE
    },
    Sketch {
        name: "subscribe",
        lesson: "1-8",
        file: "examples/subscribe/subscribe.ino",
        zh: "订阅 Taichi-Maker-Sub-<MAC>（QoS 0），消息第一个字符是 1 就点亮 LED",
        en: "subscribes to Taichi-Maker-Sub-<MAC> (QoS 0); a message starting with 1 lights the LED",
        subscribe: Some(("Taichi-Maker-Sub-{mac}", QoS::AtMostOnce)),
        led: true,
        ..BASE
    },
    Sketch {
        name: "qos",
        lesson: "2-2",
        file: "examples/qos/qos.ino",
        zh: "清除会话 = 0，以 QoS 1 订阅 Taichi-Maker-Sub-<MAC>：断线期间的消息重连后补发",
        en: "clean session 0 and a QoS 1 subscription to Taichi-Maker-Sub-<MAC>: messages sent while it was away arrive after it reconnects",
        clean: false,
        will: Some(("willTopic", "willMsg", QoS::AtMostOnce, false)),
        subscribe: Some(("Taichi-Maker-Sub-{mac}", QoS::AtLeastOnce)),
        led: true,
        ..BASE
    },
    Sketch {
        name: "retained",
        lesson: "2-4",
        file: "examples/retained/retained.ino",
        zh: "开机连上后发布一次保留消息 Retained Msg 到 Taichi-Maker-Pub-<MAC>",
        en: "after the first connect it publishes the retained message Retained Msg to Taichi-Maker-Pub-<MAC>, once",
        on_connect: Some(Pub { topic: "Taichi-Maker-Pub-{mac}", payload: "Retained Msg", retain: true }),
        once_per_boot: true,
        ..BASE
    },
    Sketch {
        name: "will",
        lesson: "2-7",
        file: "examples/will/will.ino",
        zh: "遗嘱 CLIENT-OFFLINE（保留）在 Taichi-Maker-<MAC>-Will，每次连上先在同一主题保留发布 CLIENT-ONLINE",
        en: "its will CLIENT-OFFLINE (retained) is on Taichi-Maker-<MAC>-Will; after every connect it publishes CLIENT-ONLINE, retained, to the same topic",
        will: Some(("Taichi-Maker-{mac}-Will", "CLIENT-OFFLINE", QoS::AtMostOnce, true)),
        on_connect: Some(Pub { topic: "Taichi-Maker-{mac}-Will", payload: "CLIENT-ONLINE", retain: true }),
        ..BASE
    },
    Sketch {
        name: "auth",
        lesson: "2-8",
        file: "examples/auth/auth.ino",
        zh: "用用户名 test-user、密码 ranye-iot 连接，每 3 秒向 test-user/Pub-<MAC> 发布",
        en: "logs in as test-user with the password ranye-iot and publishes to test-user/Pub-<MAC> every 3 s",
        user: Some("test-user"),
        password: Some("ranye-iot"),
        periodic: Some((Pub { topic: "test-user/Pub-{mac}", payload: "Hello World {n}", retain: false }, 3000, 0)),
        ..BASE
    },
    Sketch {
        name: "led",
        lesson: "A-3",
        file: "examples/led/led.ino",
        zh: "平台控制灯：账号 taichi，以 QoS 1 订阅 taichi/led_kz，在 taichi/led_zt 报告 LED ON / LED OFF，遗嘱 offline 在 taichi/led_yz",
        en: "the platform's lamp: logs in as taichi, subscribes to taichi/led_kz at QoS 1, reports LED ON / LED OFF on taichi/led_zt, will offline on taichi/led_yz",
        user: Some("taichi"),
        password: Some("tm8266"),
        clean: false,
        will: Some(("taichi/led_yz", "offline", QoS::AtMostOnce, true)),
        subscribe: Some(("taichi/led_kz", QoS::AtLeastOnce)),
        led: true,
        led_report: Some("taichi/led_zt"),
        ..BASE
    },
    Sketch {
        name: "example",
        lesson: "1-4",
        file: "examples/mqtt_esp8266/mqtt_esp8266.ino",
        zh: "PubSubClient 自带的 mqtt_esp8266 示例：随机客户端ID，outTopic / inTopic，每 2 秒发布 hello world #n",
        en: "PubSubClient's own mqtt_esp8266 example: a random client id, outTopic / inTopic, hello world #n every 2 s",
        style: Style::Example,
        id: IdRule::RandomHex("ESP8266Client-"),
        subscribe: Some(("inTopic", QoS::AtMostOnce)),
        on_connect: Some(Pub { topic: "outTopic", payload: "hello world", retain: false }),
        periodic: Some((Pub { topic: "outTopic", payload: "hello world #{n}", retain: false }, 2000, 1)),
        led: true,
        ..BASE
    },
];

/// The sketch of this name.
pub fn find(name: &str) -> Option<&'static Sketch> {
    SKETCHES.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The names, for messages.
pub fn names() -> Vec<&'static str> {
    SKETCHES.iter().map(|s| s.name).collect()
}

/// `{mac}` and `{n}` filled in.
pub fn fill(template: &str, mac: &str, n: u32) -> String {
    template.replace("{mac}", mac).replace("{n}", &n.to_string())
}
