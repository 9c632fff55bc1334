//! The broker inside your own program: start it on a loopback port, print its narration in 中文 and
//! English, and publish one message through it with a raw client. Run with
//! `cargo run --example embedded_broker`.

use mqtt_lab::broker::Config;
use mqtt_lab::i18n::Lang;
use mqtt_lab::proto::{Connect, Packet, Publish, QoS, QosPid, Subscribe};
use mqtt_lab::runtime::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = ServerConfig {
        listen: vec!["127.0.0.1:0".parse()?],
        broker: Config { narrate_messages: true, ..Config::default() },
        tap_capacity: None,
    };
    let mut server = Server::start(config).await?;
    let addr = server.local_addrs()[0];
    let mut events = server.take_events().expect("the first receiver");
    println!("broker on {addr}");

    // phone subscribes to 汽车速度, car publishes 60 to it.
    let mut phone = TcpStream::connect(addr).await?;
    phone.write_all(&Packet::Connect(Box::new(Connect::new("phone"))).to_bytes()).await?;
    let pid = mqtt_lab::proto::PacketId::new(1).expect("1 is not 0");
    phone
        .write_all(
            &Packet::Subscribe(Subscribe { pid, filters: vec![("汽车速度".into(), QoS::AtMostOnce)] }).to_bytes(),
        )
        .await?;
    let mut car = TcpStream::connect(addr).await?;
    car.write_all(&Packet::Connect(Box::new(Connect::new("car"))).to_bytes()).await?;
    // Give the subscription a moment to land before publishing.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let publish = Publish { qos_pid: QosPid::AtMostOnce, ..Publish::new("汽车速度", "60") };
    car.write_all(&Packet::Publish(publish).to_bytes()).await?;
    car.write_all(&Packet::Disconnect.to_bytes()).await?;

    // What phone received: CONNACK, SUBACK, then the PUBLISH.
    let mut buf = vec![0u8; 256];
    let mut got = Vec::new();
    while !got.windows(2).any(|w| w == b"60") {
        let n = phone.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    println!("phone received {} bytes: {:02x?}", got.len(), got);

    // The broker's decisions, in both languages.
    while let Ok(e) = events.try_recv() {
        println!("[{:.3} s] {}\n  {}", e.0.as_secs_f64(), e.1.text(Lang::En), e.1.text(Lang::Zh));
    }
    Ok(())
}
