use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::contents::{FeedItem, FeedPage, preferences};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::AuthUser;
use crate::domain::feed;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FavoritesParams {
    /// Preferred locale; overrides `Accept-Language`.
    pub locale: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The caller's favourites, most recently added first.
#[utoipa::path(
    operation_id = "list_my_favorites",
    tag = "me",
    security(("bearer" = [])),
    params(FavoritesParams),
    responses(
        (status = 200, description = "A page of favourites", body = FeedPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
    )
)]
#[get("/me/favorites")]
pub async fn favorites(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<FavoritesParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let before = pagination::decode_cursor(params.cursor.as_deref())?;
    let prefs = preferences(&req, params.locale.as_deref());
    let (user, now) = (caller.id, state.clock.now());
    let (items, next) = state.db.run(move |conn| feed::favorites(conn, user, before, limit, &prefs, now)).await?;
    Ok(HttpResponse::Ok().json(FeedPage {
        items: items.iter().map(FeedItem::from_item).collect(),
        next_cursor: next.map(pagination::encode_cursor),
    }))
}
