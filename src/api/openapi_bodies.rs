//! What a request body's type cannot say on its own: a create operation shares its body
//! type with the PATCH that edits the same thing (every field optional there), so the
//! fields creating requires, and the ones an edit may not carry, are stated here in a copy
//! of the body schema inlined into the operation. The server checks the same (a missing field is
//! 422 naming it). Also the `uniqueItems` utoipa has no attribute for.

use serde_json::{Value, json};

/// Operation → fields its JSON body must carry, not `null`.
const REQUIRED: &[(&str, &[&str])] = &[
    ("admin_create_content", &["kind", "title", "topic", "audiences"]),
    ("admin_create_quiz", &["title"]),
    ("admin_create_campaign", &["kind", "title", "starts_at", "ends_at"]),
    ("admin_create_topic", &["slug", "names"]),
];

/// Operation → fields its JSON body may not carry (not even as `null`).
const FORBIDDEN: &[(&str, &[&str])] = &[("admin_update_content", &["kind"])];

/// `schema` without `null` among its values: `type: [T, "null"]` becomes `T`, and a
/// `oneOf` of `null` and one other schema becomes that schema.
fn not_null(schema: &mut Value) {
    if let Some(types) = schema.get("type").and_then(Value::as_array) {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        schema["type"] = if kept.len() == 1 { kept[0].clone() } else { Value::Array(kept) };
    }
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        let kept: Vec<Value> = variants.iter().filter(|v| v["type"] != "null").cloned().collect();
        if kept.len() == 1
            && let Some(map) = schema.as_object_mut()
        {
            map.remove("oneOf");
            if let Some(inner) = kept[0].as_object() {
                for (key, value) in inner {
                    map.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
    }
}

/// The body schema of `operation`: the shared component, inlined, with the fields creating
/// requires made required and not nullable, and the ones editing may not carry removed
/// (the bodies take no unknown fields).
fn body_for(operation: &str, schemas: &Value, base: &Value) -> Option<Value> {
    let required = REQUIRED.iter().find(|(op, _)| *op == operation).map_or(&[][..], |(_, fields)| *fields);
    let forbidden = FORBIDDEN.iter().find(|(op, _)| *op == operation).map_or(&[][..], |(_, fields)| *fields);
    if required.is_empty() && forbidden.is_empty() {
        return None;
    }
    let name = base["$ref"].as_str()?.strip_prefix("#/components/schemas/")?;
    let mut schema = schemas.get(name)?.clone();
    let properties = schema.get_mut("properties")?.as_object_mut()?;
    for field in required {
        not_null(properties.get_mut(*field)?);
    }
    for field in forbidden {
        properties.remove(*field);
    }
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if let Some(rules) = by_kind(operation) {
        schema["allOf"] = rules;
    }
    if let Some(example) = example_for(operation) {
        schema["example"] = example;
    } else if forbidden.iter().any(|field| schema["example"].get(*field).is_some()) {
        schema.as_object_mut()?.remove("example");
    }
    Some(schema)
}

/// Operation → an example of a whole valid body, where the body type's own example (shared
/// with the PATCH) lacks what creating requires.
fn example_for(operation: &str) -> Option<Value> {
    match operation {
        "admin_create_content" => Some(json!({
            "kind": "article", "title": "石榴籽的故事", "summary": "各民族像石榴籽一样紧紧抱在一起。",
            "body_markdown": "## 石榴籽\n\n各民族像石榴籽一样紧紧抱在一起。", "topic": "ethnic-view",
            "audiences": ["public"], "tags": ["团结"], "locale": "zh-Hans"
        })),
        _ => None,
    }
}

/// Component schema → array properties whose items must be distinct (utoipa has no
/// attribute for `uniqueItems`).
const UNIQUE_ITEMS: &[(&str, &str)] =
    &[("QuizInput", "question_ids"), ("CampaignInput", "content_ids"), ("CampaignInput", "quiz_ids")];

/// A rule that holds when `field` has the value `value`.
fn when(field: &str, value: &str, then: Value) -> Value {
    json!({"if": {"properties": {field: {"const": value}}, "required": [field]}, "then": then})
}

/// Rules that depend on a body's `kind`, by component schema (or create operation).
fn by_kind(name: &str) -> Option<Value> {
    let blank = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
    let keys = json!({"type": "array", "minItems": 1, "items": {"type": "string"}});
    match name {
        "QuestionDraft" => Some(json!([
            when(
                "kind",
                "single",
                json!({"required": ["options"], "properties": {"options": {"minItems": 2}, "answer": {"type": "string"}}})
            ),
            when(
                "kind",
                "multiple",
                json!({"required": ["options"], "properties": {"options": {"minItems": 2}, "answer": keys}})
            ),
            when(
                "kind",
                "true_false",
                json!({"properties": {"options": {"maxItems": 0}, "answer": {"type": "boolean"}}})
            ),
            when(
                "kind",
                "fill_blank",
                json!({"properties": {"options": {"maxItems": 0}, "answer": {
                    "type": "array", "minItems": 1,
                    "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": blank}
                }}})
            ),
        ])),
        "admin_create_content" => Some(json!([
            when(
                "kind",
                "article",
                json!({"required": ["body_markdown"], "properties": {
                    "body_markdown": {"type": "string"}, "media_id": {"type": "null"}, "duration_s": {"type": "null"},
                    "poster_media_id": {"type": "null"}
                }})
            ),
            when(
                "kind",
                "video",
                json!({"required": ["media_id"], "properties": {
                    "media_id": {"type": "integer"}, "body_markdown": {"type": "null"}
                }})
            ),
        ])),
        _ => None,
    }
}

/// Component schemas that take no other properties, where the type cannot say so itself:
/// the multipart upload form has exactly the part `file`.
const CLOSED: &[&str] = &["UploadForm"];

pub fn state_the_rules(doc: &mut Value) {
    for schema in CLOSED {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{schema}")) {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
    for (schema, property) in UNIQUE_ITEMS {
        if let Some(property) = doc.pointer_mut(&format!("/components/schemas/{schema}/properties/{property}")) {
            property["uniqueItems"] = Value::Bool(true);
        }
    }
    if let Some(schema) = doc.pointer_mut("/components/schemas/QuestionDraft") {
        schema["allOf"] = by_kind("QuestionDraft").unwrap_or_default();
    }
    let schemas = doc["components"]["schemas"].clone();
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        let Some(id) = op.get("operationId").and_then(Value::as_str).map(str::to_owned) else { continue };
        let Some(schema) = op.pointer_mut("/requestBody/content/application~1json/schema") else { continue };
        if let Some(body) = body_for(&id, &schemas, schema) {
            *schema = body;
        }
    }
}
