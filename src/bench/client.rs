//! The bench's MQTT client plumbing: one TCP connection with a read buffer and a write buffer,
//! CONNECT/CONNACK and SUBSCRIBE/SUBACK handshakes through the codec, frame iteration over whole
//! read chunks, and a zero-copy view of incoming PUBLISH frames for the hot path. No scenario logic.

use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::Target;
use crate::cli_text::io_zh;
use crate::i18n::Text;
use crate::proto::v5::Packet as P5;
use crate::proto::{
    AnyPacket, Connect, ConnectReturnCode, FrameHeader, Framing, MAX_REMAINING_LENGTH, Packet, PacketId, PacketType,
    Protocol, QoS, ReasonPacket, SubAckCode, Subscribe, decode_slice_v, frame, frame_version,
};

/// How long a handshake (TCP connect + CONNACK, or SUBACK) may take.
pub const HANDSHAKE: Duration = Duration::from_secs(10);

/// One connection to the broker.
pub struct Conn {
    pub stream: TcpStream,
    pub rbuf: BytesMut,
    pub wbuf: BytesMut,
    pub target: Target,
}

/// A PUBLISH seen in place: its QoS, packet id and payload, without decoding the topic.
pub struct PublishView<'a> {
    pub qos: u8,
    pub pid: Option<u16>,
    pub payload: &'a [u8],
}

/// Opens a TCP connection, sends CONNECT (clean session) and waits for an accepting CONNACK.
/// `buf` is the initial capacity of the read and write buffers.
pub async fn connect(target: &Target, client_id: &str, keep_alive: u16, buf: usize) -> Result<Conn, Text> {
    let stream = match timeout(HANDSHAKE, TcpStream::connect((target.host.as_str(), target.port))).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(connect_error(target, e)),
        Err(_) => {
            return Err(Text::new(
                format!("连不上 {target} 的服务端：{} 秒内没有 TCP 应答", HANDSHAKE.as_secs()),
                format!("cannot reach broker at {target}: no TCP answer within {HANDSHAKE:?}"),
            ));
        }
    };
    stream.set_nodelay(true).map_err(|e| {
        Text::new(
            format!("{target}：设置 TCP_NODELAY 失败：{}", io_zh(&e)),
            format!("{target}: setting TCP_NODELAY: {e}"),
        )
    })?;
    let mut conn =
        Conn { stream, rbuf: BytesMut::with_capacity(buf), wbuf: BytesMut::with_capacity(buf), target: target.clone() };
    if target.v5 {
        let mut c = crate::proto::v5::Connect::new(client_id);
        c.keep_alive = keep_alive;
        crate::proto::v5::Packet::Connect(Box::new(c)).encode(&mut conn.wbuf);
    } else {
        let mut c = Connect::new(client_id);
        c.keep_alive = keep_alive;
        Packet::Connect(Box::new(c)).encode(&mut conn.wbuf);
    }
    conn.flush().await.map_err(|e| {
        Text::new(format!("向 {target} 发送 CONNECT 失败：{}", io_zh(&e)), format!("sending CONNECT to {target}: {e}"))
    })?;
    match conn.handshake_reply("CONNACK").await? {
        AnyPacket::V5(P5::ConnAck(a)) if !a.reason.is_error() => Ok(conn),
        AnyPacket::V5(P5::ConnAck(a)) => Err(Text::new(
            format!(
                "{target} 的服务端拒绝了连接：{}（CONNACK 原因码 {}）",
                a.reason.describe(ReasonPacket::ConnAck, crate::i18n::Lang::Zh),
                a.reason
            ),
            format!(
                "broker at {target} refused the connection: {} (CONNACK reason code {})",
                a.reason.describe(ReasonPacket::ConnAck, crate::i18n::Lang::En),
                a.reason
            ),
        )),
        AnyPacket::V3(Packet::ConnAck(a)) if a.code == ConnectReturnCode::Accepted => Ok(conn),
        AnyPacket::V3(Packet::ConnAck(a)) => Err(Text::new(
            format!(
                "{target} 的服务端拒绝了连接：{}（CONNACK 返回码 {}）",
                a.code.describe(crate::i18n::Lang::Zh),
                a.code as u8
            ),
            format!(
                "broker at {target} refused the connection: {} (CONNACK code {})",
                a.code.describe(crate::i18n::Lang::En),
                a.code as u8
            ),
        )),
        p => Err(unexpected(target, "CONNACK", &p)),
    }
}

