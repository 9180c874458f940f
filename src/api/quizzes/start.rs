use actix_web::http::header;
use actix_web::{HttpResponse, post, web};

use super::Attempt;
use crate::auth::AuthUser;
use crate::domain::attempts;
use crate::error::AppError;
use crate::startup::AppState;

/// Start an attempt (or get back the one in progress).
///
/// The questions are fixed at start (later edits to the bank do not change them); the
/// server sets `deadline_at` from the time limit and the quiz's closing time.
#[utoipa::path(
    operation_id = "start_attempt", tag = "quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses(
        (status = 201, description = "A new attempt", body = Attempt, headers(("Location" = String))),
        (status = 200, description = "The attempt already in progress", body = Attempt),
        (status = 404, description = "No such published quiz"),
        (status = 409, description = "Not open yet (`quiz_not_open`), closed (`quiz_closed`), no attempts left (`attempt_limit_reached`), or no questions (`quiz_empty`)"),
    )
)]
#[post("/quizzes/{id}/attempts")]
pub async fn start(state: web::Data<AppState>, caller: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let learner = super::learner(&caller);
    let (now, timing, id) = (state.clock.now(), state.timing(), id.into_inner());
    let loaded = state.db.run(move |conn| attempts::start(conn, &learner, id, now, timing)).await?;
    let body = Attempt::from_loaded(&loaded, now);
    Ok(if loaded.resumed {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/attempts/{}", body.id))).json(body)
    })
}
