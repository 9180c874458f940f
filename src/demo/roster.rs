//! One class created as a school does it: a new class node and its roster imported
//! through the same domain function as `POST /admin/organizations/{id}/roster`. The pupils'
//! initial (temporary) password is the demo password, so the banner can say it; each
//! must choose their own at the first sign-in.

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::domain::accounts;
use crate::domain::members::Actor;
use crate::domain::organizations::{self, NewNode, Scope};
use crate::domain::privacy::HoldKeys;
use crate::domain::roster::{self, RosterLearner};
use crate::domain::vocab::{Audience, OrgKind, Role};
use crate::error::AppError;

pub const CLASS: &str = "七年级（2）班";

/// Name, age, student number.
pub const PUPILS: [(&str, i32, &str); 6] = [
    ("马小虎", 13, "2026070201"),
    ("李娜", 12, "2026070202"),
    ("王浩然", 13, "2026070203"),
    ("阿依古丽·买买提", 12, "2026070204"),
    ("刘子涵", 13, "2026070205"),
    ("杨帆", 12, "2026070206"),
];

/// Creates the class under `school` and imports its roster as `admin`.
pub fn load(
    conn: &mut DbConn,
    school: i64,
    admin: i64,
    hash: &str,
    (at, tz): (DateTime<Utc>, chrono_tz::Tz),
) -> Result<(), AppError> {
    let node = NewNode {
        parent_id: Some(school),
        name: CLASS,
        kind: OrgKind::Class,
        demonstration_site: false,
        demonstration_since: None,
    };
    let class = organizations::create(conn, Some(admin), &Scope::All, &node, at, tz)?;
    let year = accounts::local_year(at, tz);
    let rows: roster::RosterRows = PUPILS
        .iter()
        .enumerate()
        .map(|(i, (name, age, number))| {
            let learner = RosterLearner {
                display_name: (*name).to_owned(),
                birth_year: Some(year - age),
                audience: Audience::Junior,
                student_number: Some((*number).to_owned()),
                guardian_consent: Some(true),
            };
            (format!("learners[{i}]."), Ok(learner))
        })
        .collect();
    let learners = roster::check(&rows, year)?;
    let hashes: Vec<Option<String>> = learners.iter().map(|_| Some(hash.to_owned())).collect();
    let actor = Actor { id: admin, role: Role::Admin, scope: Scope::All };
    // The demo set loads only into an empty database: no username can be held there.
    roster::import(conn, &actor, class.id, &learners, &hashes, &HoldKeys::new(Vec::new()), at)?;
    Ok(())
}

/// The username a pupil gets in the fresh demo database (the first of their name).
pub fn username(name: &str) -> String {
    roster::usernames::candidate(&roster::usernames::base_of(name), 1)
}
