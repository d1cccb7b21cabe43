//! poem-openapi types for the model: [`Answer`] (a JSON response) and [`Input`] (a JSON
//! request body) carry any schemars-described type. Its JSON Schema (OpenAPI 3.0 flavour) is
//! made once per type and converted into poem-openapi's registry, so `/api/openapi.json`
//! documents the same shapes as MCP's output schemas.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use schemars::JsonSchema;
use schemars::generate::{Contract, SchemaSettings};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A JSON answer with the schema of `T` (the value is already serialized).
pub struct Answer<T>(pub Value, PhantomData<fn() -> T>);

impl<T: Serialize> Answer<T> {
    /// The answer `value`.
    pub fn of(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Self(serde_json::to_value(value)?, PhantomData))
    }
}

impl<T> Answer<T> {
    /// An answer already serialized (a tool's structured content of type `T`).
    pub fn from_value(value: Value) -> Self {
        Self(value, PhantomData)
    }
}

/// A JSON request body of type `T`, checked by serde (a bad one is a 400 naming the field),
/// and the object as sent (the tool's arguments).
pub struct Input<T> {
    /// The parsed body.
    pub value: T,
    /// The body's fields as sent.
    pub raw: serde_json::Map<String, Value>,
}

/// Every type's schema and the definitions it uses, made once per process.
#[derive(Default)]
struct Schemas {
    /// Root schema per Rust type name.
    roots: HashMap<&'static str, MetaSchemaRef>,
    /// Converted definitions by name.
    defs: BTreeMap<String, (Value, MetaSchema)>,
    /// Names used by two different schemas (a test keeps this empty).
    conflicts: Vec<String>,
}

fn schemas() -> &'static Mutex<Schemas> {
    static S: OnceLock<Mutex<Schemas>> = OnceLock::new();
    S.get_or_init(Mutex::default)
}

/// Definition names that two different types use: they would overwrite each other in the
/// document.
pub fn conflicts() -> Vec<String> {
    schemas().lock().unwrap_or_else(|e| e.into_inner()).conflicts.clone()
}

/// The schema of `T` as poem-openapi sees it, with its definitions put in `registry`.
fn schema_of<T: JsonSchema + ?Sized>(contract: Contract, registry: &mut Registry) -> MetaSchemaRef {
    let key = std::any::type_name::<T>();
    let mut s = schemas().lock().unwrap_or_else(|e| e.into_inner());
    if !s.roots.contains_key(key) {
        let settings = SchemaSettings::openapi3().with(|s| s.contract = contract);
        let mut generator = settings.into_generator();
        let root = generator.subschema_for::<T>().to_value();
        for (name, def) in generator.take_definitions(true) {
            match s.defs.get(&name) {
                Some((old, _)) if *old != def => s.conflicts.push(name),
                Some(_) => {}
                None => {
                    let meta = convert(&def);
                    s.defs.insert(name, (def, meta));
                }
            }
        }
        s.roots.insert(key, reference(&root));
    }
    for (name, (_, meta)) in &s.defs {
        registry.schemas.entry(name.clone()).or_insert_with(|| meta.clone());
    }
    s.roots[key].clone()
}

/// `{"$ref": "#/components/schemas/X"}` as a reference to `X`, anything else inline.
fn reference(v: &Value) -> MetaSchemaRef {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => MetaSchemaRef::Reference(r.rsplit('/').next().unwrap_or(r).to_string()),
        None => MetaSchemaRef::Inline(Box::new(convert(v))),
    }
}

/// A `'static` copy of `s`. Schemas are made once per type and process, so this is bounded.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn count(v: &Value, key: &str) -> Option<usize> {
    v.get(key).and_then(Value::as_u64).map(|n| n as usize)
}

fn list(v: &Value, key: &str) -> Vec<MetaSchemaRef> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(reference).collect())
        .unwrap_or_default()
}

