use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::parse_json;
use crate::api::import_body::{self, Upload};
use crate::auth::{ContentStaff, Require};
use crate::domain::contents::Actor;
use crate::domain::questions::{self, ImportRows, QuestionDraft};
use crate::error::AppError;
use crate::startup::AppState;

/// Imports may be larger than ordinary JSON bodies.
const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ImportBody {
    /// 1 to 1000 questions.
    #[schema(min_items = 1, max_items = 1000)]
    pub questions: Vec<QuestionDraft>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub imported: usize,
    /// The new questions' ids, in the order given.
    pub ids: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBody {
    questions: Vec<serde_json::Value>,
}

fn drafts_from_json(body: &[u8]) -> Result<ImportRows, AppError> {
    let raw: RawBody = parse_json(body)?;
    Ok(import_body::json_rows("questions", raw.questions))
}

/// Import many questions at once, all or nothing: one bad row answers 422 naming every
/// bad row and field, and nothing is written.
///
/// Send `application/json` `{"questions": [...]}` (fields as in `POST /admin/questions`;
/// errors named `questions[i].field`), or `text/csv` with the header
/// `kind,topic,stem,options,answer,explanation,difficulty,tags,audiences` where options
/// are `A=text|B=text`, answers `A`, `A|C`, `true`/`false` or `accepted|answers`, and tags
/// and audiences `|`-separated (errors named `line[n].field`, n the line in the file).
/// Either way 1 to 1000 questions, each under the rules of `POST /admin/questions`.
#[utoipa::path(
    operation_id = "admin_import_questions", tag = "admin: quizzes", security(("bearer" = [])),
    request_body(content((ImportBody = "application/json"), (String = "text/csv"))),
    responses(
        (status = 201, description = "All imported", body = Imported),
        (status = 400, description = "Not readable as JSON or CSV"),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "Every bad row only names a topic that does not exist (`unknown_reference`)"),
        (status = 413, description = "Larger than 4 MiB"),
        (status = 415, description = "Neither JSON nor CSV"),
        (status = 422, description = "Rows are invalid: every one is named in `errors`; nothing was imported"),
    )
)]
#[post("/admin/questions/import")]
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    Require { user: caller, body: payload, .. }: Require<ContentStaff, web::Payload>,
) -> Result<HttpResponse, AppError> {
    let rows = match import_body::read(&req, payload, IMPORT_LIMIT).await? {
        Upload::Csv(text) => questions::drafts_from_csv(&text)?,
        Upload::Json(body) => drafts_from_json(&body)?,
    };
    let (actor, now) = (Actor { id: caller.id, role: caller.role }, state.clock.now());
    let ids = state.db.run(move |conn| questions::import(conn, actor, &rows, now)).await?;
    Ok(HttpResponse::Created().json(Imported { imported: ids.len(), ids }))
}
