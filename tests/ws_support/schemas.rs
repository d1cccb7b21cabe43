//! Helpers of `tests/ws_contract.rs`: the committed message schemas, compiled (formats
//! checked, `uuid` included), and the README's example frames.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrastructor::ws::contract::{self, MessageSchema};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The committed schemas by message name (`client.subscribe`), each compiled.
pub struct Schemas(BTreeMap<String, jsonschema::Validator>);

impl Schemas {
    pub fn load() -> Self {
        let dir = repo().join(contract::DIR);
        let mut all = BTreeMap::new();
        for m in contract::message_schemas() {
            let schema = read_json(&dir.join(m.file_name()));
            assert!(jsonschema::meta::is_valid(&schema), "{} is not a valid schema", m.file_name());
            // Draft-07 has no `uuid` format (ids and cursors use it): checked here as well.
            let v = jsonschema::options()
                .should_validate_formats(true)
                .with_format("uuid", |s: &str| uuid::Uuid::parse_str(s).is_ok())
                .build(&schema);
            all.insert(name(&m), v.unwrap_or_else(|e| panic!("{}: {e}", m.file_name())));
        }
        Self(all)
    }

    /// The errors of `frame` against the schema of `side`'s message of its own `type`.
    pub fn errors(&self, side: &str, frame: &Value) -> Vec<String> {
        let kind = frame["type"].as_str().unwrap_or("(no type)");
        match self.0.get(&format!("{side}.{kind}")) {
            Some(v) => {
                v.iter_errors(frame).map(|e| format!("{e} at {}", e.instance_path())).collect()
            }
            None => vec![format!("no {side} message of type {kind}")],
        }
    }

    #[track_caller]
    pub fn assert_valid(&self, side: &str, frame: &Value) {
        let errors = self.errors(side, frame);
        assert!(errors.is_empty(), "{side} frame {frame} does not match its schema: {errors:?}");
    }

    #[track_caller]
    pub fn assert_invalid(&self, side: &str, frame: &Value) {
        assert!(!self.errors(side, frame).is_empty(), "{side} frame {frame} should be rejected");
    }
}

pub fn name(m: &MessageSchema) -> String {
    format!("{}.{}", m.side.as_str(), m.kind)
}

/// The example frames of the README's "WebSocket protocol" section, as (side, frame).
pub fn readme_frames() -> Vec<(&'static str, Value)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("\n## WebSocket protocol\n").nth(1).expect("the section");
    let section = section.split("\n## ").next().unwrap();
    let mut frames = Vec::new();
    let mut side = "client";
    for (i, part) in section.split("```").enumerate() {
        if i % 2 == 0 {
            side = if part.contains("**Server messages.**") { "server" } else { side };
            continue;
        }
        let Some(body) = part.strip_prefix("json\n") else { continue };
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let frame = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            frames.push((side, frame));
        }
    }
    frames
}
