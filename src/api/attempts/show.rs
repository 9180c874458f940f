use actix_web::{HttpResponse, get, web};

use crate::api::quizzes::Attempt;
use crate::auth::AuthUser;
use crate::domain::attempts;
use crate::error::AppError;
use crate::startup::AppState;

/// An attempt of the caller's, with results only as the review policy allows.
#[utoipa::path(
    operation_id = "get_attempt", tag = "quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attempt id")),
    responses(
        (status = 200, description = "The attempt", body = Attempt),
        (status = 404, description = "No such attempt of the caller's"),
    )
)]
#[get("/attempts/{id}")]
pub async fn show(state: web::Data<AppState>, caller: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (learner, now, timing, id) = (caller.id, state.clock.now(), state.timing(), id.into_inner());
    let loaded = state.db.run(move |conn| attempts::view(conn, learner, id, now, timing)).await?;
    Ok(HttpResponse::Ok().json(Attempt::from_loaded(&loaded, now)))
}
