//! Every text a learner can see exists in 中文 and English. Three nets:
//! 1. the sources: every fixed pair (`pick`, `Text::new`, `Words::new`, `t`, `err`, `zh:`/`en:`
//!    fields, the keymap's `b!`) is checked to be really in both languages;
//! 2. every variant of the enums that speak (broker events, decode errors, client events and errors,
//!    return codes, start errors), each match exhaustive so that a new variant must be added here;
//! 3. a learner's session on the in-memory world, typed into the app: every narration line, command
//!    mark, client state, frame summary and field of the tree, in both languages.

use mqtt_lab::app::{Action, App, Msg};
use mqtt_lab::broker::{self, Delivery, Event, PublishRefusal, RetainAction, SubscribeRefusal, WillCause};
use mqtt_lab::client::{
    ClientError, ClientEvent, DiscardCause, DropReason, MessageProps, ServerProps, Silence, SubResult, Violation,
};
use mqtt_lab::i18n::{Lang, Text, check_bilingual};
use mqtt_lab::proto::v5::PropContext;
use mqtt_lab::proto::{
    ConnectReturnCode, DecodeError, ErrorKind, PACKET_BODY, PacketId, PacketType, Protocol, QoS, ReasonCode,
    ReasonPacket,
};
use mqtt_lab::world::actor::options_from;
use mqtt_lab::world::cmd::{ClientCmd, ConnectOpts, LabCmd};
use mqtt_lab::world::event::WorldEvent;
use mqtt_lab::world::sim::World;
use std::path::Path;
use std::time::{Duration, Instant};

fn both(zh: &str, en: &str, what: &str) {
    if let Err(e) = check_bilingual(zh, en) {
        panic!("{what}: {e}");
    }
}

// ---- 1. the sources ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    Other,
}

/// Rust tokens, enough to find string literals and what surrounds them.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                line += (c[i] == '\n') as usize;
                i += 1;
            }
            i += 2;
        } else if ch == 'r' && (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#')) {
            // Raw string r"…" / r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push((Tok::Ident("r".into()), line));
                i += 1;
                continue;
            }
            j += 1;
            let start = j;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    break;
                }
                j += 1;
            }
            let s: String = c[start..j.min(c.len())].iter().collect();
            line += s.matches('\n').count();
            out.push((Tok::Str(s), line));
            i = j + 1 + hashes;
        } else if ch == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                if c[j] == '\\' && j + 1 < c.len() {
                    match c[j + 1] {
                        'n' => s.push('\n'),
                        '\n' => {
                            // A line continuation: skip the newline and the indentation.
                            j += 2;
                            line += 1;
                            while j < c.len() && c[j].is_whitespace() {
                                j += 1;
                            }
                            continue;
                        }
                        x => s.push(x),
                    }
                    j += 2;
                    continue;
                }
                if c[j] == '\n' {
                    line += 1;
                }
                s.push(c[j]);
                j += 1;
            }
            out.push((Tok::Str(s), line));
            i = j + 1;
        } else if ch == '\'' {
            // A char literal ('a', '\n', '"') or a lifetime ('a).
            if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else if c.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else {
                i += 1;
            }
            out.push((Tok::Other, line));
        } else if ch.is_alphanumeric() || ch == '_' {
            let mut j = i;
            while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
                j += 1;
            }
            out.push((Tok::Ident(c[i..j].iter().collect()), line));
            i = j;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// The fixed pairs of a source file: (zh, en, line).
