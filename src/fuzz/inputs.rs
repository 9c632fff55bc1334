//! Inputs for the fuzzers: a small deterministic random generator, random well-formed packets
//! (with the shapes that have broken brokers: very deep filters and topics, many filters, every
//! QoS and flag), mutations of their bytes, and plain random bytes.

use crate::proto::{
    Connect, Packet, PacketId, Protocol, Publish, QoS, QosPid, SubAck, SubAckCode, Subscribe, Unsubscribe, Will,
};
use bytes::Bytes;

/// SplitMix64: small, fast and the same sequence for the same seed on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
    /// Up to `max - 1` random bytes.
    pub fn some_bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max);
        self.bytes(n)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const LEVELS: &[&str] = &["car", "speed", "汽车速度", "home", "", "a", "$SYS", "sensor-1", "x y", "phone"];

/// A topic name: a few levels, sometimes very many (up to the 65,535-byte limit).
pub fn topic(rng: &mut Rng) -> String {
    match rng.below(400) {
        0 => "/".repeat(1 + rng.below(65_534)),
        1 => format!("{}x", "a/".repeat(rng.below(20_000))),
        2..=19 => "/".repeat(1 + rng.below(300)),
        _ => {
            let n = 1 + rng.below(5);
            let t: Vec<&str> = (0..n).map(|_| *rng.pick(LEVELS)).collect();
            let t = t.join("/");
            if t.is_empty() { "t".into() } else { t }
        }
    }
}

/// A topic filter, valid most of the time, sometimes with thousands of levels or invalid wildcards.
pub fn filter(rng: &mut Rng) -> String {
    match rng.below(500) {
        0 => format!("{}#", "/".repeat(8_150)),
        1 => format!("{}#", "/".repeat(rng.below(65_534))),
        2 => "+/".repeat(rng.below(3_000)) + "#",
        3..=20 => "+/".repeat(rng.below(200)) + "#",
        21..=40 => (*rng.pick(&["", "a+", "#/b", "a/#/b", "+a", "##"])).to_string(),
        _ => {
            let n = 1 + rng.below(4);
            let mut levels: Vec<String> = (0..n)
                .map(|_| match rng.below(6) {
                    0 => "+".to_string(),
                    _ => (*rng.pick(LEVELS)).to_string(),
                })
                .collect();
            if rng.chance(30) {
                levels.push("#".into());
            }
            let f = levels.join("/");
            if f.is_empty() { "#".into() } else { f }
        }
    }
}

fn qos(rng: &mut Rng) -> QoS {
    *rng.pick(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
}

fn pid(rng: &mut Rng) -> PacketId {
    PacketId::new(1 + rng.below(65_535) as u16).expect("not 0")
}

fn client_id(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => String::new(),
        1 => "#".into(),
        2 => "x".repeat(rng.below(300)),
        _ => format!("fuzz-{}", rng.below(50)),
    }
}

/// A CONNECT with random options.
pub fn connect(rng: &mut Rng) -> Connect {
    let mut c = Connect::new(client_id(rng));
    c.protocol = if rng.chance(15) { Protocol::V31 } else { Protocol::V311 };
    c.clean_session = rng.chance(60);
    if c.client_id.is_empty() && rng.chance(80) {
        c.clean_session = true;
    }
    c.keep_alive = *rng.pick(&[0, 1, 2, 15, 60, 65_535]);
    if rng.chance(30) {
        let mut t = topic(rng);
        t.truncate(200);
        while !t.is_char_boundary(t.len()) {
            t.pop();
        }
        c.will = Some(Will {
            topic: if t.is_empty() { "will".into() } else { t },
            message: Bytes::from(rng.some_bytes(64)),
            qos: qos(rng),
            retain: rng.chance(30),
        });
    }
    if rng.chance(20) {
        c.username = Some("user".into());
        if rng.chance(70) {
            c.password = Some(Bytes::from(rng.some_bytes(20)));
        }
    }
    c
}

