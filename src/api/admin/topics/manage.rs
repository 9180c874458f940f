use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StaffTopic;
use crate::api::extract::Json;
use crate::auth::{Admins, Require};
use crate::domain::topics::{self, TopicInput};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffTopicList {
    pub items: Vec<StaffTopic>,
}

/// Every topic with all its names.
#[utoipa::path(
    operation_id = "admin_list_topics", tag = "admin: topics", security(("bearer" = [])),
    responses((status = 200, description = "All topics", body = StaffTopicList), (status = 403, description = "Needs admin"))
)]
#[get("/admin/topics")]
pub async fn list(state: web::Data<AppState>, _caller: Require<Admins>) -> Result<HttpResponse, AppError> {
    let rows = state.db.run(|conn| Ok(crate::db::models::topics::all(conn)?)).await?;
    Ok(HttpResponse::Ok().json(StaffTopicList { items: rows.into_iter().map(StaffTopic::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "ethnic-view", "names": {"zh-Hans": "民族观", "en": "Ethnic view"}, "position": 1}))]
pub struct TopicBody {
    /// 2–40 of a-z, 0-9 and -, not starting or ending with -. Required when creating.
    #[schema(example = "ethnic-view", pattern = "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
    pub slug: Option<String>,
    /// Name per locale (keys are language tags); must include zh-Hans; each name 1–50
    /// characters, not only white space (stored trimmed). Required when creating.
    #[schema(schema_with = names_schema, example = json!({"zh-Hans": "民族观", "en": "Ethnic view"}))]
    pub names: Option<BTreeMap<String, String>>,
    /// Display order, smallest first.
    pub position: Option<i32>,
}

/// The `names` map: language tags to names, zh-Hans among them.
fn names_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, SchemaType, Type};
    let name = ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(50)).pattern(Some(
        r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
    ));
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(35))
        .pattern(Some(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"));
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(
            "Name per locale (keys are language tags); must include zh-Hans; each name 1–50 characters, not only \
             white space (stored trimmed). Required when creating.",
        ))
        .required(crate::domain::locale::DEFAULT)
        .property_names(Some(tag))
        .additional_properties(Some(AdditionalProperties::RefOr(name.into())))
        .examples([serde_json::json!({"zh-Hans": "民族观", "en": "Ethnic view"})])
        .into()
}

/// Create a topic (`slug` and `names` required).
#[utoipa::path(
    operation_id = "admin_create_topic", tag = "admin: topics", security(("bearer" = [])),
    request_body = TopicBody,
    responses(
        (status = 201, description = "Created", body = StaffTopic, headers(("Location" = String))),
        (status = 403, description = "Needs admin"),
        (status = 409, description = "The slug is taken (`slug_taken`)"),
    )
)]
#[post("/admin/topics")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<Admins, Json<TopicBody>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (caller.id, state.clock.now());
    let row = state
        .db
        .run(move |conn| {
            let input = TopicInput { slug: body.slug.as_deref(), names: body.names.as_ref(), position: body.position };
            topics::create(conn, actor, &input, now)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/topics/{}", row.id)))
        .json(StaffTopic::from(row)))
}

/// Change a topic's slug, names or position.
#[utoipa::path(
    operation_id = "admin_update_topic", tag = "admin: topics", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Topic id")),
    request_body = TopicBody,
    responses(
        (status = 200, description = "Updated", body = StaffTopic),
        (status = 403, description = "Needs admin"),
        (status = 404, description = "No such topic"),
        (status = 409, description = "The slug is taken (`slug_taken`)"),
    )
)]
#[patch("/admin/topics/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<Admins, Json<TopicBody>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (caller.id, state.clock.now(), id.into_inner());
    let row = state
        .db
        .run(move |conn| {
            let input = TopicInput { slug: body.slug.as_deref(), names: body.names.as_ref(), position: body.position };
            topics::update(conn, actor, id, &input, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffTopic::from(row)))
}

/// Delete a topic that no content uses.
#[utoipa::path(
    operation_id = "admin_delete_topic", tag = "admin: topics", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Topic id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Needs admin"),
        (status = 404, description = "No such topic"),
        (status = 409, description = "Contents use it (`topic_in_use`)"),
    )
)]
#[delete("/admin/topics/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Require<Admins>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (caller.id, state.clock.now(), id.into_inner());
    state.db.run(move |conn| topics::delete(conn, actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
