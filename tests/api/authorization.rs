//! The authorization matrix: every operation of the served OpenAPI document, called by
//! every role, against a table saying who may call it.
//!
//! THE TABLE MUST LIST EVERY OPERATION. A route without a line fails the test (so a new
//! route cannot ship without deciding who may call it), and so does a line without a route.
//! Adding a route means adding one line to `RULES` (and, if calling it could succeed and
//! change the caller's account, one line to `FRESH_USER`).

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// Who may call an operation.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, signed in or not (a token, when sent, may personalize the answer).
    Public,
    /// Operations endpoints outside `/api/v1` (probes, metrics): no token involved.
    Ops,
    /// Any signed-in account, learners included.
    AnyUser,
    /// Editors, reviewers and admins.
    ContentStaff,
    /// Reviewers and admins.
    Reviewers,
    /// Org admins (within their subtree) and admins.
    MemberManagers,
    /// Admins only.
    Admins,
    /// Exactly these roles (for rules the names above do not cover).
    #[allow(dead_code)]
    Only(&'static [&'static str]),
}

use Who::*;

impl Who {
    fn needs_token(self) -> bool {
        !matches!(self, Public | Ops)
    }

    fn allows(self, role: &str) -> bool {
        match self {
            Public | Ops | AnyUser => true,
            ContentStaff => matches!(role, "editor" | "reviewer" | "admin"),
            Reviewers => matches!(role, "reviewer" | "admin"),
            MemberManagers => matches!(role, "org_admin" | "admin"),
            Admins => role == "admin",
            Only(roles) => roles.contains(&role),
        }
    }
}

