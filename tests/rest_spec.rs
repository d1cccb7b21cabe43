//! The OpenAPI document: `/api/openapi.json` as served matches its committed snapshot
//! (`UPDATE_SNAPSHOTS=1` to accept a change), every operation is described and documents
//! the one error shape, every schema it references exists, no two types share a schema
//! name, and Swagger UI is served at `/docs`.

mod harness;

use harness::rest::get;
use harness::server::serve;
use serde_json::Value;

const SNAPSHOT: &str = "tests/snapshots/openapi.json";

/// Every `$ref` under `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_complete_and_matches_its_snapshot() {
    let app = serve(vec![]).await;
    let doc = get(app.addr, "/api/openapi.json", None).await;
    assert_eq!(doc.status, 200, "{doc:?}");
    let spec = &doc.json;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."), "{}", spec["openapi"]);

    let schemas = spec["components"]["schemas"].as_object().expect("component schemas");
    let mut all = Vec::new();
    refs(spec, &mut all);
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("ref {r}"));
        assert!(schemas.contains_key(name), "{r} is referenced but not defined");
    }
    assert!(
        infrastructor::rest::schema::conflicts().is_empty(),
        "two types share a schema name: {:?}",
        infrastructor::rest::schema::conflicts()
    );

    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{method} {path}");
            assert!(op["operationId"].is_string(), "{at} has no operationId");
            assert!(op["summary"].is_string() && op["description"].is_string(), "{at}");
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "401", "403", "404", "503"] {
                let body = &responses.get(status).unwrap_or_else(|| panic!("{at}: no {status}"))["content"]
                    ["application/json; charset=utf-8"]["schema"]["$ref"];
                assert_eq!(body, "#/components/schemas/ErrorBody", "{at} {status}");
            }
            assert!(responses.keys().any(|s| s.starts_with('2')), "{at} has no success");
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(p["description"].is_string() || p["in"] == "path", "{at}: {p}");
            }
        }
    }
    assert!(operations >= 38, "only {operations} operations");

    let actual = serde_json::to_string_pretty(spec).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{SNAPSHOT} is out of date; rerun with UPDATE_SNAPSHOTS=1 and review"
    );

    let docs = get(app.addr, "/docs", None).await;
    assert_eq!(docs.status, 200);
    assert!(
        docs.content_type.starts_with("text/html") && docs.text.contains("swagger"),
        "{docs:?}"
    );
    app.shutdown().await;
}
