//! The review workflow shared by contents, quizzes and campaigns:
//! draft → in_review → published (now or scheduled) → archived, and back to draft on
//! rejection. Four eyes: nobody approves their own work. This module decides (and, in
//! `outcome`, says what a transition writes); the callers store it and write the audit
//! entry.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::clock::naive;
use crate::domain::vocab::Role;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    InReview,
    Published,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::InReview, Self::Published, Self::Archived].into_iter().find(|s| s.as_str() == text)
    }
}

impl Role {
    /// Editors, reviewers and admins work on content and quizzes.
    pub fn edits_content(self) -> bool {
        matches!(self, Role::Editor | Role::Reviewer | Role::Admin)
    }

    /// Reviewers and admins approve, reject and correct published items.
    pub fn reviews_content(self) -> bool {
        matches!(self, Role::Reviewer | Role::Admin)
    }
}

/// The staff member acting.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
}

/// What the rules need to know about the item.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub status: Status,
    pub author_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Archive,
}

impl Transition {
    fn verb(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Archive => "archive",
        }
    }
}

pub fn require_editor(role: Role) -> Result<(), AppError> {
    if role.edits_content() {
        Ok(())
    } else {
        Err(AppError::forbidden("This needs the editor, reviewer or admin role."))
    }
}

pub fn require_reviewer(role: Role) -> Result<(), AppError> {
    if role.reviews_content() { Ok(()) } else { Err(AppError::forbidden("This needs the reviewer or admin role.")) }
}

fn invalid_state(status: Status, action: &str) -> AppError {
    AppError::conflict("invalid_state", format!("Cannot {action} an item that is {}.", status.as_str()))
}

/// Who may edit an item in its current state: drafts by their author or a reviewer;
/// published items by reviewers (corrections); nothing while in review or archived.
pub fn check_editable(actor: Actor, item: Item) -> Result<(), AppError> {
    require_editor(actor.role)?;
    match item.status {
        Status::Draft if item.author_id == actor.id || actor.role.reviews_content() => Ok(()),
        Status::Draft => Err(AppError::forbidden("Only the author or a reviewer can edit this draft.")),
        Status::Published if actor.role.reviews_content() => Ok(()),
        Status::Published => Err(AppError::forbidden("Published items are corrected by reviewers.")),
        Status::InReview | Status::Archived => Err(invalid_state(item.status, "edit")),
    }
}

/// The status a transition leads to, or why it is refused. `Ok(None)` means "nothing to
/// do" (archiving what is already archived).
pub fn decide(transition: Transition, actor: Actor, item: Item) -> Result<Option<Status>, AppError> {
    require_editor(actor.role)?;
    let own = item.author_id == actor.id;
    match transition {
        Transition::Submit => {
            if item.status != Status::Draft {
                return Err(invalid_state(item.status, transition.verb()));
            }
            if !own && !actor.role.reviews_content() {
                return Err(AppError::forbidden("Only the author or a reviewer can submit this draft."));
            }
            Ok(Some(Status::InReview))
        }
        Transition::Approve | Transition::Reject => {
            require_reviewer(actor.role)?;
            if item.status != Status::InReview {
                return Err(invalid_state(item.status, transition.verb()));
            }
            if transition == Transition::Approve && own {
                return Err(AppError::forbidden("Nobody approves their own work: ask another reviewer."));
            }
            Ok(Some(if transition == Transition::Approve { Status::Published } else { Status::Draft }))
        }
        Transition::Archive => {
            if item.status == Status::Archived {
                return Ok(None);
            }
            let own_unpublished = own && matches!(item.status, Status::Draft | Status::InReview);
            if !own_unpublished && !actor.role.reviews_content() {
                return Err(AppError::forbidden("Only reviewers archive others' or published items."));
            }
            Ok(Some(Status::Archived))
        }
    }
}

/// A rejection reason as given: 1 to 500 characters once trimmed. Checked before the
/// transaction (callers without the reviewer role get 403 first).
pub fn reject_reason(step: Transition, actor: Actor, reason: Option<&str>) -> Result<Option<String>, AppError> {
    let reason = reason.map(str::trim).map(str::to_owned);
    if step == Transition::Reject && !reason.as_deref().is_some_and(|r| (1..=500).contains(&r.chars().count())) {
        require_reviewer(actor.role)?;
        return Err(AppError::validation("reason", "must be 1 to 500 characters"));
    }
    Ok(reason)
}

/// What a transition writes: the new status and, for approvals and rejections, the
/// reviewer fields; plus the audit entry's verb and detail.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Approve: when the item goes live (now, or the later time asked for).
    pub publish_at: Option<NaiveDateTime>,
    pub reviewer_id: Option<i64>,
    /// Approve clears it (`Some(None)`), reject sets it.
    pub reject_reason: Option<Option<String>>,
    pub verb: &'static str,
    pub detail: Value,
}

/// Decides a transition and what it writes, for an item currently in `from` (its stored
/// status text). `Ok(None)`: nothing to do.
pub fn outcome(
    step: Transition,
    actor: Actor,
    item: Item,
    from: &str,
    publish_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, AppError> {
    let Some(status) = decide(step, actor, item)? else { return Ok(None) };
    let mut out = Outcome {
        status,
        publish_at: None,
        reviewer_id: None,
        reject_reason: None,
        verb: step.verb(),
        detail: json!({"from": from}),
    };
    match step {
        Transition::Approve => {
            let at = publish_at.filter(|at| *at > now).unwrap_or(now);
            out.publish_at = Some(naive(at));
            out.reviewer_id = Some(actor.id);
            out.reject_reason = Some(None);
            out.detail["publish_at"] = json!(at);
        }
        Transition::Reject => {
            out.reviewer_id = Some(actor.id);
            out.detail["reason"] = json!(reason);
            out.reject_reason = Some(reason);
        }
        Transition::Submit | Transition::Archive => {}
    }
    Ok(Some(out))
}
