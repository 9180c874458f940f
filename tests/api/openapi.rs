//! The OpenAPI document is a tested artefact: it matches the committed file, the server
//! serves it, and it follows the rules every operation shares.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

fn document() -> Value {
    tongxin::api::openapi::document()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

#[test]
fn the_committed_document_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    let built = tongxin::api::openapi::document_json();
    assert!(
        committed == built,
        "openapi/openapi.json is out of date; regenerate it with: cargo run -- openapi > openapi/openapi.json"
    );
}

#[tokio::test]
async fn the_server_serves_the_same_document() {
    let app = TestApp::spawn().await;
    let (status, served) = json_body(app.get("/api/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, document());
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn every_error_response_is_a_problem_document() {
    for (path, method, op) in operations(&document()) {
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.contains_key("500"), "{method} {path}");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
            }
        }
    }
}

#[test]
fn operations_declare_their_security_and_unique_ids() {
    let doc = document();
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let public: HashSet<&str> = [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/password",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/topics",
        "/healthz",
        "/readyz",
        "/metrics",
    ]
    .into();
    // Public, but a token adds the caller's own state.
    let optional: HashSet<&str> = [
        "/api/v1/contents",
        "/api/v1/contents/{id}",
        "/api/v1/media/{id}",
        "/api/v1/quizzes",
        "/api/v1/quizzes/{id}",
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}",
    ]
    .into();
    let mut ids = HashSet::new();
    for (path, method, op) in operations(&doc) {
        assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()), "duplicate operationId at {method} {path}");
        let security = op["security"].as_array().unwrap_or_else(|| panic!("{method} {path} declares security"));
        if public.contains(path.as_str()) {
            assert!(security.is_empty(), "{method} {path} is public");
        } else if optional.contains(path.as_str()) && method == "get" {
            assert_eq!(security, &vec![serde_json::json!({}), serde_json::json!({"bearer": []})], "{method} {path}");
        } else {
            assert_eq!(security, &vec![serde_json::json!({"bearer": []})], "{method} {path} needs a token");
            assert!(op["responses"].get("401").is_some(), "{method} {path} documents 401");
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;
    for (path, method, _) in operations(&document()) {
        let concrete = path.replace("{id}", "1");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = app.client.request(method.clone(), format!("{}{concrete}", app.address));
        if method != reqwest::Method::GET {
            req = req.json(&serde_json::json!({}));
        }
        let (status, body) = json_body(req.send().await.unwrap()).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_ne!(body["detail"], "No such endpoint.", "{method} {path} is not routed");
    }
}

#[test]
fn every_response_field_is_required_and_request_fields_stay_optional() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let profile = &schemas["Profile"];
    let required: HashSet<&str> = profile["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for field in profile["properties"].as_object().unwrap().keys() {
        assert!(required.contains(field.as_str()), "Profile.{field} is always present");
    }
    assert_eq!(schemas["MemberPage"]["required"], serde_json::json!(["items", "next_cursor"]));
    assert_eq!(schemas["FeedPage"]["properties"]["items"]["items"]["$ref"], "#/components/schemas/FeedItem");
    let register_required = schemas["RegisterRequest"]["required"].as_array().unwrap();
    assert!(!register_required.contains(&Value::from("org_code")), "optional in requests");
}

#[test]
fn every_reference_resolves() {
    let doc = document();
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("#/components/schemas/").skip(1) {
        let name: String = piece.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        assert!(schemas.contains_key(&name), "unresolved $ref to {name}");
    }
}

#[test]
fn every_operation_with_a_json_body_documents_the_body_errors() {
    // DELETE /me takes a body too, and answers 400 and 415 like the others.
    for (path, method, op) in operations(&document()) {
        if op["requestBody"].is_null() {
            continue;
        }
        for status in ["400", "413", "415", "422"] {
            assert!(op["responses"].get(status).is_some(), "{method} {path} documents {status}");
        }
    }
}

