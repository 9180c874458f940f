use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::roster_sheet::{self, Sheet};
use crate::api::extract::parse_json;
use crate::api::import_body::{self, Upload};
use crate::auth::password::Password;
use crate::auth::{MemberManagers, Require};
use crate::domain::accounts::local_year;
use crate::domain::members::Actor;
use crate::domain::organizations::Scope;
use crate::domain::roster::{self, RosterLearner, RosterRows};
use crate::domain::temporary_passwords;
use crate::domain::vocab::OrgKind;
use crate::error::AppError;
use crate::startup::AppState;

/// 200 rows of names fit in far less; the bound is the row count.
const ROSTER_LIMIT: usize = 256 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RosterBody {
    /// 1 to 200 learners (each new account costs a password hash).
    #[schema(min_items = 1, max_items = 200)]
    pub learners: Vec<RosterLearner>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBody {
    learners: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterUnit {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
}

/// A new account, with its initial password: shown in this response only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedLearner {
    /// The learner's position in the roster, from 1 (in a CSV file, line `row + 1`).
    pub row: usize,
    pub user_id: i64,
    #[schema(example = "zhangsan01")]
    pub username: String,
    pub display_name: String,
    pub student_number: Option<String>,
    /// Eight letters and digits in two groups (`k7mp-3x9a`). It starts no session: at the
    /// first sign-in the pupil replaces it (`POST /auth/password`).
    #[schema(example = "k7mp-3x9a")]
    pub initial_password: String,
    /// A guardian's consent was recorded, with the importing staff member as recorder.
    pub guardian_consent_recorded: bool,
}

/// A row whose student number a live account of the unit already has: nothing created,
/// no password.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExistingLearner {
    pub row: usize,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub student_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterImport {
    pub organization: RosterUnit,
    pub created: Vec<CreatedLearner>,
    pub existing: Vec<ExistingLearner>,
    /// The initial passwords stop working then (30 days); staff then issue a reset.
    pub passwords_expire_at: DateTime<Utc>,
}

fn rows_from_json(body: &[u8]) -> Result<RosterRows, AppError> {
    let raw: RawBody = parse_json(body)?;
    Ok(import_body::json_rows("learners", raw.learners))
}

/// Import a class roster: create the learner accounts of a unit at once.
///
/// All or nothing: one bad row answers 422 naming every bad row and field, and nothing is
/// written. Send `application/json` `{"learners": [...]}` (errors named
/// `learners[i].field`), or `text/csv` with the header
/// `display_name,birth_year,audience,student_number,guardian_consent` (cells trimmed;
/// `birth_year`, `student_number` and `guardian_consent` may be empty; `guardian_consent`
/// is `true` or `false`; errors named `line[n].field`, n the line in the file). Either way
/// 1 to 200 learners (each new account costs a password hash). Rules across fields: a
/// birth year is not in the future; a learner who may be under 14 (born less than 15
/// years ago, or a `primary` or `junior` audience without a birth year) needs
/// `guardian_consent: true` (the school holds the signed form; the consent is recorded
/// with the importing staff member), else the row is bad (`guardian_consent_required`);
/// a student number appears once per file.
///
/// Each new account is a learner of the unit with a generated username (the pinyin of
/// the name plus digits: 张三 → `zhangsan01`; other scripts transliterated; `xuesheng01`
/// when nothing is left) and a temporary initial password, listed in this response only
/// (the server keeps its hash): the first sign-in answers 403 `password_change_required`
/// and the pupil chooses a password with `POST /auth/password`. The passwords work for
/// 30 days (`passwords_expire_at`); there is no self-service reset, staff issue one
/// (`POST /admin/users/{id}/password-reset`).
///
/// Idempotent by student number: a row whose number a live account of the unit has
/// creates nothing and is listed in `existing` (no password); rows without a number are
/// created every time. Org admins import into units of their subtree; admins anywhere.
/// Audited (`organization.roster_import`, with counts and ids, never a password).
///
/// `Accept: text/csv` gives the result as a CSV sheet, `Accept: text/html` as a printable
/// page (one slip per pupil to cut out: name, class, username, initial password, how to
/// sign in, expiry), instead of JSON.
#[utoipa::path(
    operation_id = "admin_import_roster", tag = "admin: organizations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The unit (class) the learners join")),
    request_body(content((RosterBody = "application/json"), (String = "text/csv"))),
    responses(
        (status = 201, description = "Imported (`Cache-Control: no-store`: the passwords are shown once)", content(
            (RosterImport = "application/json"),
            (String = "text/csv", example = "\u{feff}row,status,user_id,username,display_name,student_number,initial_password,passwords_expire_at\r\n1,created,42,zhangsan01,张三,2026070201,k7mp-3x9a,2027-01-05T08:00:00Z\r\n"),
            (String = "text/html")
        )),
        (status = 400, description = "Not readable as JSON or CSV"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "No such organization in the caller's scope"),
        (status = 409, description = "The unit is closed (`organization_closed`)"),
        (status = 413, description = "Larger than 256 KiB"),
        (status = 415, description = "Neither JSON nor CSV"),
        (status = 422, description = "Rows are invalid: every one is named in `errors`; nothing was imported"),
    )
)]
#[post("/admin/organizations/{id}/roster")]
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    Require { user: caller, body: payload, .. }: Require<MemberManagers, web::Payload>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let sheet = roster_sheet::wanted(&req);
    let rows = match import_body::read(&req, payload, ROSTER_LIMIT).await? {
        Upload::Csv(text) => roster::rows_from_csv(&text)?,
        Upload::Json(body) => rows_from_json(&body)?,
    };
    let now = state.clock.now();
    let learners = roster::check(&rows, local_year(now, state.config.timezone))?;
    let actor = Actor { id: caller.id, role: caller.role, scope: Scope::of(caller.role, caller.org_path()) };
    let (unit_id, learners) = (id.into_inner(), std::sync::Arc::new(learners));
    let (known, actor) = {
        let learners = learners.clone();
        state.db.run(move |conn| Ok((roster::known(conn, &actor, unit_id, &learners)?, actor))).await?
    };
    // Hashed side by side; the hashing threads bound the work.
    let passwords: Vec<Option<String>> = known.iter().map(|&k| (!k).then(temporary_passwords::generate)).collect();
    let hashes = futures_util::future::try_join_all(passwords.iter().map(|p| async {
        match p {
            Some(p) => state.hasher.hash(&Password::new(p.clone())).await.map(Some),
            None => Ok(None),
        }
    }))
    .await?;
    let holds = state.username_holds();
    let outcome = {
        let learners = learners.clone();
        state.db.run(move |conn| roster::import(conn, &actor, unit_id, &learners, &hashes, &holds, now)).await?
    };
    let body = RosterImport {
        organization: RosterUnit {
            id: outcome.unit.id,
            kind: OrgKind::parse(&outcome.unit.kind).unwrap_or(OrgKind::Unit),
            name: outcome.unit.name,
        },
        created: outcome
            .created
            .into_iter()
            .map(|(i, user)| CreatedLearner {
                row: learners[i].row,
                user_id: user.id,
                username: user.username,
                display_name: user.display_name,
                student_number: user.student_number,
                initial_password: passwords[i].clone().unwrap_or_default(),
                guardian_consent_recorded: user.guardian_consent_by.is_some(),
            })
            .collect(),
        existing: outcome
            .existing
            .into_iter()
            .map(|(i, user)| ExistingLearner {
                row: learners[i].row,
                user_id: user.id,
                username: user.username,
                display_name: user.display_name,
                student_number: user.student_number,
            })
            .collect(),
        passwords_expire_at: outcome.passwords_expire_at,
    };
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .insert_header((header::VARY, "Accept"));
    Ok(match sheet {
        Sheet::Json => response.json(body),
        Sheet::Csv => response
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"roster-{}.csv\"", body.organization.id),
            ))
            .body(roster_sheet::csv(&body)),
        Sheet::Html => {
            // The page holds names typed by staff (escaped) and nothing it needs to load:
            // a policy that forbids every script and outside resource says so twice.
            response
                .content_type("text/html; charset=utf-8")
                .insert_header((
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ))
                .body(roster_sheet::html(&body, state.config.timezone))
        }
    })
}
