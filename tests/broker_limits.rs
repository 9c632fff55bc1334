//! What one client can make the broker hold, and what a flood does: on real loopback sockets, with
//! frames built here byte by byte. Nothing may crash the broker, a subscriber that keeps reading loses
//! nothing (the publishers feeding it are slowed instead), and clients that stop reading hold only a
//! bounded number of bytes.

#[path = "support/helpers.rs"]
mod support;

use mqtt_lab::broker::{Config, Event, SubscribeRefusal};
use std::net::SocketAddr;
use std::time::Duration;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// SUBSCRIBE (id 1) to one filter at QoS 0, built by hand: 82 | varint | 00 01 | len filter | 00.
fn subscribe_frame(filter: &str) -> Vec<u8> {
    let mut body = vec![0x00, 0x01];
    body.extend_from_slice(&(filter.len() as u16).to_be_bytes());
    body.extend_from_slice(filter.as_bytes());
    body.push(0x00);
    let mut f = vec![0x82];
    f.extend(varint(body.len()));
    f.extend(body);
    f
}

/// UNSUBSCRIBE (id 2) of one filter: a2 | varint | 00 02 | len filter.
fn unsubscribe_frame(filter: &str) -> Vec<u8> {
    let mut body = vec![0x00, 0x02];
    body.extend_from_slice(&(filter.len() as u16).to_be_bytes());
    body.extend_from_slice(filter.as_bytes());
    let mut f = vec![0xa2];
    f.extend(varint(body.len()));
    f.extend(body);
    f
}

