//! What a valid account is, and the account operations that touch several tables.

use chrono::{DateTime, Datelike, Utc};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::clock::naive;
use crate::db::models::organizations as org_db;
use crate::db::models::users::{self as user_db, NewUser, UserChanges, UserWithOrg};
use crate::db::{DbConn, is_unique_violation, write_tx};
use crate::domain::privacy::HoldKeys;
use crate::domain::vocab::{Audience, Role};
use crate::error::{AppError, FieldError};

pub const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=32;
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=128;
pub const DISPLAY_NAME_CHARS: std::ops::RangeInclusive<usize> = 1..=50;
pub const DEFAULT_LOCALE: &str = "zh-Hans";
/// Below this age PIPL art. 31 requires a guardian's consent.
pub const CONSENT_AGE: i32 = 14;

/// A username as shown (NFKC form), as compared (lowercased NFKC) and as compared for
/// look-alikes (the skeleton of the key, see `users::username_skeleton`).
pub struct Username {
    pub display: String,
    pub key: String,
    pub skeleton: String,
}

/// Unicode format characters (category Cf): bidi overrides and isolates, zero-width
/// spaces and joiners, the byte order mark, soft hyphens. Invisible, or reordering what
/// is around them, so a name holding one can pose as another or show as nothing.
fn has_format_character(text: &str) -> bool {
    text.chars().any(|c| c.general_category() == GeneralCategory::Format)
}

/// 3–32 letters (any script), digits or `_`, after NFKC normalization so that full-width
/// and half-width forms of the same name are the same account.
pub fn check_username(raw: &str) -> Result<Username, FieldError> {
    if has_format_character(raw) {
        return Err(FieldError::new("username", "must not contain invisible formatting characters"));
    }
    let display: String = raw.nfkc().collect();
    let len = display.chars().count();
    if !USERNAME_CHARS.contains(&len) {
        return Err(FieldError::new("username", "must be 3 to 32 characters"));
    }
    if !display.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(FieldError::new("username", "may contain only letters, digits and _"));
    }
    let key = display.to_lowercase();
    let skeleton = user_db::username_skeleton(&key);
    Ok(Username { display, key, skeleton })
}

/// The name a login attempt is counted against: the account key login matches (lowercased
/// NFKC) for a well-formed name, and the same normalization of whatever was typed (cut to
/// 64 characters) otherwise, so a name no account can have is limited like any other.
pub fn login_key(raw: &str) -> String {
    check_username(raw).map_or_else(|_| raw.nfkc().take(64).collect::<String>().to_lowercase(), |name| name.key)
}

/// At least 10 characters, at most 128, from at least two classes (lower case a–z, upper
/// case A–Z, digits 0–9, anything else), and not the username itself.
pub fn check_password(field: &str, password: &str, username_key: Option<&str>) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < *PASSWORD_CHARS.start() {
        return Err(FieldError::new(field, "must be at least 10 characters"));
    }
    if len > *PASSWORD_CHARS.end() {
        return Err(FieldError::new(field, "must be at most 128 characters"));
    }
    // ASCII classes, exactly as `PASSWORD_PATTERN` in the document states them: a letter of
    // another script counts as "other".
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < 2 {
        return Err(FieldError::new(field, "must mix at least two kinds of characters (a–z, A–Z, 0–9, anything else)"));
    }
    if username_key.is_some_and(|key| password.to_lowercase() == key) {
        return Err(FieldError::new(field, "must not be the username"));
    }
    Ok(())
}

