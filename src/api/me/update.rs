use actix_web::{HttpResponse, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Profile;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::domain::accounts::{self, ProfileChanges};
use crate::domain::vocab::Audience;
use crate::error::AppError;
use crate::startup::AppState;

/// Fields a user may change about themselves. Anything else (a role, say) is refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    /// 1–50 characters after trimming; no control or format characters.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB][^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*$"
    )]
    pub display_name: Option<String>,
    /// An adult may choose theirs. A pupil's (`primary`, `junior`) is set by staff
    /// (`PATCH /admin/users/{id}`, a roster): sending a different one is 403
    /// `audience_set_by_staff`, so a pupil cannot leave consent and name masking behind.
    pub audience: Option<Audience>,
    /// BCP 47 tag such as `zh-Hans` or `en`.
    #[schema(max_length = 35, pattern = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    pub locale: Option<String>,
    /// Join (or move to) the organization with this join code. Learners only: staff are
    /// placed by an admin (`staff_cannot_change_organization`). An unknown code is 404
    /// `unknown_reference`.
    #[schema(
        pattern = r"^[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[A-Za-z0-9]{4,16}[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub org_code: Option<String>,
    /// A parent or guardian has consented (PIPL art. 31). Needed to move into a `primary`
    /// or `junior` audience (possibly under 14) unless the birth year shows 14 or older or
    /// consent is already recorded; with it the consent is recorded.
    pub guardian_consent: Option<bool>,
}

/// Change the caller's own profile.
#[utoipa::path(
    operation_id = "update_me",
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdateProfile,
    responses(
        (status = 200, description = "The updated profile", body = Profile),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "A staff account sent `org_code` (`staff_cannot_change_organization`): only an admin places staff; or a pupil (`primary`, `junior`) sent another audience (`audience_set_by_staff`): staff set pupils' audiences"),
        (status = 404, description = "No organization has this join code (`unknown_reference`)"),
        (status = 422, description = "A field is invalid or not changeable here (e.g. `role`), or a move into a pupil audience lacks a guardian's consent (`guardian_consent_required`)"),
    )
)]
#[patch("/me")]
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<UpdateProfile>,
) -> Result<HttpResponse, AppError> {
    let (now, tz) = (state.clock.now(), state.config.timezone);
    let (user, org) = state
        .db
        .run(move |conn| {
            let changes = ProfileChanges {
                display_name: body.display_name.as_deref(),
                audience: body.audience,
                locale: body.locale.as_deref(),
                org_code: body.org_code.as_deref(),
                guardian_consent: body.guardian_consent.unwrap_or(false),
            };
            accounts::update_profile(conn, caller.id, &changes, now, tz)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Profile::from_rows(&user, org.as_ref())))
}
