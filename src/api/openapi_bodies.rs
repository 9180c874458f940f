//! What a request body's type cannot say on its own: a create operation shares its body
//! type with the PATCH that edits the same thing (every field optional there), so the
//! fields creating requires, and the ones an edit may not carry, are added here to the
//! operation's body schema with `allOf`. The server checks the same (a missing field is
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

fn rule_for(operation: &str) -> Option<Value> {
    let required = REQUIRED.iter().find(|(op, _)| *op == operation).map_or(&[][..], |(_, fields)| *fields);
    let forbidden = FORBIDDEN.iter().find(|(op, _)| *op == operation).map_or(&[][..], |(_, fields)| *fields);
    if required.is_empty() && forbidden.is_empty() {
        return None;
    }
    let mut properties = serde_json::Map::new();
    for field in required {
        properties.insert((*field).to_owned(), json!({"not": {"type": "null"}}));
    }
    for field in forbidden {
        properties.insert((*field).to_owned(), json!(false));
    }
    let mut rule = json!({"properties": properties});
    if !required.is_empty() {
        rule["required"] = json!(required);
    }
    Some(rule)
}

/// Component schema → array properties whose items must be distinct (utoipa has no
/// attribute for `uniqueItems`).
const UNIQUE_ITEMS: &[(&str, &str)] =
    &[("QuizInput", "question_ids"), ("CampaignInput", "content_ids"), ("CampaignInput", "quiz_ids")];

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
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        let Some(id) = op.get("operationId").and_then(Value::as_str).map(str::to_owned) else { continue };
        let Some(media) = op.pointer_mut("/requestBody/content/application~1json") else { continue };
        if let Some(rule) = rule_for(&id) {
            let base = media["schema"].take();
            media["schema"] = json!({"allOf": [base, rule]});
        }
        if let Some(example) = example_for(&id) {
            media["example"] = example;
        }
    }
}
