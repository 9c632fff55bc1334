//! The client's session state: what outlives one network connection when clean session is 0 —
//! outgoing QoS 1 and 2 messages in flight, incoming QoS 2 packet ids awaiting PUBREL, the
//! subscriptions as the client last heard of them — and the packet id counter.
//!
//! Plain data: instants are stored, never read from a clock. It must not depend on tokio, a terminal,
//! the broker or the runtime; only on the packet types of `proto`.

use crate::proto::v5::Properties;
use crate::proto::{PacketId, Publish, QoS};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

/// Where an outgoing QoS 1 or 2 message is in its acknowledgement flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Stage {
    /// QoS 1: PUBLISH sent, waiting for PUBACK.
    AwaitingPubAck,
    /// QoS 2: PUBLISH sent, waiting for PUBREC.
    AwaitingPubRec,
    /// QoS 2: PUBREC received and PUBREL sent, waiting for PUBCOMP.
    AwaitingPubComp,
}

/// An outgoing QoS 1 or 2 message that is not yet fully acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    /// The PUBLISH as first sent (DUP 0, the whole topic name); its packet id is the message's id.
    pub publish: Publish,
    /// A 5.0 PUBLISH's properties (without a Topic Alias); `None` on a 3.1 / 3.1.1 connection.
    pub properties: Option<Box<Properties>>,
    pub stage: Stage,
    /// The last time the PUBLISH (or, at [`Stage::AwaitingPubComp`], the PUBREL) was sent.
    pub sent_at: Instant,
    /// How many times the PUBLISH or PUBREL of the current stage has been sent.
    pub sends: u32,
}

impl Inflight {
    pub fn pid(&self) -> PacketId {
        self.publish.qos_pid.pid().expect("inflight messages are QoS 1 or 2 and have an id")
    }
}

/// One topic filter as the client knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Subscription {
    /// The QoS the server granted in its SUBACK; `None` while the first SUBSCRIBE is unanswered.
    pub granted: Option<QoS>,
    /// A SUBSCRIBE for this filter awaiting its SUBACK: its packet id and the requested QoS.
    pub pending: Option<(PacketId, QoS)>,
    /// An UNSUBSCRIBE for this filter awaiting its UNSUBACK.
    pub unsubscribing: Option<PacketId>,
}

/// What [`Session::discard`] dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Discarded {
    pub inflight: usize,
    pub awaiting_pubrel: usize,
    pub subscriptions: usize,
}

impl Discarded {
    pub fn is_empty(&self) -> bool {
        self.inflight + self.awaiting_pubrel + self.subscriptions == 0
    }
}

/// The session state of one client.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// Outgoing QoS 1 and 2 messages, oldest first (the order they are resent in).
    pub inflight: VecDeque<Inflight>,
    /// Ids of incoming QoS 2 messages delivered and answered with PUBREC, awaiting PUBREL.
    pub awaiting_pubrel: BTreeSet<PacketId>,
    pub subscriptions: BTreeMap<String, Subscription>,
    /// SUBSCRIBEs awaiting SUBACK: the filters in the order their return codes will come.
    pub pending_subs: BTreeMap<PacketId, Vec<(String, QoS)>>,
    /// UNSUBSCRIBEs awaiting UNSUBACK.
    pub pending_unsubs: BTreeMap<PacketId, Vec<String>>,
    /// The last packet id handed out (0 before the first).
    pub last_pid: u16,
}

impl Session {
    /// Whether `pid` names something of ours still awaiting an answer.
    pub fn pid_in_use(&self, pid: PacketId) -> bool {
        self.inflight.iter().any(|m| m.pid() == pid)
            || self.pending_subs.contains_key(&pid)
            || self.pending_unsubs.contains_key(&pid)
    }

    /// The id the next packet would get: the one after the last, wrapping 65535 → 1, skipping ids in
    /// use. `None` when all 65535 are in use. Nothing changes until [`use_pid`](Self::use_pid).
    pub fn next_free_pid(&self) -> Option<PacketId> {
        let mut candidate = PacketId::new(self.last_pid).map_or(PacketId::new(1), |p| Some(p.next()))?;
        for _ in 0..u16::MAX {
            if !self.pid_in_use(candidate) {
                return Some(candidate);
            }
            candidate = candidate.next();
        }
        None
    }