/// A random well-formed packet of any of the 14 types.
pub fn packet(rng: &mut Rng) -> Packet {
    match rng.below(16) {
        0 => Packet::Connect(Box::new(connect(rng))),
        1 => Packet::ConnAck(crate::proto::ConnAck {
            session_present: rng.chance(50),
            code: *rng
                .pick(&[crate::proto::ConnectReturnCode::Accepted, crate::proto::ConnectReturnCode::NotAuthorized]),
        }),
        2..=5 => {
            let q = qos(rng);
            Packet::Publish(Publish {
                dup: q != QoS::AtMostOnce && rng.chance(20),
                qos_pid: QosPid::from_qos(q, pid(rng)),
                retain: rng.chance(20),
                topic: topic(rng).into(),
                payload: Bytes::from(if rng.below(300) == 0 { rng.bytes(70_000) } else { rng.some_bytes(80) }),
            })
        }
        6 => Packet::PubAck(pid(rng)),
        7 => Packet::PubRec(pid(rng)),
        8 => Packet::PubRel(pid(rng)),
        9 => Packet::PubComp(pid(rng)),
        10 | 11 => {
            let n = if rng.below(200) == 0 { 1 + rng.below(2_000) } else { 1 + rng.below(4) };
            Packet::Subscribe(Subscribe { pid: pid(rng), filters: (0..n).map(|_| (filter(rng), qos(rng))).collect() })
        }
        12 => Packet::SubAck(SubAck {
            pid: pid(rng),
            codes: (0..1 + rng.below(4))
                .map(|_| if rng.chance(20) { SubAckCode::Failure } else { SubAckCode::Granted(qos(rng)) })
                .collect(),
        }),
        13 => Packet::Unsubscribe(Unsubscribe {
            pid: pid(rng),
            filters: (0..1 + rng.below(3)).map(|_| filter(rng)).collect(),
        }),
        14 => Packet::UnsubAck(pid(rng)),
        _ => rng.pick(&[Packet::PingReq, Packet::PingResp, Packet::Disconnect]).clone(),
    }
}

/// The bytes of `p`, or of a PINGREQ when `p` cannot be encoded (a random filter may be too long).
pub fn encode(p: &Packet) -> Vec<u8> {
    match p.check_encodable() {
        Ok(()) => p.to_bytes().to_vec(),
        Err(_) => vec![0xc0, 0x00],
    }
}

/// Changes a few bytes of `frame`: bit flips, overwrites, inserts, deletes, a cut, a corrupted
/// length (the remaining length, or a string length inside).
pub fn mutate(rng: &mut Rng, frame: &mut Vec<u8>) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if frame.is_empty() {
            frame.push(rng.byte());
            continue;
        }
        let at = rng.below(frame.len());
        match rng.below(8) {
            0 | 1 => frame[at] ^= 1 << rng.below(8),
            2 => frame[at] = rng.byte(),
            3 => frame.insert(at, rng.byte()),
            4 => {
                frame.remove(at);
            }
            5 => frame.truncate(at),
            6 if frame.len() > 1 => frame[1] = *rng.pick(&[0x00, 0x7f, 0x80, 0xff, frame[1].wrapping_add(1)]),
            _ => {
                // A 2-byte length somewhere in the body.
                if frame.len() > at + 1 {
                    let v = *rng.pick(&[0u16, 1, 0xffff, 0x7fff]);
                    frame[at..at + 2].copy_from_slice(&v.to_be_bytes());
                }
            }
        }
    }
}

/// One decoder input: a valid frame, a mutated one, or random bytes behind a packet type.
pub fn input(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => {
            let n = rng.below(24);
            rng.bytes(n)
        }
        1 => {
            let mut b = vec![(1 + rng.below(14) as u8) << 4 | (rng.byte() & 0x0f)];
            let body = rng.some_bytes(40);
            varint(&mut b, body.len());
            b.extend(body);
            b
        }
        2 | 3 => encode(&packet(rng)),
        _ => {
            let mut b = encode(&packet(rng));
            mutate(rng, &mut b);
            b
        }
    }
}

fn varint(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_makes_every_packet_type() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(
            (0..10).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..10).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
        let mut rng = Rng::new(1);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            let p = packet(&mut rng);
            kinds.insert(p.packet_type() as u8);
            if p.check_encodable().is_ok() {
                let back = crate::proto::decode_slice(&p.to_bytes());
                assert_eq!(back.as_ref(), Ok(&p), "a generated packet decodes back to itself");
            }
        }
        assert_eq!(kinds.len(), 14, "{kinds:?}");
    }
}