/// Trimmed, NFC-normalized, 1–50 characters, no control characters and no format
/// characters (a right-to-left override, or a name of zero-width spaces only).
pub fn check_display_name(raw: &str) -> Result<String, FieldError> {
    // The documented `maxLength` is on the name as sent, spaces included.
    if raw.chars().count() > *DISPLAY_NAME_CHARS.end() {
        return Err(FieldError::new("display_name", "must be 1 to 50 characters"));
    }
    let name: String = raw.trim().nfc().collect();
    if has_format_character(&name) {
        return Err(FieldError::new(
            "display_name",
            "must not contain invisible formatting characters (bidi controls, zero-width characters)",
        ));
    }
    if !DISPLAY_NAME_CHARS.contains(&name.chars().count()) {
        return Err(FieldError::new("display_name", "must be 1 to 50 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new("display_name", "must not contain control characters"));
    }
    Ok(name)
}

/// A BCP 47 language tag such as `zh-Hans`, `en` or `ug-CN`.
pub fn check_locale(raw: &str) -> Result<String, FieldError> {
    let mut parts = raw.split('-');
    let language_ok =
        parts.next().is_some_and(|lang| (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if raw.len() > 35 || !language_ok || !rest_ok {
        return Err(FieldError::new("locale", "must be a language tag such as zh-Hans or en"));
    }
    Ok(raw.to_owned())
}

pub fn check_birth_year(year: i32, local_year: i32) -> Result<(), FieldError> {
    if (1900..=local_year).contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new("birth_year", format!("must be between 1900 and {local_year}")))
    }
}

/// With only a birth year, someone born in year Y is either `local_year - Y` or one year
/// younger. Whoever may still be under 14 is treated as under 14: asking a 14-year-old
/// for consent costs little, failing to ask a 13-year-old breaks the law.
fn may_be_under_consent_age(birth_year: i32, local_year: i32) -> bool {
    local_year - birth_year <= CONSENT_AGE
}

impl Audience {
    /// School pupils' audiences: primary and junior school.
    pub fn is_pupil(self) -> bool {
        matches!(self, Audience::Primary | Audience::Junior)
    }
}

/// Whether someone may be under 14 (PIPL art. 31), the one rule for consent and for
/// masking names: a birth year decides when there is one; without one, a pupil audience
/// (primary, junior) means possibly under 14. Used by registration, by `PATCH /me` and by
/// the leaderboards.
pub fn may_be_minor(audience: Audience, birth_year: Option<i32>, local_year: i32) -> bool {
    match birth_year {
        Some(year) => may_be_under_consent_age(year, local_year),
        None => audience.is_pupil(),
    }
}

fn consent_required(detail: &str) -> AppError {
    AppError::Unprocessable { code: "guardian_consent_required", detail: detail.to_owned() }
}

pub fn local_year(now: DateTime<Utc>, tz: chrono_tz::Tz) -> i32 {
    now.with_timezone(&tz).year()
}

/// A registration whose fields have been checked.
pub struct NewLearner {
    pub username: Username,
    pub display_name: String,
    pub audience: Audience,
    pub org_code: Option<String>,
    pub birth_year: Option<i32>,
    /// Set when the learner may be under 14 and a guardian consented.
    pub consent_recorded: bool,
    pub locale: String,
}

pub struct RegistrationInput<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
    pub audience: Audience,
    pub org_code: Option<&'a str>,
    pub birth_year: Option<i32>,
    pub guardian_consent: bool,
    pub locale: Option<&'a str>,
}

/// Checks every field (reporting all problems at once), then the consent rule.
pub fn check_registration(input: &RegistrationInput<'_>, local_year: i32) -> Result<NewLearner, AppError> {
    let mut errors = Vec::new();
    let username = check_username(input.username).map_err(|e| errors.push(e)).ok();
    if let Err(e) = check_password("password", input.password, username.as_ref().map(|u| u.key.as_str())) {
        errors.push(e);
    }
    let display_name = check_display_name(input.display_name).map_err(|e| errors.push(e)).ok();
    let locale = match input.locale {
        Some(raw) => check_locale(raw).map_err(|e| errors.push(e)).ok(),
        None => Some(DEFAULT_LOCALE.to_owned()),
    };
    if let Some(year) = input.birth_year
        && let Err(e) = check_birth_year(year, local_year)
    {
        errors.push(e);
    }
    let org_code = input.org_code.filter(|c| !c.trim().is_empty()).map(str::to_owned);
    let (Some(username), Some(display_name), Some(locale)) = (username, display_name, locale) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let minor = may_be_minor(input.audience, input.birth_year, local_year);
    if minor && !input.guardian_consent {
        return Err(consent_required(
            "Learners who may be under 14 (a birth year less than 15 years ago, or a primary or junior school \
             audience without a birth year) need a guardian's consent to register: send guardian_consent: true \
             once a parent or guardian has agreed.",
        ));
    }
    Ok(NewLearner {
        username,
        display_name,
        audience: input.audience,
        org_code,
        birth_year: input.birth_year,
        consent_recorded: minor,
        locale,
    })
}

/// A live account by username (compared in its normalized form).
pub fn find_by_username(conn: &mut DbConn, name: &Username) -> Result<Option<UserWithOrg>, AppError> {
    Ok(user_db::find_by_username_key(conn, &name.key)?)
}

/// Resolves a join code as typed to an organization id, or a field error naming `field`.
fn resolve_join_code(conn: &mut DbConn, field: &str, typed: &str) -> Result<i64, AppError> {
    let unknown = || AppError::unknown_reference(field, "no organization has this join code");
    let code = crate::domain::organizations::normalize_join_code(typed)
        .ok_or_else(|| AppError::validation(field, "a join code is 4 to 16 letters or digits"))?;
    org_db::find_open_by_join_code(conn, &code)?.map(|org| org.id).ok_or_else(unknown)
}

fn taken() -> AppError {
    AppError::conflict("username_taken", "This username is already taken.")
}

fn confusable() -> AppError {
    AppError::conflict(
        "username_confusable",
        "This username looks like one already in use (letters from another script, or look-alike letters); \
         choose another.",
    )
}

/// Refuses a name whose exact form (`username_taken`) or look-alike form
/// (`username_confusable`) belongs to a live account. The unique indexes decide a race;
/// `insert_error` names their refusal the same way.
fn check_name_free(conn: &mut DbConn, name: &Username) -> Result<(), AppError> {
    if user_db::find_by_username_key(conn, &name.key)?.is_some() {
        return Err(taken());
    }
    if user_db::skeleton_taken(conn, &name.skeleton)? {
        return Err(confusable());
    }
    Ok(())
}

fn insert_error(err: diesel::result::Error) -> AppError {
    if user_db::is_skeleton_violation(&err) {
        confusable()
    } else if is_unique_violation(&err) {
        taken()
    } else {
        err.into()
    }
}

/// Stores a new account with the given role. The username must be free: neither taken nor
/// looking like a live account's, nor held after an erasure (`holds`).
pub fn create_user(
    conn: &mut DbConn,
    learner: &NewLearner,
    role: Role,
    password_hash: &str,
    holds: &HoldKeys,
    now: DateTime<Utc>,
) -> Result<UserWithOrg, AppError> {
    write_tx(conn, |conn| {
        let organization_id = match &learner.org_code {
            Some(code) => Some(resolve_join_code(conn, "org_code", code)?),
            None => None,
        };
        check_name_free(conn, &learner.username)?;
        let at = naive(now);
        let new = NewUser {
            username: &learner.username.display,
            username_key: &learner.username.key,
            username_skeleton: &learner.username.skeleton,
            display_name: &learner.display_name,
            password_hash,
            role: role.as_str(),
            audience: learner.audience.as_str(),
            organization_id,
            birth_year: learner.birth_year,
            guardian_consent_at: learner.consent_recorded.then_some(at),
            guardian_consent_by: None,
            locale: &learner.locale,
            password_temporary_until: None,
            student_number: None,
            created_at: at,
            updated_at: at,
        };
        let id = user_db::insert(conn, &new).map_err(insert_error)?;
        // After the insert: had an erasure of this name been committing meanwhile, the
        // insert waited for it on the unique key, and its hold is visible now.
        crate::domain::privacy::check_not_held(conn, holds, &learner.username, now)?;
        user_db::find_active(conn, id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("inserted user vanished")))
    })
}