/// One line per operation of the OpenAPI document: method, path as documented, who.
const RULES: &[(&str, &str, Who)] = &[
    // Operations.
    ("GET", "/healthz", Ops),
    ("GET", "/readyz", Ops),
    ("GET", "/metrics", Ops),
    // Accounts.
    ("POST", "/api/v1/auth/register", Public),
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/password", Public),
    ("POST", "/api/v1/auth/refresh", Public),
    ("POST", "/api/v1/auth/logout", Public),
    ("GET", "/api/v1/me", AnyUser),
    ("PATCH", "/api/v1/me", AnyUser),
    ("POST", "/api/v1/me/password", AnyUser),
    ("GET", "/api/v1/me/export", AnyUser),
    ("DELETE", "/api/v1/me", AnyUser),
    ("GET", "/api/v1/me/favorites", AnyUser),
    ("GET", "/api/v1/me/progress", AnyUser),
    ("GET", "/api/v1/me/history", AnyUser),
    ("GET", "/api/v1/me/points", AnyUser),
    ("GET", "/api/v1/me/stats", AnyUser),
    ("GET", "/api/v1/me/mistakes", AnyUser),
    ("POST", "/api/v1/me/mistakes/practice", AnyUser),
    // Learning.
    ("GET", "/api/v1/topics", Public),
    ("GET", "/api/v1/contents", Public),
    ("GET", "/api/v1/contents/{id}", Public),
    ("PUT", "/api/v1/contents/{id}/like", AnyUser),
    ("DELETE", "/api/v1/contents/{id}/like", AnyUser),
    ("PUT", "/api/v1/contents/{id}/favorite", AnyUser),
    ("DELETE", "/api/v1/contents/{id}/favorite", AnyUser),
    ("GET", "/api/v1/media/{id}", Public),
    ("POST", "/api/v1/events", AnyUser),
    ("GET", "/api/v1/quizzes", Public),
    ("GET", "/api/v1/quizzes/daily", AnyUser),
    ("GET", "/api/v1/quizzes/{id}", Public),
    ("POST", "/api/v1/quizzes/{id}/attempts", AnyUser),
    ("GET", "/api/v1/attempts/{id}", AnyUser),
    ("PUT", "/api/v1/attempts/{id}/answers/{question_id}", AnyUser),
    ("POST", "/api/v1/attempts/{id}/submit", AnyUser),
    ("GET", "/api/v1/leaderboards/users", AnyUser),
    ("GET", "/api/v1/leaderboards/organizations", AnyUser),
    // Staff: contents.
    ("GET", "/api/v1/admin/contents", ContentStaff),
    ("POST", "/api/v1/admin/contents", ContentStaff),
    ("GET", "/api/v1/admin/contents/{id}", ContentStaff),
    ("PATCH", "/api/v1/admin/contents/{id}", ContentStaff),
    ("DELETE", "/api/v1/admin/contents/{id}", ContentStaff),
    ("PUT", "/api/v1/admin/contents/{id}/translations/{locale}", ContentStaff),
    ("POST", "/api/v1/admin/contents/{id}/submit", ContentStaff),
    ("POST", "/api/v1/admin/contents/{id}/approve", Reviewers),
    ("POST", "/api/v1/admin/contents/{id}/reject", Reviewers),
    ("DELETE", "/api/v1/admin/contents/{id}/revision", ContentStaff),
    ("POST", "/api/v1/admin/media", ContentStaff),
    // Staff: question bank and quizzes.
    ("GET", "/api/v1/admin/questions", ContentStaff),
    ("POST", "/api/v1/admin/questions", ContentStaff),
    ("POST", "/api/v1/admin/questions/import", ContentStaff),
    ("GET", "/api/v1/admin/questions/{id}", ContentStaff),
    ("PATCH", "/api/v1/admin/questions/{id}", ContentStaff),
    ("DELETE", "/api/v1/admin/questions/{id}", ContentStaff),
    ("GET", "/api/v1/admin/quizzes", ContentStaff),
    ("POST", "/api/v1/admin/quizzes", ContentStaff),
    ("GET", "/api/v1/admin/quizzes/{id}", ContentStaff),
    ("PATCH", "/api/v1/admin/quizzes/{id}", ContentStaff),
    ("DELETE", "/api/v1/admin/quizzes/{id}", ContentStaff),
    ("POST", "/api/v1/admin/quizzes/{id}/submit", ContentStaff),
    ("POST", "/api/v1/admin/quizzes/{id}/approve", Reviewers),
    ("POST", "/api/v1/admin/quizzes/{id}/reject", Reviewers),
    ("DELETE", "/api/v1/admin/quizzes/{id}/revision", ContentStaff),
    ("GET", "/api/v1/admin/reports/quizzes/{id}", Only(&["editor", "reviewer", "org_admin", "admin"])),
    ("GET", "/api/v1/admin/reports/participation", MemberManagers),
    ("GET", "/api/v1/admin/reports/timeseries", MemberManagers),
    ("GET", "/api/v1/admin/reports/contents", Only(&["editor", "reviewer", "org_admin", "admin"])),
    // Staff: site administration.
    ("GET", "/api/v1/admin/topics", Admins),
    ("POST", "/api/v1/admin/topics", Admins),
    ("PATCH", "/api/v1/admin/topics/{id}", Admins),
    ("DELETE", "/api/v1/admin/topics/{id}", Admins),
    ("GET", "/api/v1/admin/point-rules", Admins),
    ("PUT", "/api/v1/admin/point-rules", Admins),
    ("GET", "/api/v1/admin/audit-log", Admins),
    // Staff: the organization tree and its members (org admins: their subtree only,
    // which tests/api/subtree_scope.rs checks).
    ("GET", "/api/v1/admin/organizations", MemberManagers),
    ("POST", "/api/v1/admin/organizations", MemberManagers),
    ("GET", "/api/v1/admin/organizations/{id}", MemberManagers),
    ("GET", "/api/v1/admin/organizations/{id}/members/progress", MemberManagers),
    ("PATCH", "/api/v1/admin/organizations/{id}", MemberManagers),
    ("POST", "/api/v1/admin/organizations/{id}/roster", MemberManagers),
    ("GET", "/api/v1/admin/users", MemberManagers),
    ("GET", "/api/v1/admin/users/{id}", MemberManagers),
    ("PATCH", "/api/v1/admin/users/{id}", MemberManagers),
    ("POST", "/api/v1/admin/users/{id}/password-reset", MemberManagers),
    // Campaigns.
    ("GET", "/api/v1/campaigns", Public),
    ("GET", "/api/v1/campaigns/{id}", Public),
    ("GET", "/api/v1/admin/campaigns", ContentStaff),
    ("POST", "/api/v1/admin/campaigns", ContentStaff),
    ("GET", "/api/v1/admin/campaigns/{id}", ContentStaff),
    ("PATCH", "/api/v1/admin/campaigns/{id}", ContentStaff),
    ("DELETE", "/api/v1/admin/campaigns/{id}", ContentStaff),
    ("POST", "/api/v1/admin/campaigns/{id}/submit", ContentStaff),
    ("POST", "/api/v1/admin/campaigns/{id}/approve", Reviewers),
    ("POST", "/api/v1/admin/campaigns/{id}/reject", Reviewers),
    ("DELETE", "/api/v1/admin/campaigns/{id}/revision", ContentStaff),
    // Staff: what the console needs (issue 15).
    ("POST", "/api/v1/admin/markdown/preview", ContentStaff),
    ("GET", "/api/v1/admin/review-queue", Reviewers),
    ("GET", "/api/v1/admin/workflow/counts", ContentStaff),
    // A rule the names above do not cover, e.g. editors and org admins but not reviewers:
    // ("GET", "/api/v1/admin/reports/...", Only(&["editor", "org_admin", "admin"])),
];

/// Operations that, called with `{}`, could succeed and change or end the caller's
/// account: each role calls them as a freshly created user, so the shared sessions of
/// the other calls stay intact whatever they do.
/// (A password change with `{}` cannot succeed today; it is here so that a looser body
/// later cannot end the shared sessions. `DELETE /me` needs a password, but is here for the same reason.)
const FRESH_USER: &[(&str, &str)] = &[("POST", "/api/v1/me/password"), ("DELETE", "/api/v1/me")];

const ROLES: [&str; 5] = ["learner", "editor", "reviewer", "org_admin", "admin"];

