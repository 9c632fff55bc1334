//! Starting the broker on an address that cannot be used: the message names the address and, for a
//! port in use, suggests one that was really free (not just the next number). And once started, a
//! client of this machine is not announced as a device from the network.

use mqtt_lab::broker::Config;
use mqtt_lab::i18n::Lang;
use mqtt_lab::runtime::{Server, ServerConfig};
use std::net::{SocketAddr, TcpListener};

/// Two neighbouring ports taken by this test: (port, port + 1).
fn two_taken_ports() -> (TcpListener, TcpListener, u16) {
    for _ in 0..50 {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p == u16::MAX {
            continue;
        }
        if let Ok(b) = TcpListener::bind(("127.0.0.1", p + 1)) {
            return (a, b, p);
        }
    }
    panic!("no two neighbouring free ports on loopback");
}

#[tokio::test]
async fn a_port_in_use_is_named_and_a_free_one_suggested() {
    let (_a, _b, port) = two_taken_ports();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let config = ServerConfig { listen: vec![addr], broker: Config::default(), tap_capacity: None };
    let Err(e) = Server::start(config).await else { panic!("started on a port in use") };
    let en = e.message(Lang::En);
    let zh = e.message(Lang::Zh);
    assert!(en.contains(&addr.to_string()) && en.contains("already in use"), "{en}");
    assert!(zh.contains(&addr.to_string()) && zh.contains("已被占用"), "{zh}");
    let free = e.free.expect("a free port is suggested");
    assert_ne!(free.port(), port + 1, "the next port is taken too; it must not be suggested");
    assert!(en.contains(&format!("--listen {free}")) && zh.contains(&format!("--listen {free}")), "{en}\n{zh}");
    // It really is free: the broker starts there.
    let config = ServerConfig { listen: vec![free], broker: Config::default(), tap_capacity: None };
    let server = Server::start(config).await.expect("the suggested port works");
    assert_eq!(server.local_addrs(), &[free]);
}

/// A client of this machine is not announced as a device: the broker says `Connected`, and nothing
/// after it (the announcement would follow at once, in the same dispatch).
#[tokio::test]
async fn a_loopback_client_is_not_announced() {
    use mqtt_lab::broker::Event;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config =
        ServerConfig { listen: vec![([127, 0, 0, 1], 0).into()], broker: Config::default(), tap_capacity: None };
    let mut server = Server::start(config).await.expect("start");
    let mut events = server.take_events().expect("events");
    let addr = server.local_addrs()[0];
    let mut socks = Vec::new();
    for id in [b'a', b'b'] {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        // CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id of one letter.
        s.write_all(&[0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 1, id]).await.expect("send");
        let mut ack = [0u8; 4];
        tokio::time::timeout(std::time::Duration::from_secs(5), s.read_exact(&mut ack))
            .await
            .expect("in time")
            .expect("read");
        assert_eq!(ack, [0x20, 2, 0, 0]);
        socks.push(s);
    }
    let mut seen = Vec::new();
    while seen.iter().filter(|e| matches!(e, Event::Connected { .. })).count() < 2 {
        let (_, e) = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("in time")
            .expect("event");
        seen.push(e);
    }
    assert!(!seen.iter().any(|e| matches!(e, Event::DeviceJoined { .. })), "{seen:?}");
}
