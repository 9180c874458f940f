use actix_web::{HttpResponse, delete, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::reactions::Reaction;
use crate::domain::feed;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LikeState {
    pub content_id: i64,
    pub liked: bool,
    /// Likes of the item after this request.
    pub likes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FavoriteState {
    pub content_id: i64,
    pub favorited: bool,
    /// Favourites of the item after this request.
    pub favorites: i64,
}

async fn react(state: &AppState, caller: &AuthUser, id: i64, reaction: Reaction, on: bool) -> Result<i64, AppError> {
    let (user, now) = (caller.id, state.clock.now());
    let reacted = state.db.run(move |conn| feed::react(conn, user, id, reaction, on, now)).await?;
    Ok(reacted.count)
}

/// Like an item. Idempotent: liking twice is one like.
#[utoipa::path(
    operation_id = "like_content", tag = "contents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses((status = 200, description = "Liked", body = LikeState), (status = 404, description = "No such published item"))
)]
#[put("/contents/{id}/like")]
pub async fn like(state: web::Data<AppState>, caller: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let likes = react(&state, &caller, id, Reaction::Like, true).await?;
    Ok(HttpResponse::Ok().json(LikeState { content_id: id, liked: true, likes }))
}

/// Take a like back. Idempotent.
#[utoipa::path(
    operation_id = "unlike_content", tag = "contents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses((status = 200, description = "Not liked", body = LikeState), (status = 404, description = "No such published item"))
)]
#[delete("/contents/{id}/like")]
pub async fn unlike(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let likes = react(&state, &caller, id, Reaction::Like, false).await?;
    Ok(HttpResponse::Ok().json(LikeState { content_id: id, liked: false, likes }))
}

/// Add an item to the caller's favourites. Idempotent.
#[utoipa::path(
    operation_id = "favorite_content", tag = "contents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses((status = 200, description = "Favourited", body = FavoriteState), (status = 404, description = "No such published item"))
)]
#[put("/contents/{id}/favorite")]
pub async fn favorite(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let favorites = react(&state, &caller, id, Reaction::Favorite, true).await?;
    Ok(HttpResponse::Ok().json(FavoriteState { content_id: id, favorited: true, favorites }))
}

/// Remove an item from the caller's favourites. Idempotent.
#[utoipa::path(
    operation_id = "unfavorite_content", tag = "contents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses((status = 200, description = "Not a favourite", body = FavoriteState), (status = 404, description = "No such published item"))
)]
#[delete("/contents/{id}/favorite")]
pub async fn unfavorite(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let favorites = react(&state, &caller, id, Reaction::Favorite, false).await?;
    Ok(HttpResponse::Ok().json(FavoriteState { content_id: id, favorited: false, favorites }))
}