/// A QoS 0 PUBLISH of `topic` with `payload`, built by hand.
fn publish0(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = (topic.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(topic.as_bytes());
    body.extend_from_slice(payload);
    let mut f = vec![0x30];
    f.extend(varint(body.len()));
    f.extend(body);
    f
}

/// Nothing that walks a topic or a filter recurses: the filters of the crash report (8,151 levels,
/// and 65,535 levels in a 65,535-byte filter) are refused with SUBACK 0x80, UNSUBSCRIBE of one and a
/// 65,535-level PUBLISH are handled, DISCONNECT is ordinary, and the broker routes for everyone else.
#[tokio::test]
async fn filters_and_topics_of_any_depth_never_crash_the_broker() {
    let (server, addr) = broker(config()).await;
    let mut events = server.events();
    let mut probe = Probe::new(addr).await;
    let mut all = Raw::connect(addr, &Conn::new("all")).await;
    all.subscribe(1, "#", 0).await;

    let mut deep = Raw::connect(addr, &Conn::new("deep")).await;
    deep.send(&subscribe_frame(&format!("{}#", "/".repeat(8_150)))).await;
    deep.expect("90 03 00 01 80").await;
    let reason = wait_event(&mut events, |e| match e {
        Event::SubscribeRefused { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason, SubscribeRefusal::TooManyLevels { levels: 8_151, limit: 128 });
    deep.disconnect().await;
    probe.check().await;

    let mut deeper = Raw::connect(addr, &Conn::new("deeper")).await;
    let widest = format!("{}#", "/".repeat(65_534));
    assert_eq!(widest.len(), 65_535);
    deeper.send(&subscribe_frame(&widest)).await;
    deeper.expect("90 03 00 01 80").await;
    deeper.send(&unsubscribe_frame(&widest)).await;
    deeper.expect("b0 02 00 02").await;
    let topic = format!("{}x", "/".repeat(65_533));
    let frame = publish0(&topic, b"deep");
    deeper.send(&frame).await;
    loop {
        let got = all.recv().await;
        if got.len() > 60_000 {
            assert!(got == frame, "the # subscriber gets the 65,535-level message as it was sent");
            break;
        }
    }
    deeper.disconnect().await;
    probe.check().await;
    assert_eq!(server.with_broker(|b| b.subscriptions().len()), 3, "only the probe's and #");
}

/// [MQTT-4.7.3-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.8.0-1] UNSUBSCRIBE with an invalid filter
/// is closed, not acknowledged; other clients go on.
#[tokio::test]
async fn unsubscribe_of_an_invalid_filter_is_a_protocol_violation() {
    let (_server, addr) = broker(config()).await;
    let mut probe = Probe::new(addr).await;
    for bad in ["", "a+", "#/b"] {
        let mut c = Raw::connect(addr, &Conn::new("c")).await;
        c.send(&unsubscribe_frame(bad)).await;
        c.expect_closed().await;
        probe.check().await;
    }
}

/// Reads PUBLISH frames from `stream` until `want` have arrived; returns their payloads in order.
/// Sleeps `pause` after each read, like a subscriber on a slow link.
async fn read_publishes(stream: &mut TcpStream, want: usize, pause: Duration) -> Vec<Vec<u8>> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut tmp = vec![0u8; 16 * 1024];
    while out.len() < want {
        while let Some((b1, hl, len)) = split_header(&buf) {
            if buf.len() < hl + len {
                break;
            }
            let frame: Vec<u8> = buf.drain(..hl + len).collect();
            assert_eq!(b1 >> 4, 3, "only PUBLISH expected here");
            let tl = u16::from_be_bytes([frame[hl], frame[hl + 1]]) as usize;
            out.push(frame[hl + 2 + tl..].to_vec());
        }
        if out.len() >= want {
            break;
        }
        let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut tmp))
            .await
            .unwrap_or_else(|_| panic!("only {} of {want} messages arrived", out.len()))
            .expect("read");
        assert!(n > 0, "the broker closed the subscriber after {} of {want}", out.len());
        buf.extend_from_slice(&tmp[..n]);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    out
}

/// A raw CONNECT (3.1.1, clean, keep alive 60) for `id`; returns the stream after CONNACK 0.
async fn raw_client(addr: SocketAddr, id: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    connect_as(&mut s, id).await;
    s
}

/// Like [`raw_client`], with a small receive buffer, so that the kernel holds little for it and the
/// broker's own backlog shows how fast it reads.
async fn small_window_client(addr: SocketAddr, id: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(addr).await.expect("connect");
    connect_as(&mut s, id).await;
    s
}

async fn connect_as(s: &mut TcpStream, id: &str) {
    s.set_nodelay(true).unwrap();
    s.write_all(&Conn::new(id).bytes()).await.unwrap();
    let mut ack = [0u8; 4];
    s.read_exact(&mut ack).await.unwrap();
    assert_eq!(ack, [0x20, 0x02, 0x00, 0x00]);
}

/// Four publishers flood one subscriber that reads slowly, with a small output limit: every message
/// arrives, in order per publisher, because the broker stops reading the publishers while the
/// subscriber is behind (and says so) instead of dropping messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_keeps_reading_loses_nothing() {
    let (server, addr) = broker(Config { max_buffered_bytes: 256 * 1024, ..Config::default() }).await;
    let mut events = server.events();
    let mut sub = small_window_client(addr, "sub").await;
    sub.write_all(&subscribe_frame("flood/#")).await.unwrap();
    let mut ack = [0u8; 5];
    sub.read_exact(&mut ack).await.unwrap();
    assert_eq!(ack, [0x90, 0x03, 0x00, 0x01, 0x00]);
    const PER: usize = 20_000;
    let mut pubs = Vec::new();
    for p in 0..4u8 {
        let mut s = raw_client(addr, &format!("pub{p}")).await;
        pubs.push(tokio::spawn(async move {
            let mut batch = Vec::new();
            for i in 0..PER as u32 {
                let mut payload = vec![p];
                payload.extend_from_slice(&i.to_be_bytes());
                payload.resize(64, b'.');
                batch.extend(publish0(&format!("flood/{p}"), &payload));
                if batch.len() > 32 * 1024 {
                    s.write_all(&batch).await.unwrap();
                    batch.clear();
                }
            }
            s.write_all(&batch).await.unwrap();
            s
        }));
    }
    let got = read_publishes(&mut sub, 4 * PER, Duration::from_micros(300)).await;
    let mut next = [0u32; 4];
    for m in &got {
        let (p, i) = (m[0] as usize, u32::from_be_bytes([m[1], m[2], m[3], m[4]]));
        assert_eq!(i, next[p], "publisher {p}: message {i} came when {} was due", next[p]);
        next[p] += 1;
    }
    assert_eq!(next, [PER as u32; 4]);
    for p in pubs {
        p.await.unwrap();
    }
    // The broker said why the publishers waited.
    wait_event(&mut events, |e| matches!(e, Event::Throttled { .. }).then_some(())).await;
    assert!(server.with_broker(|b| b.stats().dropped) == 0);
}