/// One JSON Schema object as poem-openapi's schema.
fn convert(v: &Value) -> MetaSchema {
    let mut m = MetaSchema::ANY;
    let str_of = |key: &str| v.get(key).and_then(Value::as_str);
    match v.get("type") {
        Some(Value::String(t)) => m.ty = leak(t),
        Some(Value::Array(ts)) => {
            m.nullable = ts.iter().any(|t| t == "null");
            if let Some(t) = ts.iter().filter_map(Value::as_str).find(|t| *t != "null") {
                m.ty = leak(t);
            }
        }
        _ => {}
    }
    m.nullable |= v.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    m.format = str_of("format").map(leak);
    m.title = str_of("title").map(String::from);
    m.description = str_of("description").map(leak);
    m.default = v.get("default").cloned();
    m.example = v.get("example").cloned();
    m.deprecated = v.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
    m.read_only = v.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
    m.write_only = v.get("writeOnly").and_then(Value::as_bool).unwrap_or(false);
    if let Some(req) = v.get("required").and_then(Value::as_array) {
        m.required = req.iter().filter_map(Value::as_str).map(leak).collect();
    }
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        m.properties = props.iter().map(|(k, p)| (leak(k), reference(p))).collect();
    }
    m.items = v.get("items").map(|i| Box::new(reference(i)));
    m.additional_properties = match v.get("additionalProperties") {
        Some(Value::Bool(true)) => Some(Box::new(MetaSchemaRef::Inline(Box::new(MetaSchema::ANY)))),
        Some(p @ Value::Object(_)) => Some(Box::new(reference(p))),
        _ => None,
    };
    if let Some(e) = v.get("enum").and_then(Value::as_array) {
        m.enum_items = e.clone();
    }
    if let Some(c) = v.get("const") {
        m.enum_items = vec![c.clone()];
    }
    m.any_of = list(v, "anyOf");
    m.one_of = list(v, "oneOf");
    m.all_of = list(v, "allOf");
    m.multiple_of = num(v, "multipleOf");
    m.maximum = num(v, "maximum");
    m.minimum = num(v, "minimum");
    m.max_length = count(v, "maxLength");
    m.min_length = count(v, "minLength");
    m.pattern = str_of("pattern").map(String::from);
    m.max_items = count(v, "maxItems");
    m.min_items = count(v, "minItems");
    m.unique_items = v.get("uniqueItems").and_then(Value::as_bool);
    m.max_properties = count(v, "maxProperties");
    m.min_properties = count(v, "minProperties");
    m
}

impl<T: JsonSchema + Send + Sync> Type for Answer<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Value;
    type RawElementValueType = Value;

    fn name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_ref() -> MetaSchemaRef {
        schema_of::<T>(Contract::Serialize, &mut Registry::new())
    }

    fn register(registry: &mut Registry) {
        schema_of::<T>(Contract::Serialize, registry);
    }

    fn as_raw_value(&self) -> Option<&Value> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl<T: JsonSchema + Send + Sync> ToJSON for Answer<T> {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.clone())
    }
}

impl<T: JsonSchema + Send + Sync> Type for Input<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = T;
    type RawElementValueType = T;

    fn name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_ref() -> MetaSchemaRef {
        schema_of::<T>(Contract::Deserialize, &mut Registry::new())
    }

    fn register(registry: &mut Registry) {
        schema_of::<T>(Contract::Deserialize, registry);
    }

    fn as_raw_value(&self) -> Option<&T> {
        Some(&self.value)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a T> + 'a> {
        Box::new(std::iter::once(&self.value))
    }
}

impl<T: JsonSchema + DeserializeOwned + Send + Sync> ParseFromJSON for Input<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let Some(Value::Object(raw)) = value else {
            return Err(ParseError::custom("expected a JSON object"));
        };
        let value = serde_json::from_value(Value::Object(raw.clone()))
            .map_err(|e| ParseError::custom(e.to_string()))?;
        Ok(Input { value, raw })
    }
}
