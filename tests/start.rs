//! Starting the broker on an address that cannot be used: the message names the address and, for a
//! port in use, suggests one that was really free (not just the next number).

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