    /// Records `pid` (from [`next_free_pid`](Self::next_free_pid)) as handed out.
    pub fn use_pid(&mut self, pid: PacketId) {
        self.last_pid = pid.get();
    }

    /// The connection ended: SUBSCRIBE and UNSUBSCRIBE are never resent, so their answers will not
    /// come. Filters that were only pending are forgotten; granted ones keep their grant.
    pub fn forget_pending(&mut self) {
        self.pending_subs.clear();
        self.pending_unsubs.clear();
        self.subscriptions.retain(|_, s| {
            s.pending = None;
            s.unsubscribing = None;
            s.granted.is_some()
        });
    }

    /// Drops the whole session state except the packet id counter.
    pub fn discard(&mut self) -> Discarded {
        let d = Discarded {
            inflight: self.inflight.len(),
            awaiting_pubrel: self.awaiting_pubrel.len(),
            subscriptions: self.subscriptions.len(),
        };
        self.inflight.clear();
        self.awaiting_pubrel.clear();
        self.subscriptions.clear();
        self.pending_subs.clear();
        self.pending_unsubs.clear();
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::QosPid;

    fn pid(v: u16) -> PacketId {
        PacketId::new(v).unwrap()
    }

    fn inflight(id: u16) -> Inflight {
        let mut publish = Publish::new("t", "x");
        publish.qos_pid = QosPid::AtLeastOnce(pid(id));
        Inflight { publish, properties: None, stage: Stage::AwaitingPubAck, sent_at: Instant::now(), sends: 1 }
    }

    #[test]
    fn ids_are_sequential_from_1() {
        let mut s = Session::default();
        let mut got = Vec::new();
        for _ in 0..3 {
            let p = s.next_free_pid().unwrap();
            s.use_pid(p);
            got.push(p.get());
        }
        assert_eq!(got, [1, 2, 3]);
    }

    #[test]
    fn ids_wrap_from_65535_to_1_and_skip_ids_in_use() {
        let mut s = Session { last_pid: 65534, ..Session::default() };
        s.inflight.push_back(inflight(1));
        s.pending_subs.insert(pid(2), vec![("a".into(), QoS::AtMostOnce)]);
        s.pending_unsubs.insert(pid(3), vec!["a".into()]);
        let p = s.next_free_pid().unwrap();
        assert_eq!(p.get(), 65535);
        s.use_pid(p);
        let p = s.next_free_pid().unwrap();
        assert_eq!(p.get(), 4, "1, 2 and 3 are in use");
        // Peeking does not hand out.
        assert_eq!(s.next_free_pid().unwrap().get(), 4);
    }

    #[test]
    fn all_ids_in_use_gives_none() {
        let mut s = Session::default();
        for v in 1..=u16::MAX {
            s.pending_unsubs.insert(pid(v), Vec::new());
        }
        assert_eq!(s.next_free_pid(), None);
        s.pending_unsubs.remove(&pid(40_000));
        assert_eq!(s.next_free_pid(), Some(pid(40_000)));
    }

    #[test]
    fn forget_pending_keeps_granted_filters_only() {
        let mut s = Session::default();
        s.subscriptions.insert(
            "a".into(),
            Subscription {
                granted: Some(QoS::AtLeastOnce),
                pending: Some((pid(5), QoS::ExactlyOnce)),
                unsubscribing: None,
            },
        );
        s.subscriptions.insert(
            "b".into(),
            Subscription { granted: None, pending: Some((pid(5), QoS::AtMostOnce)), unsubscribing: None },
        );
        s.pending_subs.insert(pid(5), vec![("a".into(), QoS::ExactlyOnce), ("b".into(), QoS::AtMostOnce)]);
        s.forget_pending();
        assert!(s.pending_subs.is_empty());
        assert_eq!(s.subscriptions.len(), 1);
        assert_eq!(
            s.subscriptions["a"],
            Subscription { granted: Some(QoS::AtLeastOnce), pending: None, unsubscribing: None }
        );
    }
}
