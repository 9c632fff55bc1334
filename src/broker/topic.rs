//! The subscription trie: topic filters with `+` and `#`, matched against topic names the way
//! MQTT 3.1.1 §4.7 says, including the rule that a filter starting with a wildcard does not match a
//! topic starting with `$` [MQTT-4.7.2-1].
//!
//! A topic or filter comes from the network and may have tens of thousands of levels, so nothing
//! here recurses on its depth: the nodes live in one arena (a `Vec`) and refer to each other by
//! index, every walk keeps its own stack, and dropping the tree frees a flat vector. It depends on
//! nothing but the protocol's QoS type.

use super::Map;
use crate::proto::QoS;
use std::num::NonZeroU32;
use std::sync::Arc;

/// What one subscription asked for: its (granted) QoS and, for MQTT 5.0, its options and its
/// subscription identifier. A 3.1.1 subscription is only its QoS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubOpts {
    pub qos: QoS,
    /// No Local: the subscriber's own messages are not sent back to it [MQTT-3.8.3-3].
    pub no_local: bool,
    /// Retain As Published: forwarded messages keep their RETAIN flag [MQTT-3.3.1-12].
    pub rap: bool,
    /// The Subscription Identifier, sent back in every PUBLISH this subscription matches.
    pub id: Option<NonZeroU32>,
}

impl From<QoS> for SubOpts {
    fn from(qos: QoS) -> SubOpts {
        SubOpts { qos, no_local: false, rap: false, id: None }
    }
}

/// Index of a node in the arena; 0 is the root and, in a child slot, "none".
type NodeId = u32;
const ROOT: NodeId = 0;
const NONE: NodeId = 0;

#[derive(Debug, Default)]
struct Node {
    parent: NodeId,
    /// This node's level in its parent (for literal children; `+` and `#` are known by slot).
    level: Box<str>,
    /// Literal child levels.
    children: Map<Box<str>, NodeId>,
    /// The `+` child, or [`NONE`].
    plus: NodeId,
    /// The `#` child, or [`NONE`].
    hash: NodeId,
    /// Client ids whose filter ends at this node, with the granted QoS and options.
    subs: Map<Arc<str>, SubOpts>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.children.is_empty() && self.plus == NONE && self.hash == NONE && self.subs.is_empty()
    }
}

/// Every subscription of every session, keyed by filter level.
#[derive(Debug)]
pub struct SubscriptionTree {
    nodes: Vec<Node>,
    free: Vec<NodeId>,
    count: usize,
    /// A reusable stack for matching: (node, byte offset of the next topic level or `None` when no
    /// level is left, whether the next level is the topic's first).
    stack: Vec<(NodeId, Option<usize>, bool)>,
}

impl Default for SubscriptionTree {
    fn default() -> Self {
        SubscriptionTree { nodes: vec![Node::default()], free: Vec::new(), count: 0, stack: Vec::new() }
    }
}

/// The number of levels of a topic or filter (`a/b` has 2, `` has 1, `/` has 2).
pub fn level_count(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'/').count() + 1
}