/// Changes a user may make to their own profile. Role, organization moves by staff and
/// the birth year are deliberately not here.
#[derive(Default)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub audience: Option<Audience>,
    pub locale: Option<&'a str>,
    pub org_code: Option<&'a str>,
    /// A guardian has consented (needed to move into a pupil audience without a birth
    /// year showing 14 or older, unless consent is already recorded).
    pub guardian_consent: bool,
}

pub fn update_profile(
    conn: &mut DbConn,
    user_id: i64,
    input: &ProfileChanges<'_>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<UserWithOrg, AppError> {
    let mut errors = Vec::new();
    let mut changes = UserChanges {
        display_name: input.display_name.and_then(|n| check_display_name(n).map_err(|e| errors.push(e)).ok()),
        audience: input.audience.map(|a| a.as_str().to_owned()),
        locale: input.locale.and_then(|l| check_locale(l).map_err(|e| errors.push(e)).ok()),
        updated_at: Some(naive(now)),
        ..UserChanges::default()
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let (current, _) = user_db::find_active(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        if let Some(code) = input.org_code {
            // A staff member's organization is their scope (an org admin's subtree): only
            // an admin places staff (PATCH /admin/users/{id}, audited), never a join code.
            if Role::parse(&current.role).is_none_or(Role::is_staff) {
                return Err(AppError::Forbidden {
                    code: "staff_cannot_change_organization",
                    detail: "Staff accounts cannot change their own organization; an admin places staff.".into(),
                });
            }
            changes.organization_id = Some(Some(resolve_join_code(conn, "org_code", code)?));
        }
        let current_audience = Audience::parse(&current.audience).unwrap_or(Audience::Public);
        if current_audience.is_pupil() && input.audience.is_some_and(|a| a != current_audience) {
            return Err(AppError::Forbidden {
                code: "audience_set_by_staff",
                detail: "A pupil's audience is set by the school: ask your teacher or unit admin to change it.".into(),
            });
        }
        let audience = input.audience.unwrap_or(current_audience);
        if current.guardian_consent_at.is_none() && may_be_minor(audience, current.birth_year, local_year(now, tz)) {
            if input.guardian_consent {
                changes.guardian_consent_at = Some(Some(naive(now)));
            } else if input.audience.is_some() {
                return Err(consent_required(
                    "A primary or junior school audience means possibly under 14: send guardian_consent: true \
                     once a parent or guardian has agreed.",
                ));
            }
        }
        user_db::update(conn, user_id, &changes)?;
        user_db::find_active(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))
    })
}

