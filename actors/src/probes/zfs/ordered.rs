//! A JSON value whose objects keep their keys in document order.
//!
//! `zpool status -j` prints vdevs as objects keyed by name, in the pool's configuration order;
//! `serde_json::Map` sorts keys by name (without serde_json's `preserve_order` feature, which
//! would change the key order of every map in the workspace), so the tree is decoded into this
//! instead. Nesting depth stays bounded by serde_json's recursion limit.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// One JSON value; objects are `(key, value)` pairs in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`, or a number JSON cannot hold.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Num(Number),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Node>),
    /// An object, keys in document order (a repeated key keeps every occurrence).
    Obj(Vec<(String, Node)>),
}

impl Node {
    /// The pairs of an object.
    pub fn as_object(&self) -> Option<&[(String, Node)]> {
        match self {
            Self::Obj(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The first value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        get(self.as_object()?, key)
    }
}

/// The first value of `key` among an object's pairs.
pub fn get<'a>(pairs: &'a [(String, Node)], key: &str) -> Option<&'a Node> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Num(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Num(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Num))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut pairs = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            pairs.push((key, value));
        }
        Ok(Node::Obj(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_document_order() {
        let n: Node =
            serde_json::from_str(r#"{"b": 1, "a": [true, null, "x", -2, 1.5], "c": {}}"#).unwrap();
        let keys: Vec<&str> = n.as_object().unwrap().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(n.get("b"), Some(&Node::Num(1.into())));
        let Some(Node::List(items)) = n.get("a") else { panic!("{n:?}") };
        assert_eq!(items.len(), 5);
        assert!(serde_json::from_str::<Node>(&"[".repeat(100_000)).is_err());
    }
}