impl SubscriptionTree {
    fn alloc(&mut self, parent: NodeId, level: &str) -> NodeId {
        let node = Node { parent, level: level.into(), ..Node::default() };
        match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as NodeId
            }
        }
    }

    /// The child of `node` for `level`, if any.
    fn child(&self, node: NodeId, level: &str) -> Option<NodeId> {
        let n = &self.nodes[node as usize];
        let id = match level {
            "+" => n.plus,
            "#" => n.hash,
            _ => n.children.get(level).copied().unwrap_or(NONE),
        };
        (id != NONE).then_some(id)
    }

    /// Adds or replaces `client`'s subscription to `filter`. Returns true if it replaced one.
    pub fn insert(&mut self, filter: &str, client: &Arc<str>, opts: impl Into<SubOpts>) -> bool {
        let opts = opts.into();
        let mut node = ROOT;
        for level in filter.split('/') {
            node = match self.child(node, level) {
                Some(c) => c,
                None => {
                    let c = self.alloc(node, level);
                    let n = &mut self.nodes[node as usize];
                    match level {
                        "+" => n.plus = c,
                        "#" => n.hash = c,
                        _ => {
                            n.children.insert(level.into(), c);
                        }
                    }
                    c
                }
            };
        }
        let replaced = self.nodes[node as usize].subs.insert(client.clone(), opts).is_some();
        if !replaced {
            self.count += 1;
        }
        replaced
    }

    /// Removes `client`'s subscription to exactly `filter`. Returns true if there was one.
    pub fn remove(&mut self, filter: &str, client: &str) -> bool {
        let mut node = ROOT;
        for level in filter.split('/') {
            match self.child(node, level) {
                Some(c) => node = c,
                None => return false,
            }
        }
        if self.nodes[node as usize].subs.remove(client).is_none() {
            return false;
        }
        self.count -= 1;
        // Prune the empty nodes from the leaf up.
        while node != ROOT && self.nodes[node as usize].is_empty() {
            let n = std::mem::take(&mut self.nodes[node as usize]);
            let parent = &mut self.nodes[n.parent as usize];
            if parent.plus == node {
                parent.plus = NONE;
            } else if parent.hash == node {
                parent.hash = NONE;
            } else {
                parent.children.remove(&n.level);
            }
            self.free.push(node);
            node = n.parent;
        }
        true
    }

    /// Number of (client, filter) subscriptions.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Nodes in use (the root included): what the tree holds in memory.
    pub fn node_count(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// Calls `f(client, options)` for every subscription whose filter matches `topic`. A client
    /// with several matching filters is reported once per filter.
    pub fn for_each_match(&mut self, topic: &str, mut f: impl FnMut(&Arc<str>, SubOpts)) {
        let dollar = topic.starts_with('$');
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push((ROOT, Some(0), true));
        while let Some((id, rest, first)) = stack.pop() {
            let node = &self.nodes[id as usize];
            // A wildcard first level never matches a `$` topic [MQTT-4.7.2-1].
            let wild = !(first && dollar);
            // `#` matches the rest, including the parent level ("sport/#" matches "sport").
            if wild && node.hash != NONE {
                for (c, q) in &self.nodes[node.hash as usize].subs {
                    f(c, *q);
                }
            }
            let Some(off) = rest else {
                for (c, q) in &node.subs {
                    f(c, *q);
                }
                continue;
            };
            let (level, next) = match topic[off..].find('/') {
                Some(i) => (&topic[off..off + i], Some(off + i + 1)),
                None => (&topic[off..], None),
            };
            if let Some(&c) = node.children.get(level) {
                stack.push((c, next, false));
            }
            if wild && node.plus != NONE {
                stack.push((node.plus, next, false));
            }
        }
        self.stack = stack;
    }

    /// All (filter, client, qos), in filter order: for the broker pane.
    pub fn entries(&self) -> Vec<(String, Arc<str>, QoS)> {
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, String)> = vec![(ROOT, String::new())];
        while let Some((id, path)) = stack.pop() {
            let n = &self.nodes[id as usize];
            for (c, q) in &n.subs {
                out.push((path.clone(), c.clone(), q.qos));
            }
            let join = |level: &str| if id == ROOT { level.to_string() } else { format!("{path}/{level}") };
            for (level, &c) in &n.children {
                stack.push((c, join(level)));
            }
            if n.plus != NONE {
                stack.push((n.plus, join("+")));
            }
            if n.hash != NONE {
                stack.push((n.hash, join("#")));
            }
        }
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }
}

