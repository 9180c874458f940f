//! A class roster import: staff create the accounts of a unit's pupils at once, all or
//! nothing, with readable usernames and temporary initial passwords (the school prints
//! them on a sheet). Re-importing the same roster creates nobody twice: a student number
//! already held by a live account of the unit answers with that account instead.
//!
//! Concurrency: imports take turns (a transaction lock on PostgreSQL, so two rosters with
//! the same names in another order cannot deadlock), and the unique indexes decide against
//! every other writer (a registration meanwhile). Each account is
//! inserted under a savepoint; a username (or look-alike) taken meanwhile makes the
//! savepoint roll back and the next number is tried, and a student number taken meanwhile
//! makes the row an existing account, so two identical imports at once create each pupil
//! once.

pub mod usernames;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::Connection as _;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::clock::naive;
use crate::db::models::organizations::OrganizationRow;
use crate::db::models::users::{self as user_db, NewUser, UserRow};
use crate::db::{DbConn, is_unique_violation, write_tx};
use crate::domain::accounts::{self, DEFAULT_LOCALE, Username};
use crate::domain::audit::{self, Target};
use crate::domain::csv_rows;
use crate::domain::members::Actor;
use crate::domain::organizations::find_in_scope;
use crate::domain::privacy::{self, HoldKeys};
use crate::domain::temporary_passwords;
use crate::domain::vocab::{Audience, Role};
use crate::error::{AppError, FieldError};

/// Each new account costs an argon2 hash (tens of milliseconds): a class or two per import.
pub const MAX_LEARNERS: usize = 200;
pub const STUDENT_NUMBER_CHARS: std::ops::RangeInclusive<usize> = 1..=32;
/// Printable ASCII without spaces: digits, letters and signs such as `-` or `/`.
pub const STUDENT_NUMBER_PATTERN: &str = r"^[!-~]{1,32}$";
/// The CSV header the import understands, in this order.
pub const CSV_HEADER: &[&str] = &["display_name", "birth_year", "audience", "student_number", "guardian_consent"];
/// How many numbers are tried for one name before giving up (a base shared by 1000 live
/// accounts is not a real class).
const MAX_TRIES: u32 = 1000;

/// One learner of a roster as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterLearner {
    /// 1–50 characters after trimming; no control or format characters. The username is
    /// made from it (pinyin for Han characters).
    #[schema(
        example = "张三",
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*[^\s\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB][^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]*$"
    )]
    pub display_name: String,
    /// From 1900 to the current year. Decides whether a guardian's consent is needed;
    /// without it a `primary` or `junior` audience counts as possibly under 14.
    #[schema(example = 2013, minimum = 1900)]
    pub birth_year: Option<i32>,
    pub audience: Audience,
    /// The school's number for the pupil, unique in the file: re-importing a row whose
    /// number a live account of the unit has creates nothing (`existing`). 1–32
    /// printable ASCII characters, no spaces.
    #[schema(example = "2026070201", min_length = 1, max_length = 32, pattern = r"^[!-~]{1,32}$")]
    pub student_number: Option<String>,
    /// The school holds a guardian's signed consent (PIPL art. 31). Required (`true`) for
    /// a learner who may be under 14; the consent is then recorded with the importing
    /// staff member as its recorder.
    #[schema(example = true)]
    pub guardian_consent: Option<bool>,
}

/// Rows as read from JSON or CSV: the prefix that names the row's fields in errors
/// (`learners[3].` or `line[5].`) and the learner or what made the row unreadable.
pub type RosterRows = Vec<(String, Result<RosterLearner, FieldError>)>;

/// A row that passed every check.
pub struct Learner {
    /// 1-based position in the roster.
    pub row: usize,
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub audience: Audience,
    pub student_number: Option<String>,
    /// May be under 14: consent (given in the row) is recorded.
    pub minor: bool,
}

