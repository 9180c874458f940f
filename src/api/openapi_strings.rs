//! The control-character rule (`api::control_chars`) stated in the OpenAPI document, so
//! that a client, or a fuzzer, knows which strings the server takes: every free-text
//! string a request carries (query and path parameters, JSON bodies) gets a `pattern`
//! that leaves out C0, DEL and C1, and multi-line fields allow tab, LF and CR. Strings
//! with their own pattern, format or enum are left as they are: those rules are stricter.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::control_chars::MULTILINE_FIELDS;

pub const SINGLE_LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
pub const MULTI_LINE: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// Formats whose values never hold control characters anyway.
const CLOSED_FORMATS: &[&str] = &["date", "date-time", "binary", "byte", "uuid", "email", "uri"];

pub fn state_the_rule(doc: &mut Value) {
    let mut in_requests = BTreeSet::new();
    for item in doc["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for op in item.as_object().into_iter().flat_map(|ops| ops.values()) {
            super::openapi::collect_refs(&op["requestBody"], &doc["components"]["schemas"], &mut in_requests);
            super::openapi::collect_refs(&op["parameters"], &doc["components"]["schemas"], &mut in_requests);
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for name in &in_requests {
            if let Some(schema) = schemas.get_mut(name.as_str()) {
                mark(schema, false);
            }
        }
    }
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        // `get_mut`, not indexing: `op["parameters"]` would add a null to every operation
        // that has none.
        for parameter in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
            if matches!(parameter["in"].as_str(), Some("query" | "path"))
                && let Some(schema) = parameter.get_mut("schema")
            {
                mark(schema, false);
            }
        }
        let Some(body) = op.get_mut("requestBody") else { continue };
        for media in body.get_mut("content").and_then(Value::as_object_mut).into_iter().flat_map(|c| c.values_mut()) {
            if let Some(schema) = media.get_mut("schema") {
                mark(schema, false);
            }
        }
    }
}

fn is_string(schema: &serde_json::Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

fn mark(schema: &mut Value, multiline: bool) {
    let Some(map) = schema.as_object_mut() else { return };
    let open_format = map.get("format").and_then(Value::as_str).is_none_or(|f| !CLOSED_FORMATS.contains(&f));
    if is_string(map) && open_format && !["enum", "const", "pattern"].iter().any(|k| map.contains_key(*k)) {
        map.insert("pattern".into(), json!(if multiline { MULTI_LINE } else { SINGLE_LINE }));
    }
    if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            mark(property, MULTILINE_FIELDS.contains(&name.as_str()));
        }
    }
    if map.get("additionalProperties").is_some_and(Value::is_object) && !map.contains_key("propertyNames") {
        map.insert("propertyNames".into(), json!({"pattern": SINGLE_LINE}));
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            mark(inner, multiline);
        }
    }
    for key in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        for inner in map.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
            mark(inner, multiline);
        }
    }
}
