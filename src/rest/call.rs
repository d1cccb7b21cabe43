//! How a REST operation runs: as the MCP tool of the same name (one table, so the two faces
//! cannot disagree), for the request's caller, with the scope check first and the facade's
//! errors as HTTP statuses.

use std::collections::HashMap;
use std::sync::Arc;

use infrastructor_actors::api::FleetHandle;
use poem_openapi::payload::Json;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::Failure;
use super::schema::Answer;
use crate::auth::Caller;
use crate::config::Scope;
use crate::mcp::registry::{Ctx, ToolDef};

/// A JSON answer or one of the documented failures.
pub type Reply<T> = Result<Json<Answer<T>>, Failure>;

/// What every operation shares: the facade, the tool table, the `allow_actions` switch.
#[derive(Clone)]
pub struct Api {
    /// The query facade.
    pub handle: FleetHandle,
    /// Whether `[api] allow_actions` is on.
    pub allow_actions: bool,
    tools: Arc<HashMap<String, ToolDef>>,
    notify: crate::notify::Notifiers,
}

impl Api {
    /// Over `handle`, with every MCP tool.
    pub fn new(handle: FleetHandle, allow_actions: bool, notify: crate::notify::Notifiers) -> Self {
        let tools = crate::mcp::tools::all().into_iter().map(|t| (t.tool.name.to_string(), t));
        Self { handle, allow_actions, tools: Arc::new(tools.collect()), notify }
    }

    /// Runs tool `name` with `args` for `caller`; its structured answer is the body.
    pub async fn call<T>(&self, caller: &Caller, name: &str, args: Map<String, Value>) -> Reply<T> {
        let Some(tool) = self.tools.get(name) else {
            tracing::error!(tool = name, "a REST operation names no tool");
            return Err(Failure::from(infrastructor_actors::api::ApiError::Unavailable(format!(
                "operation `{name}` is not available"
            ))));
        };
        if tool.admin && caller.scope != Scope::Admin {
            return Err(admin_only(caller));
        }
        if let Some(unknown) = tool.unknown(&args) {
            return Err(Failure::invalid("body", unknown));
        }
        let ctx = Ctx {
            handle: self.handle.clone(),
            caller: caller.clone(),
            allow_actions: self.allow_actions,
            peer: None,
            progress: None,
            notify: self.notify.clone(),
        };
        let reply = tool.invoke(ctx, args).await?;
        Ok(Json(Answer::from_value(reply.value)))
    }

    /// Refuses unless actions are enabled and `caller` is an admin.
    pub fn actions(&self, caller: &Caller) -> Result<(), Failure> {
        if caller.scope != Scope::Admin {
            return Err(admin_only(caller));
        }
        if !self.allow_actions {
            return Err(Failure::forbidden(
                "actions are disabled: set allow_actions = true under [api] in the config file"
                    .into(),
            ));
        }
        Ok(())
    }
}

fn admin_only(caller: &Caller) -> Failure {
    Failure::forbidden(format!(
        "this needs a token with the admin scope (token `{}` may only read)",
        caller.name
    ))
}

/// Puts `value` under `key` unless it is absent (`None` serializes to null).
pub fn put<V: Serialize + ?Sized>(args: &mut Map<String, Value>, key: &str, value: &V) {
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => {}
        Ok(v) => {
            args.insert(key.to_string(), v);
        }
    }
}

/// The tool arguments made of these parameters (each a poem-openapi `Path` or `Query`),
/// named as the variables are; `key = expr` gives one explicitly.
macro_rules! args {
    ($($name:ident $(= $value:expr)?),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = serde_json::Map::new();
        $( $crate::rest::call::args!(@one m, $name $(= $value)?); )*
        m
    }};
    (@one $m:ident, $name:ident = $value:expr) => {
        $crate::rest::call::put(&mut $m, stringify!($name), &$value)
    };
    (@one $m:ident, $name:ident) => {
        $crate::rest::call::put(&mut $m, stringify!($name), &$name.0)
    };
}
pub(crate) use args;
