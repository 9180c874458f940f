use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{AuthRateLimit, TokenPair, token_response};
use crate::api::extract::Json;
use crate::auth::password::Password;
use crate::domain::accounts::{self, RegistrationInput};
use crate::domain::vocab::{Audience, Role};
use crate::domain::{points, sessions};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3–32 letters, digits or `_`; compared case-insensitively after NFKC normalization.
    /// A name that looks like an existing one (Unicode UTS #39 skeleton: letters from
    /// another script, `rn` for `m`) is refused (`username_confusable`).
    #[schema(example = "zhang_wei", min_length = 3, max_length = 32, pattern = r"^[\p{L}\p{N}_]{3,32}$")]
    pub username: String,
    /// 10–128 characters mixing at least two of: lower case a–z, upper case A–Z, digits 0–9,
    /// anything else (a letter of another script counts as "anything else"); not the
    /// username itself.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 128, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*(?:[a-z][^a-z\u0000-\u001F\u007F-\u009F]|[A-Z][^A-Z\u0000-\u001F\u007F-\u009F]|[0-9][^0-9\u0000-\u001F\u007F-\u009F]|[^a-zA-Z0-9\u0000-\u001F\u007F-\u009F][a-zA-Z0-9])[^\u0000-\u001F\u007F-\u009F]*$")]
    pub password: Password,
    /// 1–50 characters after trimming; no control or format characters (bidi overrides,
    /// zero-width characters).
    #[schema(
        example = "张伟",
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB][^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*$"
    )]
    pub display_name: String,
    pub audience: Audience,
    /// The join code of the learner's class, school or unit (empty: none). An unknown code
    /// is 404 `unknown_reference`.
    #[schema(
        example = "K7P3QX9M",
        pattern = r"^[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*([A-Za-z0-9]{4,16}[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)?$"
    )]
    pub org_code: Option<String>,
    /// Tells whether a guardian's consent is required; without it a `primary` or `junior`
    /// audience counts as possibly under 14.
    /// From 1900 to the current year.
    #[schema(example = 2010, minimum = 1900)]
    pub birth_year: Option<i32>,
    /// Must be `true` when the learner may be under 14 (PIPL art. 31): a birth year less
    /// than 15 years ago, or a `primary` or `junior` audience without a birth year.
    pub guardian_consent: Option<bool>,
    /// BCP 47 tag; default `zh-Hans`.
    #[schema(example = "zh-Hans", max_length = 35, pattern = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    pub locale: Option<String>,
}

/// Create a learner account and log it in.
#[utoipa::path(
    operation_id = "register",
    tag = "auth",
    security(()),
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created; tokens issued", body = TokenPair),
        (status = 409, description = "The username is taken (`username_taken`) or looks like one in use (`username_confusable`); an erased account's name and its look-alikes stay so for `TONGXIN_USERNAME_HOLD_DAYS`"),
        (status = 404, description = "No organization has this join code (`unknown_reference`)"),
        (status = 422, description = "A field is invalid, the password is the username, the birth year is in the future, or guardian consent is missing (`guardian_consent_required`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    Json(body): Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let input = RegistrationInput {
        username: &body.username,
        password: body.password.expose(),
        display_name: &body.display_name,
        audience: body.audience,
        org_code: body.org_code.as_deref(),
        birth_year: body.birth_year,
        guardian_consent: body.guardian_consent.unwrap_or(false),
        locale: body.locale.as_deref(),
    };
    let learner = accounts::check_registration(&input, accounts::local_year(now, state.config.timezone))?;
    let hash = state.hasher.hash(&body.password).await?;
    let (ttl, tz, holds) = (state.config.refresh_token_ttl, state.config.timezone, state.username_holds());
    let (user, issued) = state
        .db
        .run(move |conn| {
            let user = accounts::create_user(conn, &learner, Role::Learner, &hash, &holds, now)?;
            let issued = sessions::start(conn, user.0.id, now, ttl)?;
            points::touch_day(conn, points::Earner::of(user.0.id, user.0.organization_id, &user.0.role), now, tz)?;
            Ok((user, issued))
        })
        .await?;
    token_response(&state, user, &issued, StatusCode::CREATED)
}