/// Whether `filter` matches `topic` (a standalone check, used for retained messages and ACLs).
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut t = topic.split('/');
    for f in filter.split('/') {
        if f == "#" {
            return true;
        }
        match t.next() {
            Some(level) if f == "+" || f == level => {}
            _ => return false,
        }
    }
    t.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(tree: &mut SubscriptionTree, topic: &str) -> Vec<String> {
        let mut v = Vec::new();
        tree.for_each_match(topic, |c, q| v.push(format!("{c}:{}", q.qos.as_u8())));
        v.sort();
        v
    }

    #[test]
    fn wildcards_follow_the_spec_examples() {
        let cases = [
            ("sport/tennis/player1/#", "sport/tennis/player1", true),
            ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
            ("sport/#", "sport", true),
            ("#", "sport/tennis", true),
            ("sport/+", "sport/", true),
            ("sport/+", "sport", false),
            ("+/+", "/finance", true),
            ("/+", "/finance", true),
            ("+", "/finance", false),
            ("#", "$SYS/uptime", false),
            ("+/monitor/Clients", "$SYS/monitor/Clients", false),
            ("$SYS/#", "$SYS/monitor/Clients", true),
            ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
            ("ACCOUNTS", "Accounts", false),
            ("汽车速度", "汽车速度", true),
            ("a//b", "a//b", true),
            ("a/+/b", "a//b", true),
            ("a/+", "a/b/c", false),
            ("+/#", "a", true),
        ];
        for (filter, topic, want) in cases {
            assert_eq!(matches(filter, topic), want, "{filter} vs {topic}");
            let mut tree = SubscriptionTree::default();
            tree.insert(filter, &Arc::from("c"), QoS::AtMostOnce);
            assert_eq!(!matched(&mut tree, topic).is_empty(), want, "trie: {filter} vs {topic}");
        }
    }

    #[test]
    fn overlapping_filters_report_each_and_removal_prunes() {
        let mut tree = SubscriptionTree::default();
        let phone: Arc<str> = Arc::from("phone");
        tree.insert("car/#", &phone, QoS::AtMostOnce);
        tree.insert("car/speed", &phone, QoS::ExactlyOnce);
        tree.insert("car/+", &Arc::from("pc"), QoS::AtLeastOnce);
        assert_eq!(matched(&mut tree, "car/speed"), vec!["pc:1", "phone:0", "phone:2"]);
        assert!(tree.insert("car/speed", &phone, QoS::AtLeastOnce), "same filter replaces");
        assert_eq!(tree.len(), 3);
        assert!(tree.remove("car/speed", "phone"));
        assert!(!tree.remove("car/speed", "phone"));
        assert!(!tree.remove("car/+", "phone"), "unsubscribe compares filters literally");
        assert_eq!(matched(&mut tree, "car/speed"), vec!["pc:1", "phone:0"]);
        tree.remove("car/#", "phone");
        tree.remove("car/+", "pc");
        assert!(tree.is_empty());
        assert_eq!(tree.node_count(), 1, "empty nodes are pruned down to the root");
    }

    #[test]
    fn entries_spell_the_filters_back() {
        let mut tree = SubscriptionTree::default();
        for f in ["car/#", "+/speed", "#", "a//b", "/"] {
            tree.insert(f, &Arc::from("c"), QoS::AtMostOnce);
        }
        let filters: Vec<String> = tree.entries().into_iter().map(|e| e.0).collect();
        assert_eq!(filters, vec!["#", "+/speed", "/", "a//b", "car/#"]);
    }

    /// Filters and topics of any depth are walked without recursion: a 70,000-level filter is
    /// inserted, matched, listed, removed and dropped on this test's ordinary thread stack.
    #[test]
    fn very_deep_filters_do_not_overflow_the_stack() {
        let deep_filter = format!("{}#", "/".repeat(70_000));
        let deep_topic = "a/".repeat(70_000);
        let mut tree = SubscriptionTree::default();
        let c: Arc<str> = Arc::from("c");
        tree.insert(&deep_filter, &c, QoS::AtLeastOnce);
        tree.insert("+/+/+/#", &c, QoS::AtMostOnce);
        assert_eq!(tree.node_count(), 70_002 + 4);
        assert_eq!(matched(&mut tree, &"/".repeat(70_000)), vec!["c:0", "c:1"]);
        assert_eq!(matched(&mut tree, &deep_topic), vec!["c:0"]);
        assert_eq!(tree.entries().len(), 2);
        assert!(tree.remove(&deep_filter, "c"));
        assert_eq!(tree.node_count(), 5);
        tree.insert(&deep_filter, &c, QoS::AtLeastOnce);
        drop(tree);
    }

    #[test]
    fn freed_nodes_are_reused() {
        let mut tree = SubscriptionTree::default();
        let c: Arc<str> = Arc::from("c");
        for round in 0..3 {
            for i in 0..100 {
                tree.insert(&format!("r{round}/{i}/x/y"), &c, QoS::AtMostOnce);
            }
            for i in 0..100 {
                tree.remove(&format!("r{round}/{i}/x/y"), "c");
            }
        }
        assert_eq!(tree.node_count(), 1);
        assert!(tree.nodes.len() <= 302, "the arena grew to {} slots for 301 live nodes at most", tree.nodes.len());
    }

    #[test]
    fn level_count_counts_separators() {
        assert_eq!(level_count(""), 1);
        assert_eq!(level_count("a"), 1);
        assert_eq!(level_count("/"), 2);
        assert_eq!(level_count("a/b/#"), 3);
    }
}
