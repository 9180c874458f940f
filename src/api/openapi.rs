//! The OpenAPI 3.1 document. Paths come from the same `api::configure` the server runs;
//! `finish` then applies the rules every operation shares (error shape, security).

use std::collections::BTreeSet;

use actix_web::App;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{self, ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt as _;

use crate::error::{FieldError, PROBLEM_CONTENT_TYPE, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tongxin (同心) API",
        description = "Backend of a mobile publicity-and-education app for ethnic unity and progress: \
accounts, content, quizzes, engagement, points and supervision reports.\n\n\
Conventions: JSON in and out (UTF-8, snake_case). Errors are `application/problem+json` \
(RFC 9457) with a stable `code`. Lists take `limit` (1–100, default 20) and an opaque `cursor`, \
and answer `{items, next_cursor}`. Times are RFC 3339 in UTC.\n\n\
Every GET operation also answers HEAD (RFC 9110): the same status and headers \
(Content-Length, ETag, Content-Type, Accept-Ranges, ...) with no body. HEAD operations \
are not listed separately.\n\n\
Optional fields: in responses every documented field is always present, and `null` means \
\"no value\"; in requests an optional field may be omitted, and in PATCH bodies `null` \
clears a nullable field while an omitted field stays unchanged.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server")),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Registration, login and tokens"),
        (name = "me", description = "The caller's own account"),
        (name = "admin: organizations", description = "The organization tree (staff), and a school's work in it. \
A school's week: an org admin creates a class (`POST /admin/organizations`) and imports its roster \
(`POST /admin/organizations/{id}/roster`, JSON or CSV; `Accept: text/html` answers a printable sheet of \
slips with each pupil's username and temporary initial password, shown once). A pupil's first sign-in at \
`POST /auth/login` answers 403 `password_change_required`; `POST /auth/password` sets their own password and \
signs them in. The teacher checks the week with `GET /admin/organizations/{id}/members/progress` \
(`inactive=true`: who did nothing; `Accept: text/csv`). A forgotten password has no self-service reset: \
staff issue a temporary one with `POST /admin/users/{id}/password-reset`."),
        (name = "admin: users", description = "Member management (staff)"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
struct ApiDoc;

/// The document the server serves at `/api/openapi.json` and `tongxin openapi` prints.
pub fn document() -> Value {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(super::configure).split_for_parts();
    finish(&mut api);
    let mut doc = serde_json::to_value(&api).unwrap_or_default();
    require_response_fields(&mut doc);
    optional_bodies_are_absent_not_null(&mut doc);
    super::openapi_bodies::state_the_rules(&mut doc);
    super::openapi_strings::state_the_rule(&mut doc);
    doc
}

/// The committed form of the document (`openapi/openapi.json`).
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// The rule for optional fields: in responses every property is always present (`null`
/// when there is no value), so every property of a response schema is `required`.
/// Request schemas keep their optional fields optional. The problem document is the one
/// exception: as in RFC 9457, `errors` appears only on `validation_failed`.
fn require_response_fields(doc: &mut Value) {
    let mut in_requests = BTreeSet::new();
    let mut in_responses = BTreeSet::new();
    for item in doc["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for op in item.as_object().into_iter().flat_map(|ops| ops.values()) {
            collect_refs(&op["requestBody"], &doc["components"]["schemas"], &mut in_requests);
            collect_refs(&op["responses"], &doc["components"]["schemas"], &mut in_responses);
        }
    }
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else { return };
    for name in in_responses.difference(&in_requests).filter(|name| *name != "Problem") {
        if let Some(schema) = schemas.get_mut(name.as_str())
            && let Some(properties) = schema.get("properties").and_then(Value::as_object)
        {
            let all: Vec<Value> = properties.keys().cloned().map(Value::String).collect();
            schema["required"] = Value::Array(all);
        }
    }
}

/// An optional request body (`Option<T>` in a handler) is sent or left out; a JSON `null`
/// is refused like any other non-object body, so the document must not offer it.
fn optional_bodies_are_absent_not_null(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        let Some(body) = op.get_mut("requestBody").filter(|b| b["required"] != Value::Bool(true)) else { continue };
        for media in body["content"].as_object_mut().into_iter().flat_map(|c| c.values_mut()) {
            let replacement = match media["schema"]["oneOf"].as_array() {
                Some(variants) if variants.len() == 2 => {
                    let mut not_null = variants.iter().filter(|v| v["type"] != "null");
                    match (not_null.next(), not_null.next()) {
                        (Some(only), None) => Some(only.clone()),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(schema) = replacement {
                media["schema"] = schema;
            }
        }
    }
}

/// Names of the component schemas `value` refers to, directly or through other schemas.
pub(super) fn collect_refs(value: &Value, schemas: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) =
                map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
                && found.insert(name.to_owned())
            {
                collect_refs(&schemas[name], schemas, found);
            }
            map.values().for_each(|v| collect_refs(v, schemas, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, schemas, found)),
        _ => {}
    }
}

fn problem_response(description: &str) -> RefOr<openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
        .into()
}

fn finish(api: &mut openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An access token from /api/v1/auth/login, /register or /refresh. Refused with 401 \
                     `unauthorized` (missing, or the account is erased or disabled), `invalid_token`, \
                     `token_expired` (refresh it) or `session_ended` (its session was logged out, ended \
                     by a password change elsewhere, or its refresh token was reused: log in again). \
                     The session is checked on every request, so an ended one stops at once.",
                ))
                .build(),
        ),
    );
    for item in api.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch] {
            if let Some(operation) = operation.as_mut() {
                finish_operation(operation);
            }
        }
    }
}

/// Adds the responses every operation of its kind can give, and makes every 4XX/5XX
/// response carry the problem schema.
fn finish_operation(op: &mut openapi::path::Operation) {
    // `security(())` in a handler's attribute marks it public; say so as `security: []`.
    let public = op.security.as_ref().is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    if public {
        op.security = Some(Vec::new());
    }
    let responses = &mut op.responses.responses;
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_owned()).or_insert_with(|| problem_response(description));
    };
    // Any method with a body (DELETE /me has one) parses it with the same JSON extractor.
    if has_body {
        add("400", "Malformed JSON (`malformed_json`)");
        add("413", "Body larger than 1 MiB (`payload_too_large`)");
        add("415", "Body is not JSON (`unsupported_media_type`)");
        add("422", "A field is invalid (`validation_failed`)");
    }
    if has_params {
        add("422", "A parameter is invalid (`validation_failed`)");
    }
    if !public {
        add("401", "Missing, invalid or expired access token, or its session has ended (`session_ended`)");
    }
    add("500", "Unexpected error (`internal_error`); the body carries no details");
    add("503", "Database busy or unreachable (`service_unavailable`); see `Retry-After`");
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let RefOr::T(response) = response {
            response.content.clear();
            response.content.insert(
                PROBLEM_CONTENT_TYPE.to_owned(),
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build().into(),
            );
        }
    }
}
