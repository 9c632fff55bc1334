//! The subscription trie: topic filters with `+` and `#`, matched against topic names the way
//! MQTT 3.1.1 §4.7 says, including the rule that a filter starting with a wildcard does not match a
//! topic starting with `$` [MQTT-4.7.2-1].

use crate::proto::QoS;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default)]
struct Node {
    children: HashMap<Box<str>, Node>,
    /// Client ids whose filter ends at this node, with the granted QoS.
    subs: HashMap<Arc<str>, QoS>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.children.is_empty() && self.subs.is_empty()
    }
}

/// Every subscription of every session, keyed by filter level.
#[derive(Debug, Default)]
pub struct SubscriptionTree {
    root: Node,
    count: usize,
}

impl SubscriptionTree {
    /// Adds or replaces `client`'s subscription to `filter`. Returns true if it replaced one.
    pub fn insert(&mut self, filter: &str, client: &Arc<str>, qos: QoS) -> bool {
        let mut node = &mut self.root;
        for level in filter.split('/') {
            node = node.children.entry(level.into()).or_default();
        }
        let replaced = node.subs.insert(client.clone(), qos).is_some();
        if !replaced {
            self.count += 1;
        }
        replaced
    }

    /// Removes `client`'s subscription to exactly `filter`. Returns true if there was one.
    pub fn remove(&mut self, filter: &str, client: &str) -> bool {
        let levels: Vec<&str> = filter.split('/').collect();
        let removed = remove_at(&mut self.root, &levels, client);
        if removed {
            self.count -= 1;
        }
        removed
    }

    /// Number of (client, filter) subscriptions.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Calls `f(client, granted_qos)` for every subscription whose filter matches `topic`. A client
    /// with several matching filters is reported once per filter.
    pub fn for_each_match(&self, topic: &str, mut f: impl FnMut(&Arc<str>, QoS)) {
        let levels: Vec<&str> = topic.split('/').collect();
        let dollar = topic.starts_with('$');
        match_at(&self.root, &levels, dollar, &mut f);
    }

    /// All (filter, client, qos), in filter order: for the broker pane.
    pub fn entries(&self) -> Vec<(String, Arc<str>, QoS)> {
        let mut out = Vec::new();
        collect(&self.root, &mut Vec::new(), &mut out);
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }
}

fn remove_at(node: &mut Node, levels: &[&str], client: &str) -> bool {
    match levels.split_first() {
        None => node.subs.remove(client).is_some(),
        Some((first, rest)) => {
            let Some(child) = node.children.get_mut(*first) else { return false };
            let removed = remove_at(child, rest, client);
            if child.is_empty() {
                node.children.remove(*first);
            }
            removed
        }
    }
}

fn match_at(node: &Node, levels: &[&str], dollar_first: bool, f: &mut impl FnMut(&Arc<str>, QoS)) {
    // `#` matches the rest, including the parent level ("sport/#" matches "sport").
    if !dollar_first && let Some(hash) = node.children.get("#") {
        for (c, q) in &hash.subs {
            f(c, *q);
        }
    }
    match levels.split_first() {
        None => {
            for (c, q) in &node.subs {
                f(c, *q);
            }
        }
        Some((first, rest)) => {
            if let Some(child) = node.children.get(*first) {
                match_at(child, rest, false, f);
            }
            if !dollar_first && let Some(plus) = node.children.get("+") {
                match_at(plus, rest, false, f);
            }
        }
    }
}

fn collect(node: &Node, path: &mut Vec<String>, out: &mut Vec<(String, Arc<str>, QoS)>) {
    if !node.subs.is_empty() {
        let filter = path.join("/");
        for (c, q) in &node.subs {
            out.push((filter.clone(), c.clone(), *q));
        }
    }
    for (level, child) in &node.children {
        path.push(level.to_string());
        collect(child, path, out);
        path.pop();
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

    fn matched(tree: &SubscriptionTree, topic: &str) -> Vec<String> {
        let mut v = Vec::new();
        tree.for_each_match(topic, |c, q| v.push(format!("{c}:{}", q.as_u8())));
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
        ];
        for (filter, topic, want) in cases {
            assert_eq!(matches(filter, topic), want, "{filter} vs {topic}");
            let mut tree = SubscriptionTree::default();
            tree.insert(filter, &Arc::from("c"), QoS::AtMostOnce);
            assert_eq!(!matched(&tree, topic).is_empty(), want, "trie: {filter} vs {topic}");
        }
    }

    #[test]
    fn overlapping_filters_report_each_and_removal_prunes() {
        let mut tree = SubscriptionTree::default();
        let phone: Arc<str> = Arc::from("phone");
        tree.insert("car/#", &phone, QoS::AtMostOnce);
        tree.insert("car/speed", &phone, QoS::ExactlyOnce);
        tree.insert("car/+", &Arc::from("pc"), QoS::AtLeastOnce);
        assert_eq!(matched(&tree, "car/speed"), vec!["pc:1", "phone:0", "phone:2"]);
        assert!(tree.insert("car/speed", &phone, QoS::AtLeastOnce), "same filter replaces");
        assert_eq!(tree.len(), 3);
        assert!(tree.remove("car/speed", "phone"));
        assert!(!tree.remove("car/speed", "phone"));
        assert!(!tree.remove("car/+", "phone"), "unsubscribe compares filters literally");
        assert_eq!(matched(&tree, "car/speed"), vec!["pc:1", "phone:0"]);
        tree.remove("car/#", "phone");
        tree.remove("car/+", "pc");
        assert!(tree.is_empty());
        assert!(tree.root.children.is_empty(), "empty nodes are pruned");
    }
}