fn pairs(src: &str) -> Vec<(String, String, usize)> {
    let t = tokens(src);
    let mut out = Vec::new();
    let is = |k: usize, tok: &Tok| t.get(k).map(|x| &x.0) == Some(tok);
    let p = |c: char| Tok::Punct(c);
    let lit = |k: usize| match t.get(k).map(|x| &x.0) {
        Some(Tok::Str(s)) => Some(s.clone()),
        _ => None,
    };
    // `f("a", "b")` where both arguments are plain literals.
    let two_args = |k: usize| -> Option<(String, String)> {
        if !is(k, &p('(')) {
            return None;
        }
        let a = lit(k + 1)?;
        if !is(k + 2, &p(',')) {
            return None;
        }
        let b = lit(k + 3)?;
        (is(k + 4, &p(')')) || is(k + 4, &p(','))).then_some((a, b))
    };
    for k in 0..t.len() {
        let line = t[k].1;
        let Tok::Ident(id) = &t[k].0 else { continue };
        match id.as_str() {
            "pick" | "t" => {
                if let Some((a, b)) = two_args(k + 1) {
                    out.push((a, b, line));
                }
            }
            "new" if k >= 3 && is(k - 1, &p(':')) && is(k - 2, &p(':')) => {
                if matches!(&t[k - 3].0, Tok::Ident(s) if s == "Text" || s == "Words")
                    && let Some((a, b)) = two_args(k + 1)
                {
                    out.push((a, b, line));
                }
            }
            "err" => {
                if let Some((en, zh)) = two_args(k + 1) {
                    out.push((zh, en, line));
                }
            }
            "b" if is(k + 1, &p('!')) && is(k + 2, &p('(')) => {
                let lits: Vec<String> =
                    (k + 3..t.len()).take_while(|&j| !is(j, &p(';'))).filter_map(lit).take(2).collect();
                if let [a, b] = &lits[..] {
                    out.push((a.clone(), b.clone(), line));
                }
            }
            "zh" | "en" if is(k + 1, &p(':')) && lit(k + 2).is_some() && is(k + 3, &p(',')) => {
                let other = if id == "zh" { "en" } else { "zh" };
                if is(k + 4, &Tok::Ident(other.into()))
                    && is(k + 5, &p(':'))
                    && let Some(b) = lit(k + 6)
                {
                    let a = lit(k + 2).unwrap();
                    out.push(if id == "zh" { (a, b, line) } else { (b, a, line) });
                }
            }
            _ => {}
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_fixed_pair_in_the_sources_is_in_both_languages() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = 0;
    let mut bad = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        for (zh, en, line) in pairs(&src) {
            found += 1;
            // The language switch names both languages on purpose.
            if en.contains("中文") {
                continue;
            }
            if let Err(e) = check_bilingual(&zh, &en) {
                bad.push(format!("{}:{line}: {e}", f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display()));
            }
        }
    }
    assert!(found > 300, "the scan found only {found} pairs: it no longer sees the sources");
    assert!(bad.is_empty(), "texts in one language only:\n{}", bad.join("\n"));
}

#[test]
fn the_source_scan_catches_a_pair_in_one_language() {
    let src =
        r#"fn f(l: Lang) { l.pick("connected", "connected"); Text::new("已连接", "已连接"); err("nope", "nope"); }"#;
    let p = pairs(src);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.iter().all(|(zh, en, _)| check_bilingual(zh, en).is_err()));
    assert_eq!(pairs(r#"err("no", "不")"#), vec![("不".to_string(), "no".to_string(), 1)]);
}

// ---- 2. every variant --------------------------------------------------------------------------

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

/// The variant's index: exhaustive, so that a new variant is a compile error here until it is added.
fn event_index(e: &Event) -> usize {
    use Event::*;
    match e {
        Listening { .. } => 0,
        Connected { .. } => 1,
        ConnectRefused { .. } => 2,
        TakenOver { .. } => 3,
        SessionResumed { .. } => 4,
        SessionKept { .. } => 5,
        SessionDiscarded { .. } => 6,
        Disconnected { .. } => 7,
        ConnectionLost { .. } => 8,
        KeepAliveExpired { .. } => 9,
        ConnectTimeout { .. } => 10,
        ProtocolError { .. } => 11,
        WillPublished { .. } => 12,
        WillDiscarded { .. } => 13,
        Subscribed { .. } => 14,
        SubscribeRefused { .. } => 15,
        Unsubscribed { .. } => 16,
        Routed { .. } => 17,
        PublishRefused { .. } => 18,
        DuplicateQos2 { .. } => 19,
        QueueFull { .. } => 20,
        Resent { .. } => 21,
        TooManyConnections { .. } => 22,
        TooManySessions { .. } => 23,
        AcceptFailed { .. } => 24,
        SlowConsumer { .. } => 25,
        Throttled { .. } => 26,
        DeviceJoined { .. } => 27,
        WillDelayed { .. } => 28,
        WillCancelled { .. } => 29,
        Agreed5 { .. } => 30,
        SessionExpired { .. } => 31,
        AliasSet { .. } => 32,
        MessageExpired { .. } => 33,
        TooLargeForClient { .. } => 34,
        SharedDelivered { .. } => 35,
    }
}
const EVENT_VARIANTS: usize = 36;

fn delivery(qos: QoS, downgraded: bool, queued: bool, dropped: bool, offline: bool) -> Delivery {
    Delivery { client_id: "phone".into(), qos, downgraded, queued, dropped, offline, budget: false }
}

#[test]
fn every_broker_event_speaks_both_languages() {
    use Event::*;
    let id = || "car".to_string();
    let mut all = vec![
        Listening { addr: "127.0.0.1:1883".into() },
        ConnectRefused {
            conn: 1,
            client_id: id(),
            code: ConnectReturnCode::NotAuthorized,
            reason: Text::new("这个服务端要求用户名和密码", "this broker requires a user name and password"),
        },
        TakenOver { client_id: id(), old_conn: 1, new_conn: 2 },
        SessionResumed { client_id: id(), subscriptions: 1, resent: 2, queued: 3 },
        SessionKept { client_id: id(), subscriptions: 1, queued: 0 },
        SessionDiscarded { client_id: id() },
        Disconnected { conn: 1, client_id: id() },
        ConnectionLost { conn: 1, client_id: Some(id()) },
        ConnectionLost { conn: 1, client_id: None },
        KeepAliveExpired { conn: 1, client_id: id(), keep_alive: 60, idle_ms: 90_000 },
        ConnectTimeout { conn: 1 },
        ProtocolError {
            conn: 1,
            client_id: Some(id()),
            message: Text::new("主题名不能包含 + 或 #", "a topic name must not contain + or #"),
            rule: Some("MQTT-3.3.2-2".into()),
        },
        WillDiscarded { client_id: id() },
        Subscribed {
            client_id: id(),
            filter: "car/#".into(),
            requested: QoS::ExactlyOnce,
            granted: QoS::AtLeastOnce,
            retained: 2,
        },
        Unsubscribed { client_id: id(), filter: "car/#".into(), existed: true },
        Unsubscribed { client_id: id(), filter: "car/#".into(), existed: false },
        PublishRefused { client_id: id(), topic: "$SYS/x".into(), reason: PublishRefusal::SysTopic },
        PublishRefused { client_id: id(), topic: "a".into(), reason: PublishRefusal::NotAuthorized },
        DuplicateQos2 { client_id: id(), pid: pid(3) },
        Resent { client_id: id(), pid: pid(3), pubrel: true },
        Resent { client_id: id(), pid: pid(3), pubrel: false },
        TooManyConnections { conn: 1, limit: 10 },
        TooManySessions { conn: 1, limit: 10 },
        AcceptFailed { error: "Too many open files".into() },
        SlowConsumer { client_id: id(), buffered: 8_000_000 },
        Throttled { publisher: id(), behind: "phone".into() },
        DeviceJoined { conn: 1, client_id: "esp8266-5C:CF:7F:12:34:56".into(), from: "192.168.1.40".into(), lan: true },
        DeviceJoined { conn: 1, client_id: id(), from: "203.0.113.5".into(), lan: false },
        WillDelayed { client_id: id(), topic: "car/status".into(), delay: 5, cause: WillCause::ConnectionLost },
        WillCancelled { client_id: id() },
        Agreed5 { client_id: id(), session_expiry: 0, keep_alive: Some(30) },
        Agreed5 { client_id: id(), session_expiry: 300, keep_alive: None },
        Agreed5 { client_id: id(), session_expiry: u32::MAX, keep_alive: None },
        SessionExpired { client_id: id(), after: 300 },
        AliasSet { client_id: id(), alias: 3, topic: "car/speed".into(), inbound: true },
        AliasSet { client_id: "phone".into(), alias: 3, topic: "car/speed".into(), inbound: false },
        MessageExpired { client_id: "phone".into(), topic: "car/speed".into(), after: 10 },
        TooLargeForClient { client_id: "phone".into(), topic: "car/photo".into(), size: 4096, max: 1024 },
        SharedDelivered {
            group: "g".into(),
            filter: "car/speed".into(),
            topic: "car/speed".into(),
            from: id(),
            to: "phone".into(),
            others: vec!["computer".into()],
        },
        SharedDelivered {
            group: "g".into(),
            filter: "car/#".into(),
            topic: "car/speed".into(),
            from: id(),
            to: "phone".into(),
            others: vec![],
        },
    ];
    for protocol in [Protocol::V31, Protocol::V311, Protocol::V5] {
        for (clean, sp, assigned) in [(true, false, false), (false, true, false), (true, false, true)] {
            all.push(Connected {
                conn: 1,
                client_id: id(),
                protocol,
                clean_session: clean,
                keep_alive: 60,
                session_present: sp,
                assigned_id: assigned,
            });
        }
    }
    for cause in [
        WillCause::KeepAliveExpired,
        WillCause::ConnectionLost,
        WillCause::ProtocolError,
        WillCause::TakenOver,
        WillCause::Requested,
        WillCause::Delayed,
    ] {
        all.push(WillPublished {
            client_id: id(),
            topic: "car/status".into(),
            qos: QoS::AtLeastOnce,
            retain: true,
            cause,
        });
    }
    for reason in [
        SubscribeRefusal::InvalidFilter { rule: "MQTT-4.7.1-2" },
        SubscribeRefusal::NotAuthorized,
        SubscribeRefusal::TooManyLevels { levels: 200, limit: 128 },
        SubscribeRefusal::TooManySubscriptions { limit: 1000 },
    ] {
        all.push(SubscribeRefused { client_id: id(), filter: "a/#/b".into(), reason });
    }
    for (offline, budget) in [(true, false), (false, false), (true, true)] {
        all.push(QueueFull { client_id: id(), topic: "car/speed".into(), limit: 1000, offline, budget });
    }
    let deliveries = [
        delivery(QoS::AtMostOnce, false, false, true, true),
        delivery(QoS::AtLeastOnce, false, false, true, true),
        delivery(QoS::AtLeastOnce, true, true, false, true),
        delivery(QoS::AtLeastOnce, false, true, false, false),
        delivery(QoS::AtMostOnce, true, false, false, false),
        delivery(QoS::ExactlyOnce, false, false, false, false),
        delivery(QoS::AtLeastOnce, false, false, true, false),
        Delivery { budget: true, ..delivery(QoS::ExactlyOnce, true, false, true, true) },
    ];
    for retain in [RetainAction::None, RetainAction::Stored, RetainAction::Cleared, RetainAction::Refused] {
        for n in [0, 1, deliveries.len()] {
            all.push(Routed {
                from: id(),
                topic: "car/speed".into(),
                qos: QoS::AtLeastOnce,
                retain,
                deliveries: deliveries[..n].to_vec(),
                bytes: 2,
            });
        }
    }
    let mut seen = [false; EVENT_VARIANTS];
    for e in &all {
        seen[event_index(e)] = true;
        both(&e.text(Lang::Zh), &e.text(Lang::En), &format!("{e:?}"));
    }
    assert!(
        seen.iter().all(|s| *s),
        "variants without a sample: {:?}",
        seen.iter().enumerate().filter(|s| !s.1).map(|s| s.0).collect::<Vec<_>>()
    );
}

fn kind_index(k: &ErrorKind) -> usize {
    use ErrorKind::*;
    match k {
        ReservedPacketType(_) => 0,
        ReservedFlags { .. } => 1,
        QoS3 => 2,
        DupAtQoS0 => 3,
        RemainingLengthTooLong => 4,
        PacketTooLarge { .. } => 5,
        Truncated { .. } => 6,
        TrailingBytes(_) => 7,
        InvalidUtf8 { .. } => 8,
        NullCharacter { .. } => 9,
        WildcardInTopic => 10,
        WildcardInWillTopic => 11,
        EmptyTopic => 12,
        ZeroPacketId => 13,
        BadProtocolName(_) => 14,
        UnsupportedProtocolLevel(_) => 15,
        ConnectReservedFlag => 16,
        WillFlagsWithoutWill => 17,
        WillQoS3 => 18,
        PasswordWithoutUsername => 19,
        NoTopicFilters { .. } => 20,
        BadRequestedQoS(_) => 21,
        BadConnack => 22,
        BadSubackCode(_) => 23,
        ReservedReturnCode(_) => 24,
        NonMinimalVarint { .. } => 25,
        VarintTooLong { .. } => 26,
        UnknownProperty { .. } => 27,
        PropertyNotAllowed { .. } => 28,
        DuplicateProperty { .. } => 29,
        BadPropertyValue { .. } => 30,
        AuthDataWithoutMethod => 31,
        WildcardInResponseTopic => 32,
        EmptyTopicWithoutAlias => 33,
        SubscriptionOptionsReserved(_) => 34,
        RequestedQoS3 => 35,
        RetainHandling3 => 36,
        NoLocalOnSharedSubscription => 37,
        BadReasonCode { .. } => 38,
    }
}

#[test]
fn every_decode_error_speaks_both_languages() {
    use ErrorKind::*;
    let topic = mqtt_lab::proto::field::PUBLISH_TOPIC.name;
    let all = [
        ReservedPacketType(15),
        ReservedFlags { packet: "PUBREL", flags: 0, expected: 2 },
        QoS3,
        DupAtQoS0,
        RemainingLengthTooLong,
        PacketTooLarge { size: 300, max: 256 },
        Truncated { field: PACKET_BODY },
        TrailingBytes(3),
        InvalidUtf8 { field: topic },
        NullCharacter { field: topic },
        WildcardInTopic,
        WildcardInWillTopic,
        EmptyTopic,
        ZeroPacketId,
        BadProtocolName("MQTX".into()),
        UnsupportedProtocolLevel(5),
        ConnectReservedFlag,
        WillFlagsWithoutWill,
        WillQoS3,
        PasswordWithoutUsername,
        NoTopicFilters { packet: "SUBSCRIBE" },
        BadRequestedQoS(3),
        BadConnack,
        BadSubackCode(5),
        ReservedReturnCode(6),
        UnsupportedProtocolLevel(3),
        UnsupportedProtocolLevel(4),
        UnsupportedProtocolLevel(0),
        NonMinimalVarint { field: topic },
        VarintTooLong { field: topic },
        UnknownProperty { id: 0x2b, ctx: PropContext::Connect },
        PropertyNotAllowed { id: 0x23, ctx: PropContext::Will },
        DuplicateProperty { id: 0x11, ctx: PropContext::ConnAck },
        DuplicateProperty { id: 0x1f, ctx: PropContext::Disconnect },
        BadPropertyValue { id: 0x21, ctx: PropContext::Connect, value: 0 },
        BadPropertyValue { id: 0x24, ctx: PropContext::ConnAck, value: 2 },
        BadPropertyValue { id: 0x23, ctx: PropContext::Publish, value: 0 },
        AuthDataWithoutMethod,
        WildcardInResponseTopic,
        EmptyTopicWithoutAlias,
        SubscriptionOptionsReserved(0x40),
        RequestedQoS3,
        RetainHandling3,
        NoLocalOnSharedSubscription,
        BadReasonCode { packet: ReasonPacket::PubAck, code: 0x92 },
        BadReasonCode { packet: ReasonPacket::Auth, code: 0x87 },
    ];
    let mut seen = [false; 39];
    for k in all {
        seen[kind_index(&k)] = true;
        for version in [Protocol::V311, Protocol::V5] {
            let e = DecodeError::new(7, k.clone()).in_version(version);
            let (zh, en) = (e.message(Lang::Zh), e.message(Lang::En));
            both(&zh, &en, &format!("{e:?}"));
            assert!(zh.contains("第 7 字节") && en.contains("byte 7"), "{zh} / {en}");
            // A 5.0 error says that its rule is 5.0's: "(byte 7, MQTT-3.3.2-8 of 5.0)", "5.0 规范".
            let (of, zh_spec) = if e.is_v5() { (" of 5.0", " 5.0 规范") } else { ("", "规范") };
            match e.rule() {
                // A section without a numbered rule: "see §2.2.3" / "见规范 2.2.3 节".
                Some(s) if s.starts_with('§') => {
                    let n = s.trim_start_matches('§');
                    assert!(zh.contains(&format!("见{zh_spec} {n} 节")), "{zh}");
                    assert!(en.contains(&format!("see {s}{of})")), "{en}");
                }
                Some(rule) => {
                    assert!(zh.contains(rule) && en.contains(&format!("{rule}{of})")), "{zh} / {en}");
                    if e.is_v5() {
                        assert!(zh.contains(&format!("5.0 规范 {rule}")), "{zh}");
                    }
                }
                None => {}
            }
        }
    }
    assert!(seen.iter().all(|s| *s));
}

fn client_event_index(e: &ClientEvent) -> usize {
    use ClientEvent::*;
    match e {
        Connected { .. } => 0,
        Refused { .. } => 1,
        ConnectTimeout { .. } => 2,
        ConnectFailed => 3,
        SessionDiscarded { .. } => 4,
        Resent { .. } => 5,
        Message { .. } => 6,
        DuplicateQos2 { .. } => 7,
        Released { .. } => 8,
        PubAcked { .. } => 9,
        PubReceived { .. } => 10,
        PubCompleted { .. } => 11,
        UnexpectedAck { .. } => 12,
        Subscribed { .. } => 13,
        Unsubscribed { .. } => 14,
        KeepAlivePing { .. } => 15,
        PingResponse { .. } => 16,
        UnexpectedPingResp => 17,
        PingTimeout { .. } => 18,
        ConnectionLost => 19,
        Disconnected => 20,
        Dropped { .. } => 21,
        ProtocolViolation { .. } => 22,
        Frozen => 23,
        Thawed { .. } => 24,
        Refused5 { .. } => 25,
        ConnAckProps(_) => 26,
        PubRefused { .. } => 27,
        NoMatchingSubscribers { .. } => 28,
        ServerDisconnected { .. } => 29,
        Disconnected5 { .. } => 30,
        UnrequestedAuth => 31,
    }
}

#[test]
fn every_client_event_and_error_speaks_both_languages() {
    use ClientEvent::*;
    let id = pid(3);
    let mut all = vec![
        Connected { session_present: true },
        Connected { session_present: false },
        ConnectTimeout { waited: Duration::from_secs(15) },
        ConnectFailed,
        Resent { pid: id, pubrel: false, reconnect: true },
        Resent { pid: id, pubrel: true, reconnect: false },
        Message {
            topic: "car/speed".into(),
            payload: "60".into(),
            qos: QoS::AtLeastOnce,
            retain: true,
            dup: true,
            pid: Some(id),
            props: None,
        },
        Message {
            topic: "car/speed".into(),
            payload: "60".into(),
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
            pid: Some(id),
            props: Some(Box::new(MessageProps {
                message_expiry: Some(59),
                payload_utf8: Some(true),
                content_type: Some("text/plain".into()),
                response_topic: Some("car/answer".into()),
                correlation_data: Some("req-1".into()),
                user_properties: vec![("unit".into(), "km/h".into())],
                subscription_ids: vec![3],
                topic_alias: Some(2),
            })),
        },
        Message {
            topic: "car/speed".into(),
            payload: "".into(),
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
            pid: None,
            props: None,
        },
        DuplicateQos2 { pid: id },
        Released { pid: id, known: true },
        Released { pid: id, known: false },
        PubAcked { pid: id },
        PubReceived { pid: id },
        PubCompleted { pid: id },
        UnexpectedAck { packet: PacketType::PubAck, pid: id },
        Subscribed {
            pid: id,
            results: vec![
                SubResult {
                    filter: "a".into(),
                    requested: QoS::AtLeastOnce,
                    granted: Some(QoS::AtMostOnce),
                    reason: None,
                },
                SubResult { filter: "b/#/c".into(), requested: QoS::AtLeastOnce, granted: None, reason: None },
                SubResult {
                    filter: "c".into(),
                    requested: QoS::AtLeastOnce,
                    granted: None,
                    reason: Some(ReasonCode::NotAuthorized),
                },
            ],
        },
        Unsubscribed { pid: id, filters: vec!["a".into()], reasons: vec![] },
        Unsubscribed {
            pid: id,
            filters: vec!["a".into(), "b".into()],
            reasons: vec![ReasonCode::NoSubscriptionExisted, ReasonCode::NotAuthorized],
        },
        KeepAlivePing { keep_alive: 15, silence: Silence::Inbound },
        KeepAlivePing { keep_alive: 15, silence: Silence::Outbound },
        PingResponse { rtt: Duration::from_millis(3) },
        UnexpectedPingResp,
        PingTimeout { keep_alive: 15, waited: Duration::from_secs(15) },
        ConnectionLost,
        Disconnected,
        Dropped { packet: PacketType::Publish, reason: DropReason::TooLarge { size: 300, max: 256 } },
        Dropped { packet: PacketType::Publish, reason: DropReason::NotConnected },
        Frozen,
        Thawed { buffered: 2 },
        Refused5 { reason: ReasonCode::NotAuthorized, reason_string: Some("no".into()) },
        Refused5 { reason: ReasonCode::BadUserNameOrPassword, reason_string: None },
        ConnAckProps(Box::new(ServerProps {
            assigned_client_id: Some("auto-1".into()),
            server_keep_alive: Some((30, 60)),
            session_expiry: Some(100),
            receive_maximum: Some(10),
            maximum_qos: Some(QoS::AtLeastOnce),
            retain_available: Some(false),
            topic_alias_maximum: Some(5),
            maximum_packet_size: Some(1000),
            reason_string: Some("hello".into()),
            user_properties: vec![("a".into(), "b".into())],
        })),
        PubRefused {
            packet: PacketType::PubAck,
            pid: id,
            reason: ReasonCode::NotAuthorized,
            reason_string: Some("acl".into()),
        },
        PubRefused {
            packet: PacketType::PubComp,
            pid: id,
            reason: ReasonCode::PacketIdentifierNotFound,
            reason_string: None,
        },
        NoMatchingSubscribers { packet: PacketType::PubAck, pid: id },
        ServerDisconnected {
            reason: ReasonCode::SessionTakenOver,
            reason_string: Some("x".into()),
            server_reference: Some("other:1883".into()),
        },
        Disconnected5 { with_will: true, session_expiry: Some(0) },
        Disconnected5 { with_will: false, session_expiry: Some(300) },
        UnrequestedAuth,
    ];
    for code in (1..=5).filter_map(ConnectReturnCode::from_u8) {
        all.push(Refused { code });
    }
    for cause in [
        DiscardCause::CleanSession,
        DiscardCause::NoSessionOnServer,
        DiscardCause::NewClientId,
        DiscardCause::CleanStart,
        DiscardCause::SessionExpiryZero,
    ] {
        all.push(SessionDiscarded { cause, inflight: 1, awaiting_pubrel: 2, subscriptions: 3 });
    }
    for violation in [
        Violation::NotConnAckFirst,
        Violation::SecondConnAck,
        Violation::ClientOnlyPacket,
        Violation::SessionPresentWithCleanSession,
        Violation::SubAckCodeCount { filters: 2, codes: 1 },
        Violation::UnsubAckCodeCount { filters: 2, codes: 1 },
        Violation::UnknownTopicAlias { alias: 3 },
        Violation::TopicAliasTooLarge { alias: 9, max: 2 },
        Violation::PacketTooLarge { size: 300, max: 100 },
    ] {
        all.push(ProtocolViolation { packet: PacketType::SubAck, violation });
    }
    let mut seen = [false; 32];
    for e in &all {
        seen[client_event_index(e)] = true;
        both(&e.text(Lang::Zh), &e.text(Lang::En), &format!("{e:?}"));
    }
    assert!(seen.iter().all(|s| *s));

    use ClientError as E;
    let errors = [
        E::NotConnected,
        E::AlreadyConnected,
        E::Frozen,
        E::QosNotSupported { qos: QoS::AtLeastOnce, max: QoS::AtMostOnce, subscribe: false },
        E::QosNotSupported { qos: QoS::ExactlyOnce, max: QoS::AtLeastOnce, subscribe: true },
        E::PacketTooLarge { packet: PacketType::Publish, size: 300, max: 256 },
        E::InvalidTopic { topic: "a/+".into(), rule: "MQTT-3.3.2-2" },
        E::InvalidFilter { filter: "a#".into(), rule: "MQTT-4.7.1-2" },
        E::NoFilters { unsubscribe: false },
        E::NoFilters { unsubscribe: true },
        E::StringTooLong { len: 70_000 },
        E::NoPacketIds,
        E::NeedsV5 { what: "Message Expiry Interval" },
        E::BrokerMaxQos { qos: QoS::ExactlyOnce, max: QoS::AtLeastOnce },
        E::RetainNotAvailable,
        E::ReceiveMaximum { max: 2 },
        E::NoTopicAlias,
        E::TooLargeForBroker { packet: PacketType::Publish, size: 300, max: 100 },
        E::SessionExpiryWasZero,
    ];
    for e in &errors {
        // Exhaustive: a new error is a compile error here until it has a sample above.
        match e {
            E::NotConnected
            | E::AlreadyConnected
            | E::Frozen
            | E::QosNotSupported { .. }
            | E::PacketTooLarge { .. }
            | E::InvalidTopic { .. }
            | E::InvalidFilter { .. }
            | E::NoFilters { .. }
            | E::StringTooLong { .. }
            | E::NoPacketIds
            | E::NeedsV5 { .. }
            | E::BrokerMaxQos { .. }
            | E::RetainNotAvailable
            | E::ReceiveMaximum { .. }
            | E::NoTopicAlias
            | E::TooLargeForBroker { .. }
            | E::SessionExpiryWasZero => {}
        }
        both(&e.text(Lang::Zh), &e.text(Lang::En), &format!("{e:?}"));
    }
}

#[test]
fn return_codes_and_start_errors_speak_both_languages() {
    for code in (0..=5).filter_map(ConnectReturnCode::from_u8) {
        both(code.describe(Lang::Zh), code.describe(Lang::En), &format!("{code:?}"));
    }
    use std::io::ErrorKind as K;
    for kind in [K::AddrInUse, K::AddrNotAvailable, K::PermissionDenied, K::Other] {
        let e = mqtt_lab::runtime::StartError {
            addr: "127.0.0.1:1883".parse().unwrap(),
            error: std::io::Error::new(kind, "boom"),
            free: Some("127.0.0.1:1884".parse().unwrap()),
        };
        both(&e.message(Lang::Zh), &e.message(Lang::En), &format!("{kind:?}"));
    }
}

// ---- 3. a learner's session --------------------------------------------------------------------

/// The app over the in-memory world: what the learner types goes through the app's parser and
/// marks to the world, and everything the world reports comes back to the app.
struct Session {
    world: World,
    app: App,
}

impl Session {
    fn new() -> Session {
        let mut world =
            World::new(broker::Config { narrate_messages: true, ..broker::Config::default() }, Instant::now());
        for (name, zh) in [("car", "汽车"), ("phone", "手机"), ("computer", "电脑")] {
            world.add(name, Some(zh), options_from(name, &ConnectOpts::default()));
            world.apply(LabCmd::Client { id: 0, name: name.into(), cmd: ClientCmd::Connect(ConnectOpts::default()) });
        }
        let mut s = Session { world, app: App::new(Lang::En, 1000) };
        s.sync();
        s
    }

    fn sync(&mut self) {
        for e in self.world.take_events() {
            self.app.update(Msg::World(e));
        }
        self.app.update(Msg::World(WorldEvent::BrokerState(self.world.broker_view())));
    }

    fn act(&mut self, a: Action) {
        for e in self.app.update(Msg::Action(a)) {
            if let Some(c) = e.lab_cmd() {
                self.world.apply(c);
            }
        }
        self.sync();
    }

    fn type_line(&mut self, line: &str) {
        for c in line.chars() {
            self.act(Action::Input(c));
        }
        self.act(Action::Submit);
        self.act(Action::Cancel);
    }

    fn wait(&mut self, secs: f64) {
        self.world.advance(Duration::from_secs_f64(secs));
        self.sync();
    }
}

/// A text that is the same in both languages must not hold English words the learner reads
/// (technical names, topics and values are the same in both).
fn same_is_fine(zh: &str, en: &str, what: &str) {
    if zh != en {
        return;
    }
    // Quoted strings are the learner's own data (topics, payloads).
    let unquoted: String = zh.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    let zh = unquoted.as_str();
    for w in ["byte", "bytes", "chars", "clean", "user", "will", "retained", "offline", "queued", "dropped"] {
        assert!(!zh.split(|c: char| !c.is_alphanumeric()).any(|x| x == w), "{what}: {zh:?} has the English word {w:?}");
    }
}

#[test]
fn everything_a_learner_sees_in_a_session_is_in_both_languages() {
    let mut s = Session::new();
    for line in [
        "phone sub car/# -q 1",
        "computer sub car/+ -q 0",
        "car pub car/speed 60 -q 1",
        "car pub car/speed 61 -q 2",
        "car pub car/ac/temp 22 -r",
        "step on",
        "car pub car/speed 70 -q 1",
        "drop",
        "next",
        "car pub car/speed 71 -q 2",
        "next",
        "cutheld",
        "step off",
        "next",
        "car connect --keepalive 2 --will-topic car/status --will-msg offline --will-qos 1",
        "phone unsub car/#",
        "phone sub car/status -q 1",
        "car cut",
    ] {
        s.type_line(line);
        s.wait(0.2);
    }
    s.wait(4.0);
    for line in [
        "car connect",
        "new esp --clean false --keepalive 15",
        "esp sub esp/led -q 1",
        "esp disconnect",
        "car pub esp/led on -q 1",
        "car pub esp/led off",
        "esp connect --clean false --keepalive 15",
        "car pub home/+/temp 3",
        "phone pub \"\" x",
        "computer sub a/#/b",
        "computer freeze",
        "car pub car/speed 80",
        "computer thaw",
        "computer disconnect",
        "computer pub car/speed 1",
        "rm esp",
        "nobody pub a b",
        "car pub",
        "car pub a b -q 7",
        "car connect --keepalive x",
        "car connect --what",
        "filter type NOPE",
        "car sub",
    ] {
        s.type_line(line);
        s.wait(0.3);
    }
    s.wait(1.0);
    let app = &s.app;
    assert!(app.narration.len() > 30, "{} lines", app.narration.len());
    for (_, n) in &app.narration {
        both(&n.text(Lang::Zh), &n.text(Lang::En), &format!("narration {n:?}"));
    }
    assert!(app.marks.list.len() >= 20, "{} marks", app.marks.list.len());
    for m in &app.marks.list {
        both(&m.status(Lang::Zh), &m.status(Lang::En), &format!("mark {m:?}"));
        if let Some(w) = &m.warning {
            both(&w.zh, &w.en, "warning");
        }
    }
    for c in &app.clients {
        both(&c.state.zh, &c.state.en, &format!("state of {}", c.name));
    }
    let mut fields = 0;
    for r in &app.inspector.frames {
        same_is_fine(&r.summary_in(Lang::Zh), &r.summary_in(Lang::En), "summary");
        let (_, spans) = r.spans();
        for sp in &spans {
            fields += 1;
            both(sp.field.label(Lang::Zh), sp.field.label(Lang::En), sp.field.key);
            same_is_fine(&sp.value_in(Lang::Zh), &sp.value_in(Lang::En), sp.field.key);
        }
    }
    assert!(fields > 200, "{fields} fields");
    // The command line's own mistakes, too.
    let mut bad = 0;
    for line in ["nobody pub a b", "car pub", "car pub a b -q 7", "car connect --what", "filter client", "lang fr"] {
        let mut s2 =
            Session { world: World::new(broker::Config::default(), Instant::now()), app: App::new(Lang::En, 10) };
        s2.app.update(Msg::World(WorldEvent::Client(mqtt_lab::app::ClientView {
            name: "car".into(),
            ..Default::default()
        })));
        for c in line.chars() {
            s2.act(Action::Input(c));
        }
        s2.act(Action::Submit);
        if let Some(e) = &s2.app.cmd.error {
            bad += 1;
            both(&e.zh, &e.en, line);
        }
    }
    assert_eq!(bad, 6);
}