/// Another packet than the one awaited.
fn unexpected(target: &Target, what: &str, p: &AnyPacket) -> Text {
    let got = p.name();
    Text::new(format!("等待 {target} 的 {what}，却收到了 {got}"), format!("expected {what} from {target}, got {got}"))
}

impl Conn {
    /// Subscribes to one filter and waits for its SUBACK; a failure code is an error.
    pub async fn subscribe(&mut self, filter: &str, qos: QoS) -> Result<(), Text> {
        let pid = PacketId::new(1).expect("1 is not 0");
        if self.target.v5 {
            let filters = vec![(filter.to_string(), crate::proto::v5::SubscriptionOptions::new(qos))];
            P5::Subscribe(crate::proto::v5::Subscribe { pid, properties: Default::default(), filters })
                .encode(&mut self.wbuf);
        } else {
            Packet::Subscribe(Subscribe { pid, filters: vec![(filter.to_string(), qos)] }).encode(&mut self.wbuf);
        }
        let target = self.target.clone();
        self.flush().await.map_err(|e| {
            Text::new(
                format!("向 {target} 发送 SUBSCRIBE 失败：{}", io_zh(&e)),
                format!("sending SUBSCRIBE to {target}: {e}"),
            )
        })?;
        match self.handshake_reply("SUBACK").await? {
            AnyPacket::V3(Packet::SubAck(a)) if a.codes.first().is_some_and(|c| *c != SubAckCode::Failure) => Ok(()),
            AnyPacket::V5(P5::SubAck(a)) if a.reasons.first().is_some_and(|r| !r.is_error()) => Ok(()),
            AnyPacket::V3(Packet::SubAck(_)) | AnyPacket::V5(P5::SubAck(_)) => Err(Text::new(
                format!("{target} 的服务端拒绝了对 {filter:?} 的订阅"),
                format!("broker at {target} refused the subscription to {filter:?}"),
            )),
            p => Err(unexpected(&target, "SUBACK", &p)),
        }
    }

    /// Reads until one whole frame is buffered and decodes it (handshakes only: not the hot path).
    async fn handshake_reply(&mut self, what: &str) -> Result<AnyPacket, Text> {
        let target = &self.target;
        let version = if target.v5 { Protocol::V5 } else { Protocol::V311 };
        let read = async {
            loop {
                match frame(&self.rbuf, MAX_FRAME) {
                    Ok(Framing::Whole(h)) => {
                        let f = &self.rbuf[..h.frame_len()];
                        let p = decode_slice_v(f, frame_version(f, version)).map_err(|e| {
                            Text::new(
                                format!("{target} 发来的 {what} 格式错误：{}", e.message(crate::i18n::Lang::Zh)),
                                format!("malformed {what} from {target}: {e}"),
                            )
                        })?;
                        self.rbuf.advance(h.frame_len());
                        return Ok(p);
                    }
                    Ok(Framing::Incomplete { .. }) => {}
                    Err(e) => {
                        return Err(Text::new(
                            format!("{target} 发来的报文格式错误：{}", e.message(crate::i18n::Lang::Zh)),
                            format!("malformed frame from {target}: {e}"),
                        ));
                    }
                }
                self.rbuf.reserve(256);
                match self.stream.read_buf(&mut self.rbuf).await {
                    Ok(0) => {
                        return Err(Text::new(
                            format!("{target} 的服务端在发 {what} 之前关闭了连接"),
                            format!("broker at {target} closed the connection before {what}"),
                        ));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return Err(Text::new(
                            format!("从 {target} 读取 {what} 失败：{}", io_zh(&e)),
                            format!("reading {what} from {target}: {e}"),
                        ));
                    }
                }
            }
        };
        match timeout(HANDSHAKE, read).await {
            Ok(r) => r,
            Err(_) => Err(Text::new(
                format!("{} 秒内没有收到 {target} 的 {what}", HANDSHAKE.as_secs()),
                format!("no {what} from {target} within {HANDSHAKE:?}"),
            )),
        }
    }

    /// Reads at least one more byte into the read buffer; `Ok(0)` means the broker closed.
    pub async fn fill(&mut self) -> std::io::Result<usize> {
        self.rbuf.reserve(READ_CHUNK);
        self.stream.read_buf(&mut self.rbuf).await
    }