/// A value for a path parameter: an id that exists nowhere (the rules are checked before
/// anything is looked up, and nothing can be changed through it), or a valid word.
fn placeholder(name: &str, schema: &Value) -> String {
    match (name, schema["type"].as_str()) {
        ("locale", _) => "en".to_owned(),
        (_, Some("integer")) => "999999".to_owned(),
        _ => "placeholder".to_owned(),
    }
}

struct Operation {
    method: Method,
    /// As documented, e.g. `/api/v1/admin/users/{id}`.
    template: String,
    /// With its path parameters filled in.
    path: String,
    json_body: bool,
    /// The `security` requirement as documented.
    security: Value,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else { continue };
            if !matches!(method, Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
                continue;
            }
            let mut path = template.clone();
            for param in op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(item["parameters"].as_array().into_iter().flatten())
            {
                if param["in"] == "path" {
                    let name = param["name"].as_str().expect("parameter name");
                    path = path.replace(&format!("{{{name}}}"), &placeholder(name, &param["schema"]));
                }
            }
            assert!(!path.contains('{'), "{method} {template}: a path parameter is not documented");
            found.push(Operation {
                json_body: op["requestBody"].is_object(),
                security: op["security"].clone(),
                method,
                template: template.clone(),
                path,
            });
        }
    }
    found
}

/// Whether the documented security lets a caller without a token in: no requirement, or
/// an empty alternative (`{}`) beside the bearer one.
fn documented_public(security: &Value) -> bool {
    match security.as_array() {
        None => true,
        Some(alternatives) => {
            alternatives.is_empty() || alternatives.iter().any(|a| a.as_object().is_some_and(serde_json::Map::is_empty))
        }
    }
}

async fn call(app: &TestApp, op: &Operation, token: Option<&str>) -> StatusCode {
    let mut request = app.request(op.method.clone(), &op.path, token);
    if op.json_body {
        request = request.json(&json!({}));
    }
    request.send().await.expect("request").status()
}

/// A user with `role` (org admins get a node of their own), signed in.
async fn user_with_role(app: &TestApp, admin: &Session, username: &str, role: &str, org: i64) -> Session {
    match role {
        "learner" => app.register(username).await,
        "org_admin" => app.staff(admin, username, role, Some(org)).await,
        _ => app.staff(admin, username, role, None).await,
    }
}

#[tokio::test]
async fn every_operation_answers_each_role_as_its_rule_says() {
    let app = TestApp::spawn().await;
    let admin = app.admin("matrix_admin").await;
    let township = app.create_org(&admin, "东乡镇", "township", None).await["id"].as_i64().unwrap();
    let mut sessions = BTreeMap::new();
    for role in ROLES {
        let session = if role == "admin" {
            admin.clone()
        } else {
            user_with_role(&app, &admin, &format!("matrix_{role}"), role, township).await
        };
        sessions.insert(role, session);
    }

    let (status, spec) = json_body(app.get("/api/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    let ops = operations(&spec);
    assert!(ops.len() > 50, "the document lists the operations: {}", ops.len());

    let rules: BTreeMap<(String, String), Who> =
        RULES.iter().map(|(m, p, who)| (((*m).to_owned(), (*p).to_owned()), *who)).collect();
    assert_eq!(rules.len(), RULES.len(), "a line appears twice in RULES");
    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|op| (op.method.to_string(), op.template.clone())).collect();
    let unlisted: Vec<String> =
        documented.iter().filter(|k| !rules.contains_key(*k)).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(unlisted.is_empty(), "operations without a line in RULES (add one each): {unlisted:#?}");
    let stale: Vec<String> =
        rules.keys().filter(|k| !documented.contains(*k)).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(stale.is_empty(), "lines in RULES for operations the document does not have: {stale:#?}");

    let mut failures = Vec::new();
    let mut calls = 0;
    for op in &ops {
        let key = (op.method.to_string(), op.template.clone());
        let who = rules[&key];
        let name = format!("{} {}", op.method, op.template);
        let fresh = FRESH_USER.iter().any(|(m, p)| *m == key.0 && *p == key.1);

        if documented_public(&op.security) == who.needs_token() {
            failures.push(format!("{name}: documented security {} does not match rule {who:?}", op.security));
        }

        let status = call(&app, op, None).await;
        calls += 1;
        let ok = if who.needs_token() { status == StatusCode::UNAUTHORIZED } else { !is_denied(status) };
        if !ok || status.is_server_error() {
            failures.push(format!("{name} as anonymous: {status} (rule {who:?})"));
        }

        for role in ROLES {
            let fresh_session;
            let session = if fresh {
                let username = format!("fresh_{role}_{calls}");
                fresh_session = user_with_role(&app, &admin, &username, role, township).await;
                &fresh_session
            } else {
                &sessions[role]
            };
            let status = call(&app, op, Some(&session.access)).await;
            calls += 1;
            let ok = if who.allows(role) { !is_denied(status) } else { status == StatusCode::FORBIDDEN };
            if !ok || status.is_server_error() {
                failures.push(format!("{name} as {role}: {status} (rule {who:?})"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls broke their rule:\n{}", failures.len(), failures.join("\n"));
}

fn is_denied(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}