/// Checks every row, reporting every bad row and field at once (422), or none.
pub fn check(rows: &RosterRows, local_year: i32) -> Result<Vec<Learner>, AppError> {
    if rows.is_empty() {
        return Err(AppError::validation("learners", "no learners to import"));
    }
    if rows.len() > MAX_LEARNERS {
        return Err(AppError::validation("learners", format!("at most {MAX_LEARNERS} learners per import")));
    }
    let mut errors = Vec::new();
    let mut learners = Vec::new();
    let mut numbers: HashMap<&str, &str> = HashMap::new();
    for (i, (at, row)) in rows.iter().enumerate() {
        let input = match row {
            Ok(input) => input,
            Err(e) => {
                errors.push(e.clone());
                continue;
            }
        };
        let before = errors.len();
        let named = |e: FieldError| FieldError::new(format!("{at}{}", e.field), e.message);
        let display_name = accounts::check_display_name(&input.display_name).map_err(|e| errors.push(named(e))).ok();
        if let Some(year) = input.birth_year
            && let Err(e) = accounts::check_birth_year(year, local_year)
        {
            errors.push(named(e));
        }
        if let Some(number) = input.student_number.as_deref() {
            if let Err(e) = check_student_number(number) {
                errors.push(named(e));
            } else if let Some(first) = numbers.get(number) {
                errors.push(FieldError::new(
                    format!("{at}student_number"),
                    format!("the same student number is already in {}", first.trim_end_matches('.')),
                ));
            } else {
                numbers.insert(number, at);
            }
        }
        let minor = accounts::may_be_minor(input.audience, input.birth_year, local_year);
        if minor && input.guardian_consent != Some(true) {
            errors.push(FieldError::new(
                format!("{at}guardian_consent"),
                "guardian_consent_required: this learner may be under 14 (a birth year less than 15 years ago, or \
                 a primary or junior audience without one); send guardian_consent: true once the school holds a \
                 guardian's signed consent",
            ));
        }
        if let (Some(display_name), true) = (display_name, errors.len() == before) {
            learners.push(Learner {
                row: i + 1,
                display_name,
                birth_year: input.birth_year,
                audience: input.audience,
                student_number: input.student_number.clone(),
                minor,
            });
        }
    }
    if errors.is_empty() { Ok(learners) } else { Err(AppError::Validation(errors)) }
}

/// 1–32 printable ASCII characters without spaces (`STUDENT_NUMBER_PATTERN`).
pub fn check_student_number(number: &str) -> Result<(), FieldError> {
    if STUDENT_NUMBER_CHARS.contains(&number.len()) && number.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(FieldError::new("student_number", "must be 1 to 32 printable ASCII characters without spaces"))
    }
}

/// The unit a roster goes to: in the caller's scope (else 404) and open (else 409).
fn open_unit(conn: &mut DbConn, actor: &Actor, unit_id: i64) -> Result<OrganizationRow, AppError> {
    let unit = find_in_scope(conn, &actor.scope, unit_id)?;
    if unit.closed_at.is_some() {
        return Err(AppError::conflict(
            "organization_closed",
            "This unit is closed: reopen it (PATCH /admin/organizations/{id} with closed: false) before importing.",
        ));
    }
    Ok(unit)
}

/// Before any password is hashed: the unit is checked, and which learners already have
/// an account there (by student number) is found, so a re-import costs no hashing.
pub fn known(conn: &mut DbConn, actor: &Actor, unit_id: i64, learners: &[Learner]) -> Result<Vec<bool>, AppError> {
    let unit = open_unit(conn, actor, unit_id)?;
    let numbers: Vec<&str> = learners.iter().filter_map(|l| l.student_number.as_deref()).collect();
    let found = user_db::find_by_student_numbers(conn, unit.id, &numbers)?;
    Ok(learners
        .iter()
        .map(|l| {
            l.student_number.as_deref().is_some_and(|n| found.iter().any(|u| u.student_number.as_deref() == Some(n)))
        })
        .collect())
}