/// QoS 1 into a client with a small queue and window: the client keeps acknowledging, so the
/// publishers wait rather than its queue overflowing; all messages arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qos1_subscriber_that_keeps_acknowledging_loses_nothing() {
    let (server, addr) =
        broker(Config { max_queued: 20, max_inflight: 4, narrate_messages: false, ..Config::default() }).await;
    let mut sub = raw_client(addr, "sub").await;
    // SUBSCRIBE id 1, "q1/#" at QoS 1.
    sub.write_all(&hex("82 09 00 01 00 04 71 31 2f 23 01")).await.unwrap();
    let mut ack = [0u8; 5];
    sub.read_exact(&mut ack).await.unwrap();
    assert_eq!(ack, [0x90, 0x03, 0x00, 0x01, 0x01]);
    const PER: u16 = 2_000;
    let mut pubs = Vec::new();
    for p in 0..3u8 {
        let mut s = raw_client(addr, &format!("p{p}")).await;
        pubs.push(tokio::spawn(async move {
            let (mut r, mut w) = s.split();
            let reader = async {
                // Drain the PUBACKs.
                let mut n = 0;
                let mut tmp = [0u8; 4096];
                while n < PER as usize * 4 {
                    let k = r.read(&mut tmp).await.unwrap();
                    assert!(k > 0);
                    n += k;
                }
            };
            let writer = async {
                for i in 1..=PER {
                    // PUBLISH QoS 1 "q1/p" id i, payload [p, hi, lo]
                    let mut f = vec![0x32, 0x0b, 0x00, 0x04, b'q', b'1', b'/', b'0' + p];
                    f.extend_from_slice(&i.to_be_bytes());
                    f.extend_from_slice(&[p]);
                    f.extend_from_slice(&i.to_be_bytes());
                    w.write_all(&f).await.unwrap();
                }
            };
            tokio::join!(reader, writer);
        }));
    }
    // The subscriber acknowledges every PUBLISH as it reads it.
    let mut buf = Vec::new();
    let mut tmp = vec![0u8; 8192];
    let mut next = [1u16; 3];
    let mut got = 0;
    while got < 3 * PER as usize {
        let n = tokio::time::timeout(Duration::from_secs(20), sub.read(&mut tmp))
            .await
            .unwrap_or_else(|_| panic!("only {got} messages arrived"))
            .unwrap();
        assert!(n > 0, "closed after {got}");
        buf.extend_from_slice(&tmp[..n]);
        let mut acks = Vec::new();
        while let Some((b1, hl, len)) = split_header(&buf) {
            if buf.len() < hl + len {
                break;
            }
            let f: Vec<u8> = buf.drain(..hl + len).collect();
            assert_eq!(b1 & 0xf6, 0x32, "QoS 1 PUBLISH expected");
            let tl = u16::from_be_bytes([f[hl], f[hl + 1]]) as usize;
            let pid = &f[hl + 2 + tl..hl + 4 + tl];
            let payload = &f[hl + 4 + tl..];
            let (p, i) = (payload[0] as usize, u16::from_be_bytes([payload[1], payload[2]]));
            assert_eq!(i, next[p], "publisher {p}");
            next[p] += 1;
            got += 1;
            acks.extend_from_slice(&[0x40, 0x02, pid[0], pid[1]]);
        }
        sub.write_all(&acks).await.unwrap();
    }
    for p in pubs {
        p.await.unwrap();
    }
    assert_eq!(server.with_broker(|b| b.stats().dropped), 0, "no queue overflowed");
}

/// Six subscribers that never read: publishers are held for them only until they count as stopped,
/// then their QoS 0 messages are dropped (and narrated) and the bytes the broker keeps for them stay
/// small, while a seventh subscriber that reads gets every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_that_never_read_hold_only_a_bounded_backlog() {
    let (server, addr) = broker(Config::default()).await;
    let mut events = server.events();
    let mut stuck = Vec::new();
    for i in 0..6 {
        let mut s = small_window_client(addr, &format!("stuck{i}")).await;
        s.write_all(&subscribe_frame("big")).await.unwrap();
        let mut ack = [0u8; 5];
        s.read_exact(&mut ack).await.unwrap();
        stuck.push(s); // never read again
    }
    let mut reader = raw_client(addr, "reader").await;
    reader.write_all(&subscribe_frame("big")).await.unwrap();
    let mut ack = [0u8; 5];
    reader.read_exact(&mut ack).await.unwrap();
    const N: usize = 6_000;
    let mut publ = raw_client(addr, "pub").await;
    let sender = tokio::spawn(async move {
        let payload = vec![b'x'; 4096];
        let mut peak = 0;
        for i in 0..N {
            let mut p = payload.clone();
            p[..4].copy_from_slice(&(i as u32).to_be_bytes());
            publ.write_all(&publish0("big", &p)).await.unwrap();
            peak = peak.max(i);
        }
        publ
    });
    let got = read_publishes(&mut reader, N, Duration::ZERO).await;
    for (i, m) in got.iter().enumerate() {
        assert_eq!(u32::from_be_bytes([m[0], m[1], m[2], m[3]]) as usize, i, "the reading subscriber lost nothing");
    }
    let _publ = tokio::time::timeout(Duration::from_secs(20), sender).await.expect("the publisher finishes").unwrap();
    let held = server.buffered_bytes();
    assert!(held <= 6 * 2 * 1024 * 1024, "{held} bytes held for six clients that never read");
    let mut slow = std::collections::HashSet::new();
    while slow.len() < 6 {
        let c = wait_event(&mut events, |e| match e {
            Event::SlowConsumer { client_id, .. } => Some(client_id.clone()),
            _ => None,
        })
        .await;
        slow.insert(c);
    }
    assert!(server.with_broker(|b| b.stats().delivered) >= N as u64);
    drop(stuck);
}
