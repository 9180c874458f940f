use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::caching::{self, Audience};
use crate::api::contents::preferences;
use crate::api::extract::Query;
use crate::domain::topics;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Topic {
    pub id: i64,
    #[schema(example = "ethnic-view")]
    pub slug: String,
    #[schema(example = "民族观")]
    pub name: String,
    /// The locale of `name`.
    pub locale: String,
    pub position: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicList {
    pub items: Vec<Topic>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TopicParams {
    /// Preferred locale; overrides `Accept-Language`.
    pub locale: Option<String>,
}

/// Every topic, in display order, named in the caller's language when a name exists.
#[utoipa::path(
    operation_id = "list_topics",
    tag = "contents",
    security(()),
    params(TopicParams, ("Accept-Language" = Option<String>, Header, description = "Preferred locales")),
    responses(
        (status = 200, description = "All topics", body = TopicList, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
    )
)]
#[get("/topics")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(params): Query<TopicParams>,
) -> Result<HttpResponse, AppError> {
    let prefs = preferences(&req, params.locale.as_deref());
    let rows = state.db.run(|conn| Ok(crate::db::models::topics::all(conn)?)).await?;
    let items = rows
        .iter()
        .map(|row| {
            let (name, locale) = topics::name_for(row, &prefs);
            Topic { id: row.id, slug: row.slug.clone(), name, locale, position: row.position }
        })
        .collect();
    caching::json(&req, &TopicList { items }, Audience::Public)
}