/// What an import did.
pub struct Outcome {
    pub unit: OrganizationRow,
    /// New accounts: the learner's index in the checked list, and the account.
    pub created: Vec<(usize, UserRow)>,
    /// Rows whose student number a live account of the unit already has.
    pub existing: Vec<(usize, UserRow)>,
    pub passwords_expire_at: DateTime<Utc>,
}

/// Creates the accounts of `learners` in the unit, each with the hash of its temporary
/// password (`hashes[i]`, `None` for a learner `known` found), in one transaction.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    unit_id: i64,
    learners: &[Learner],
    hashes: &[Option<String>],
    holds: &HoldKeys,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let until = temporary_passwords::initial_until(now);
    write_tx(conn, |conn| {
        user_db::lock_roster_imports(conn)?;
        let unit = open_unit(conn, actor, unit_id)?;
        let mut next: HashMap<String, u32> = HashMap::new();
        let (mut created, mut existing) = (Vec::new(), Vec::new());
        for (i, learner) in learners.iter().enumerate() {
            if let Some(user) = holder(conn, unit.id, learner)? {
                existing.push((i, user));
                continue;
            }
            // Known a moment ago, gone now (erased meanwhile): the caller has no password.
            let hash = hashes.get(i).cloned().flatten().ok_or_else(|| {
                AppError::conflict("conflict", "The unit's accounts changed during the import; send the roster again.")
            })?;
            let new = Pending { unit: unit.id, learner, hash: &hash, recorder: actor.id, until, now };
            match create(conn, &new, holds, &mut next)? {
                Placed::Created(user) => created.push((i, user)),
                Placed::Existing(user) => existing.push((i, user)),
            }
        }
        let ids: Vec<i64> = created.iter().map(|(_, u)| u.id).collect();
        let consented: Vec<i64> =
            created.iter().filter(|(_, u)| u.guardian_consent_by.is_some()).map(|(_, u)| u.id).collect();
        let detail = json!({
            "rows": learners.len(), "created": ids.len(), "existing": existing.len(),
            "created_ids": ids, "consent_recorded_for": consented, "passwords_expire_at": until,
        });
        audit::record(conn, Some(actor.id), "organization.roster_import", Target::Organization(unit.id), &detail, now)?;
        Ok(Outcome { unit, created, existing, passwords_expire_at: until })
    })
}

/// The live account of the unit with the learner's student number, if any.
fn holder(conn: &mut DbConn, unit: i64, learner: &Learner) -> Result<Option<UserRow>, AppError> {
    let Some(number) = learner.student_number.as_deref() else { return Ok(None) };
    Ok(user_db::find_by_student_numbers(conn, unit, &[number])?.into_iter().next())
}

struct Pending<'a> {
    unit: i64,
    learner: &'a Learner,
    hash: &'a str,
    recorder: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
}

enum Placed {
    Created(UserRow),
    Existing(UserRow),
}

/// Why a savepoint was rolled back.
enum Refused {
    /// The name (or a look-alike) is in use or held: try the next number.
    Name,
    /// Another import created this pupil meanwhile.
    Known,
    Failed(AppError),
}

impl From<diesel::result::Error> for Refused {
    fn from(err: diesel::result::Error) -> Self {
        if user_db::is_student_number_violation(&err) {
            Self::Known
        } else if is_unique_violation(&err) {
            Self::Name
        } else {
            Self::Failed(err.into())
        }
    }
}

