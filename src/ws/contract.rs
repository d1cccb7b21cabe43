//! The `/ws` contract as JSON Schemas (draft-07, the dialect AsyncAPI 3 payloads default to):
//! one self-contained schema per client and server message, split from the schemas derived
//! from the message enums. `schema/contracts/ws/` holds them, committed; `tests/ws_contract.rs`
//! regenerates and compares them, and checks `schema/contracts/asyncapi.json` against them.

use schemars::JsonSchema;
use schemars::generate::{Contract, SchemaSettings};
use serde_json::{Map, Value};

use super::protocol::{ClientMsg, ServerMsg};

/// Where the committed message schemas live, relative to the repository root.
pub const DIR: &str = "schema/contracts/ws";

/// Who sends a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client (a dashboard, a script).
    Client,
    /// The server.
    Server,
}

impl Side {
    /// `client` or `server`, the schema file's first word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }
}

/// One message's schema.
#[derive(Debug, Clone)]
pub struct MessageSchema {
    /// Who sends it.
    pub side: Side,
    /// Its `type` tag, e.g. `subscribe`.
    pub kind: String,
    /// The JSON Schema, with the definitions it refers to.
    pub schema: Value,
}

impl MessageSchema {
    /// Its file name under [`DIR`], e.g. `client.subscribe.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.{}.schema.json", self.side.as_str(), self.kind)
    }

    /// The committed text: pretty JSON and a final newline.
    pub fn text(&self) -> String {
        serde_json::to_string_pretty(&self.schema).unwrap_or_default() + "\n"
    }
}

/// Every message's schema: the client's (as the server parses them: unknown fields refused)
/// then the server's (as it writes them: every field present).
pub fn message_schemas() -> Vec<MessageSchema> {
    let mut all = split(Side::Client, &root::<ClientMsg>(Contract::Deserialize));
    all.extend(split(Side::Server, &root::<ServerMsg<'static>>(Contract::Serialize)));
    all
}

fn root<T: JsonSchema>(contract: Contract) -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.contract = contract;
    let schema = settings.into_generator().into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap_or_default()
}

/// One schema per variant of `root`'s `oneOf`, each keeping the definitions it needs.
fn split(side: Side, root: &Value) -> Vec<MessageSchema> {
    let defs = root.get("definitions").and_then(Value::as_object).cloned().unwrap_or_default();
    let variants = root.get("oneOf").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for variant in variants {
        let Some(kind) = variant.pointer("/properties/type/const").and_then(Value::as_str) else {
            continue;
        };
        let Value::Object(body) = &variant else { continue };
        let mut schema = Map::new();
        schema.insert("$schema".into(), root.get("$schema").cloned().unwrap_or(Value::Null));
        schema.insert("title".into(), format!("{} message `{kind}`", side.as_str()).into());
        schema.extend(body.clone());
        let used = used_definitions(&variant, &defs);
        if !used.is_empty() {
            schema.insert("definitions".into(), Value::Object(used));
        }
        out.push(MessageSchema { side, kind: kind.to_owned(), schema: Value::Object(schema) });
    }
    out
}

/// The definitions `schema` refers to, directly or through another definition.
fn used_definitions(schema: &Value, defs: &Map<String, Value>) -> Map<String, Value> {
    let refers = |v: &Value, name: &str| {
        let text = v.to_string();
        text.contains(&format!("\"#/definitions/{name}\""))
    };
    let mut used = Map::new();
    loop {
        let before = used.len();
        for (name, def) in defs {
            let wanted = refers(schema, name) || used.values().any(|u: &Value| refers(u, name));
            if wanted && !used.contains_key(name) {
                used.insert(name.clone(), def.clone());
            }
        }
        if used.len() == before {
            return used;
        }
    }
}