#[test]
fn the_media_download_documents_every_type_an_upload_may_have() {
    let doc = document();
    let responses = &doc["paths"]["/api/v1/media/{id}"]["get"]["responses"];
    let accepted: HashSet<&str> = tongxin::media::sniff::ACCEPTED.iter().map(|(mime, _)| *mime).collect();
    for status in ["200", "206"] {
        let documented: HashSet<&str> =
            responses[status]["content"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(documented, accepted, "{status}");
    }
}

#[test]
fn an_optional_request_body_is_an_object_or_nothing_never_null() {
    // The server refuses a JSON `null` body like any non-object (422); leaving it out is the way.
    for (path, method, op) in operations(&document()) {
        let body = &op["requestBody"];
        if body.is_null() || body["required"] == true {
            continue;
        }
        for (media, content) in body["content"].as_object().unwrap() {
            let schema = content["schema"].to_string();
            assert!(!schema.contains(r#"{"type":"null"}"#), "{method} {path} {media}: {schema}");
        }
    }
}

/// The schema of a query parameter of an operation.
fn parameter(doc: &Value, path: &str, name: &str) -> Value {
    let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
    params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{path} has no {name}"))["schema"].clone()
}

#[test]
fn the_admin_organization_side_states_the_bounds_the_server_enforces() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let participation = "/api/v1/admin/reports/participation";
    let sort = parameter(&doc, participation, "sort");
    assert_eq!(sort["enum"][0], "org_id", "{sort}");
    assert_eq!(sort["enum"].as_array().unwrap().len(), 12, "{sort}");
    assert_eq!(parameter(&doc, participation, "order")["enum"], serde_json::json!(["asc", "desc"]));
    for path in [participation, "/api/v1/admin/reports/timeseries", "/api/v1/admin/reports/contents"] {
        for name in ["from", "to"] {
            assert_eq!(parameter(&doc, path, name)["format"], "date", "{path} {name}");
        }
    }
    let content_sort = parameter(&doc, "/api/v1/admin/reports/contents", "sort");
    assert!(content_sort["enum"].as_array().unwrap().contains(&Value::from("average_effective_percent")));

    // A point rule's action is any action but campaign_bonus; the body has at least one rule.
    let action = &schemas["RuleInput"]["properties"]["action"]["$ref"];
    let actions = &schemas[action.as_str().unwrap().rsplit('/').next().unwrap()]["enum"];
    assert!(actions.as_array().unwrap().contains(&Value::from("share")), "{actions}");
    assert!(!actions.as_array().unwrap().contains(&Value::from("campaign_bonus")), "{actions}");
    assert_eq!(schemas["PointRulesBody"]["properties"]["rules"]["minItems"], 1);

    for body in ["CreateOrganization", "UpdateOrganization"] {
        let name = &schemas[body]["properties"]["name"];
        assert_eq!((name["minLength"].as_u64(), name["maxLength"].as_u64()), (Some(1), Some(100)), "{body}");
        assert_eq!(name["pattern"], tongxin::domain::organizations::NAME_PATTERN, "{body}");
        assert_eq!(schemas[body]["properties"]["demonstration_since"]["format"], "date", "{body}");
    }
    assert_eq!(parameter(&doc, "/api/v1/admin/users", "q")["maxLength"], 100);
}

#[test]
fn the_document_states_the_bounds_the_admin_content_endpoints_enforce() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let reason = &schemas["RejectBody"]["properties"]["reason"];
    assert_eq!((reason["minLength"].as_u64(), reason["maxLength"].as_u64()), (Some(1), Some(500)), "{reason}");
    let ids = &schemas["QuizInput"]["properties"]["question_ids"];
    assert_eq!(
        (ids["minItems"].as_u64(), ids["maxItems"].as_u64(), &ids["uniqueItems"]),
        (Some(1), Some(200), &Value::Bool(true)),
        "{ids}"
    );
    let attempts = &schemas["QuizInput"]["properties"]["max_attempts"];
    assert_eq!((attempts["minimum"].as_f64(), attempts["maximum"].as_f64()), (Some(1.0), Some(100.0)), "{attempts}");
    let audiences = &schemas["ContentFields"]["properties"]["audiences"];
    assert_eq!(audiences["minItems"].as_u64(), Some(1), "{audiences}");
    // A topic is named by id or slug, as serde takes it.
    let topic = &schemas["TopicRef"]["oneOf"];
    assert_eq!((topic[0]["type"].as_str(), topic[1]["type"].as_str()), (Some("integer"), Some("string")), "{topic}");
    // Creating needs what editing may leave out.
    let create =
        &doc["paths"]["/api/v1/admin/contents"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(create["required"], serde_json::json!(["kind", "title", "topic", "audiences"]), "{create}");
    let names = &schemas["TopicBody"]["properties"]["names"];
    assert_eq!(names["required"], serde_json::json!(["zh-Hans"]), "{names}");
    assert!(names["propertyNames"]["pattern"].is_string(), "{names}");
}