/// Replaces a password hash and ends every session but `keep` in one transaction.
pub fn set_password(
    conn: &mut DbConn,
    user_id: i64,
    password_hash: &str,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let changes = UserChanges {
            password_hash: Some(password_hash.to_owned()),
            password_temporary_until: Some(None),
            updated_at: Some(naive(now)),
            ..UserChanges::default()
        };
        user_db::update(conn, user_id, &changes)?;
        crate::domain::sessions::end_all(conn, user_id, keep, now)?;
        Ok(())
    })
}

/// Replaces the password verified a moment ago (`old_hash`) and starts a session, ending
/// every other one, in one transaction. Had the password changed meanwhile (a staff reset
/// landing between the check and this), nothing is written: 401 `invalid_credentials`.
pub fn replace_password_and_start(
    conn: &mut DbConn,
    user_id: i64,
    old_hash: &str,
    new_hash: &str,
    now: DateTime<Utc>,
    ttl: std::time::Duration,
) -> Result<(crate::domain::sessions::IssuedRefresh, UserWithOrg), AppError> {
    write_tx(conn, |conn| {
        if user_db::replace_password_hash(conn, user_id, old_hash, new_hash, naive(now))? == 0 {
            return Err(AppError::unauthorized("invalid_credentials", "Wrong username or password."));
        }
        crate::domain::sessions::end_all(conn, user_id, None, now)?;
        let issued = crate::domain::sessions::start(conn, user_id, now, ttl)?;
        let user = user_db::find_active(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        Ok((issued, user))
    })
}

pub enum AdminOutcome {
    Created(i64),
    Promoted(i64),
}

/// The operator's `create-admin`: makes the account an admin with this password,
/// creating it if needed (a name held after an erasure is refused like a taken one).
/// Promotion ends the account's existing sessions.
pub fn ensure_admin(
    conn: &mut DbConn,
    name: &Username,
    password_hash: &str,
    holds: &HoldKeys,
    now: DateTime<Utc>,
) -> Result<AdminOutcome, AppError> {
    write_tx(conn, |conn| {
        if let Some((user, _)) = user_db::find_by_username_key(conn, &name.key)? {
            let changes = UserChanges {
                role: Some(Role::Admin.as_str().to_owned()),
                password_hash: Some(password_hash.to_owned()),
                password_temporary_until: Some(None),
                disabled: Some(false),
                updated_at: Some(naive(now)),
                ..UserChanges::default()
            };
            user_db::update(conn, user.id, &changes)?;
            crate::domain::sessions::end_all(conn, user.id, None, now)?;
            return Ok(AdminOutcome::Promoted(user.id));
        }
        check_name_free(conn, name)?;
        let at = naive(now);
        let new = NewUser {
            username: &name.display,
            username_key: &name.key,
            username_skeleton: &name.skeleton,
            display_name: &name.display,
            password_hash,
            role: Role::Admin.as_str(),
            audience: Audience::Public.as_str(),
            organization_id: None,
            birth_year: None,
            guardian_consent_at: None,
            guardian_consent_by: None,
            locale: DEFAULT_LOCALE,
            password_temporary_until: None,
            student_number: None,
            created_at: at,
            updated_at: at,
        };
        let id = user_db::insert(conn, &new).map_err(insert_error)?;
        crate::domain::privacy::check_not_held(conn, holds, name, now)?;
        Ok(AdminOutcome::Created(id))
    })
}