/// Inserts one account under the first free username of its base, each try under its own
/// savepoint (a unique violation on PostgreSQL aborts the transaction up to it).
fn create(
    conn: &mut DbConn,
    new: &Pending<'_>,
    holds: &HoldKeys,
    next: &mut HashMap<String, u32>,
) -> Result<Placed, AppError> {
    let base = usernames::base_of(&new.learner.display_name);
    let first = next.get(&base).copied().unwrap_or(1);
    for n in first..first + MAX_TRIES {
        let name = accounts::check_username(&usernames::candidate(&base, n))
            .map_err(|e| AppError::internal(anyhow::anyhow!("generated username refused: {}", e.message)))?;
        // A cheap look first; the unique indexes still decide a race below.
        if user_db::name_in_use(conn, &name.key, &name.skeleton)? {
            continue;
        }
        next.insert(base.clone(), n + 1);
        match conn.transaction(|conn| insert(conn, new, &name, holds)) {
            Ok(user) => return Ok(Placed::Created(user)),
            Err(Refused::Name) => {}
            Err(Refused::Known) => {
                let user = holder(conn, new.unit, new.learner)?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("student number refused but held by nobody")))?;
                return Ok(Placed::Existing(user));
            }
            Err(Refused::Failed(e)) => return Err(e),
        }
    }
    Err(AppError::internal(anyhow::anyhow!("no free username for base {base}")))
}

fn insert(conn: &mut DbConn, new: &Pending<'_>, name: &Username, holds: &HoldKeys) -> Result<UserRow, Refused> {
    let at = naive(new.now);
    let learner = new.learner;
    let row = NewUser {
        username: &name.display,
        username_key: &name.key,
        username_skeleton: &name.skeleton,
        display_name: &learner.display_name,
        password_hash: new.hash,
        role: Role::Learner.as_str(),
        audience: learner.audience.as_str(),
        organization_id: Some(new.unit),
        birth_year: learner.birth_year,
        guardian_consent_at: learner.minor.then_some(at),
        guardian_consent_by: learner.minor.then_some(new.recorder),
        locale: DEFAULT_LOCALE,
        password_temporary_until: Some(naive(new.until)),
        student_number: learner.student_number.as_deref(),
        created_at: at,
        updated_at: at,
    };
    let id = user_db::insert(conn, &row)?;
    // After the insert, as in `accounts::create_user`: an erasure of this name committing
    // meanwhile is visible now.
    match privacy::check_not_held(conn, holds, name, new.now) {
        Ok(()) => {}
        Err(AppError::Conflict { .. }) => return Err(Refused::Name),
        Err(e) => return Err(Refused::Failed(e)),
    }
    user_db::find_active(conn, id)?
        .map(|(user, _)| user)
        .ok_or_else(|| Refused::Failed(AppError::internal(anyhow::anyhow!("inserted user vanished"))))
}

/// Reads CSV rows (the header `CSV_HEADER`; cells trimmed; `birth_year` and
/// `student_number` may be empty; `guardian_consent` is `true`, `false` or empty).
/// Errors name `line[n].field`, n the line in the file.
pub fn rows_from_csv(text: &str) -> Result<RosterRows, AppError> {
    let mut rows = Vec::new();
    for (at, record) in csv_rows::records(text, CSV_HEADER)? {
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let row = (|| -> Result<RosterLearner, FieldError> {
            let birth_year = match cell(1) {
                y if y.is_empty() => None,
                y => Some(y.parse().map_err(|_| FieldError::new(format!("{at}birth_year"), "must be a year"))?),
            };
            let audience = Audience::parse(&cell(2))
                .ok_or_else(|| FieldError::new(format!("{at}audience"), format!("`{}` is not an audience", cell(2))))?;
            let guardian_consent = match cell(4).to_lowercase().as_str() {
                "" => None,
                "true" => Some(true),
                "false" => Some(false),
                _ => return Err(FieldError::new(format!("{at}guardian_consent"), "must be true, false or empty")),
            };
            Ok(RosterLearner {
                display_name: cell(0),
                birth_year,
                audience,
                student_number: Some(cell(3)).filter(|n| !n.is_empty()),
                guardian_consent,
            })
        })();
        rows.push((at, row));
    }
    Ok(rows)
}