    /// Writes out and clears the write buffer.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        if !self.wbuf.is_empty() {
            self.stream.write_all(&self.wbuf).await?;
            self.wbuf.clear();
        }
        Ok(())
    }

    /// Sends DISCONNECT and closes; errors are ignored (the run is over).
    pub async fn disconnect(mut self) {
        Packet::Disconnect.encode(&mut self.wbuf);
        let _ = timeout(Duration::from_secs(2), async {
            let _ = self.flush().await;
            let _ = self.stream.shutdown().await;
        })
        .await;
    }
}

/// Says why a TCP connect failed: on this side (out of file descriptors or local ports) or theirs.
fn connect_error(target: &Target, e: std::io::Error) -> Text {
    let zh = io_zh(&e);
    match e.raw_os_error() {
        // EMFILE, ENFILE
        Some(23 | 24) => Text::new(
            format!("无法打开到 {target} 的套接字：{zh}；请调高打开文件数上限（`ulimit -n`）"),
            format!("cannot open a socket to {target}: {e}; raise the open-file limit (`ulimit -n`)"),
        ),
        // EADDRNOTAVAIL
        Some(99) => Text::new(
            format!("无法连接 {target}：{zh}；本机端口用完了？"),
            format!("cannot connect to {target}: {e}; out of local ports?"),
        ),
        _ => Text::new(format!("连不上 {target} 的服务端：{zh}"), format!("cannot reach broker at {target}: {e}")),
    }
}

/// The largest frame the bench accepts.
const MAX_FRAME: usize = MAX_REMAINING_LENGTH + 5;
/// Free space ensured before every read.
const READ_CHUNK: usize = 64 * 1024;

/// Calls `f` for every whole frame at the front of `buf`, then drops them from it; a partial frame
/// stays for the next read.
pub fn each_frame(buf: &mut BytesMut, mut f: impl FnMut(FrameHeader, &[u8]) -> Result<(), Text>) -> Result<(), Text> {
    let mut pos = 0;
    let r = loop {
        match frame(&buf[pos..], MAX_FRAME) {
            Ok(Framing::Whole(h)) => {
                let end = pos + h.frame_len();
                if let Err(e) = f(h, &buf[pos..end]) {
                    break Err(e);
                }
                pos = end;
            }
            Ok(Framing::Incomplete { .. }) => break Ok(()),
            Err(e) => {
                break Err(Text::new(
                    format!("服务端发来的报文格式错误：{}", e.message(crate::i18n::Lang::Zh)),
                    format!("malformed frame from the broker: {e}"),
                ));
            }
        }
    };
    buf.advance(pos);
    r
}

/// Views a PUBLISH frame in place (`v5`: one of MQTT 5.0, whose properties are skipped); `None` if
/// it is not a well-formed PUBLISH.
pub fn publish_view(h: FrameHeader, f: &[u8], v5: bool) -> Option<PublishView<'_>> {
    if h.packet_type() != Some(PacketType::Publish) {
        return None;
    }
    let qos = (h.byte1 >> 1) & 3;
    let at = h.header_len;
    let topic_len = u16::from_be_bytes([*f.get(at)?, *f.get(at + 1)?]) as usize;
    let mut at = at + 2 + topic_len;
    let pid = if qos > 0 {
        let p = u16::from_be_bytes([*f.get(at)?, *f.get(at + 1)?]);
        at += 2;
        Some(p)
    } else {
        None
    };
    if v5 {
        // The property length, a variable byte integer, then that many bytes.
        let mut len = 0usize;
        for shift in 0..4 {
            let b = *f.get(at)?;
            at += 1;
            len |= ((b & 0x7f) as usize) << (7 * shift);
            if b & 0x80 == 0 {
                break;
            }
        }
        at += len;
    }
    Some(PublishView { qos, pid, payload: f.get(at..)? })
}

/// The packet id of an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) frame: two bytes in
/// 3.1.1, followed by a reason code and properties in 5.0.
pub fn ack_pid(h: FrameHeader, f: &[u8]) -> Option<u16> {
    if h.remaining < 2 {
        return None;
    }
    Some(u16::from_be_bytes([f[h.header_len], f[h.header_len + 1]]))
}

/// Encodes a two-byte acknowledgement with the codec; `pid` 0 (never valid) is skipped.
pub fn put_ack(out: &mut BytesMut, kind: PacketType, pid: u16) {
    let Some(id) = PacketId::new(pid) else { return };
    let p = match kind {
        PacketType::PubAck => Packet::PubAck(id),
        PacketType::PubRec => Packet::PubRec(id),
        PacketType::PubRel => Packet::PubRel(id),
        _ => Packet::PubComp(id),
    };
    p.encode(out);
}
