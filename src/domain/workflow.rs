//! The review workflow shared by contents, quizzes and campaigns.
//!
//! Until it is first published, an item is its own revision: draft → in_review →
//! published (now or scheduled), back to draft on rejection, archived at any point. Once
//! published, what learners see changes only through review as well: an edit starts a
//! pending revision (draft → in_review), approval puts it live in one step, rejection
//! sends it back to its writers, and the published version stays live throughout.
//!
//! Four eyes: nobody who wrote the revision under review (every staff member who edited
//! it, the author of a first draft included) or submitted it may approve it.
//!
//! This module decides (and, in `outcome`, says what a transition writes); the callers
//! store it and write the audit entry.

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

/// What the rules need to know about the item and the revision under work on it.
#[derive(Debug, Clone)]
pub struct Item {
    pub status: Status,
    pub author_id: i64,
    /// The pending change of a published item (`Draft` or `InReview`), if any.
    pub revision: Option<Status>,
    /// Who wrote the revision under work: the item itself until it is first published,
    /// then its pending change.
    pub revised_by: Vec<i64>,
    /// Who sent that revision for review.
    pub submitted_by: Option<i64>,
}

impl Item {
    /// From the stored columns (`revised_by` is a JSON array of ids).
    pub fn from_columns(
        status: &str,
        author_id: i64,
        revision_status: Option<&str>,
        revised_by: &str,
        submitted_by: Option<i64>,
    ) -> Self {
        Self {
            status: Status::parse(status).unwrap_or(Status::Draft),
            author_id,
            revision: revision_status.and_then(Status::parse),
            revised_by: parse_writers(revised_by),
            submitted_by,
        }
    }

    /// Whether the author or a reviewer is acting: they may write and submit.
    fn may_write(&self, actor: Actor) -> bool {
        self.author_id == actor.id || actor.role.reviews_content()
    }
}

/// The writers as stored: a JSON array of user ids (unreadable text counts as none).
pub fn parse_writers(text: &str) -> Vec<i64> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn writers_text(writers: &[i64]) -> String {
    json!(writers).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Archive,
    /// Drop the pending change of a published item; the published version is untouched.
    Discard,
}

impl Transition {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Archive => "archive",
            Self::Discard => "discard_revision",
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

/// Where an edit goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The item is not published yet: it changes in place.
    InPlace,
    /// The item is published: the edit goes to its pending revision, which starts as a
    /// copy of the published version when `fresh`.
    Revision { fresh: bool },
}

/// Who may edit an item in its current state, and where the edit goes. Drafts: their
/// author or a reviewer, in place. Published items: their author or a reviewer, into the
/// pending revision (learners keep the published version until another reviewer approves
/// it). Nothing while it (or its pending revision) is in review, nor once archived.
pub fn check_editable(actor: Actor, item: &Item) -> Result<Edit, AppError> {
    require_editor(actor.role)?;
    match (item.status, item.revision) {
        (Status::Draft, _) if item.may_write(actor) => Ok(Edit::InPlace),
        (Status::Draft, _) => Err(AppError::forbidden("Only the author or a reviewer can edit this draft.")),
        (Status::Published, Some(Status::InReview)) => {
            Err(AppError::conflict("invalid_state", "Cannot edit a change that is in review: reject it first."))
        }
        (Status::Published, revision) if item.may_write(actor) => Ok(Edit::Revision { fresh: revision.is_none() }),
        (Status::Published, _) => {
            Err(AppError::forbidden("Only the author or a reviewer can propose a change to a published item."))
        }
        (Status::InReview | Status::Archived, _) => Err(invalid_state(item.status, "edit")),
    }
}

/// The writers of the revision once `actor` has made `edit`: a fresh revision starts
/// with its first writer.
pub fn writers_after(actor: Actor, item: &Item, edit: Edit) -> Vec<i64> {
    let mut writers = if edit == (Edit::Revision { fresh: true }) { Vec::new() } else { item.revised_by.clone() };
    if !writers.contains(&actor.id) {
        writers.push(actor.id);
    }
    writers
}

/// What a transition does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The item itself moves to this status (first publication, its rejection, archiving).
    Status(Status),
    /// The pending change of a published item moves to this state.
    Revision(Status),
    /// The pending change replaces the published version.
    ApplyRevision,
    /// The pending change is dropped.
    DiscardRevision,
}

/// Why the four-eyes rule keeps someone from approving a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FourEyes {
    /// They wrote part of the revision (the author of a first draft included).
    OwnWork,
    /// They sent it for review.
    OwnSubmission,
}

/// Four eyes: the approver wrote no part of the revision and did not submit it.
pub fn four_eyes(actor_id: i64, item: &Item) -> Option<FourEyes> {
    let first_draft_author = item.status == Status::InReview && item.author_id == actor_id;
    if first_draft_author || item.revised_by.contains(&actor_id) {
        Some(FourEyes::OwnWork)
    } else if item.submitted_by == Some(actor_id) {
        Some(FourEyes::OwnSubmission)
    } else {
        None
    }
}

fn check_four_eyes(actor: Actor, item: &Item) -> Result<(), AppError> {
    match four_eyes(actor.id, item) {
        Some(FourEyes::OwnWork) => {
            Err(AppError::forbidden("Nobody approves their own work: you wrote this revision, ask another reviewer."))
        }
        Some(FourEyes::OwnSubmission) => {
            Err(AppError::forbidden("You submitted this revision for review: ask another reviewer to approve it."))
        }
        None => Ok(()),
    }
}

/// What a transition does to an item, or why it is refused. `Ok(None)` means "nothing to
/// do" (archiving what is already archived, discarding a revision that is not there).
pub fn decide(transition: Transition, actor: Actor, item: &Item) -> Result<Option<Effect>, AppError> {
    require_editor(actor.role)?;
    let verb = transition.verb();
    match transition {
        Transition::Submit => {
            let effect = match (item.status, item.revision) {
                (Status::Draft, _) => Effect::Status(Status::InReview),
                (Status::Published, Some(Status::Draft)) => Effect::Revision(Status::InReview),
                (Status::Published, Some(_)) => {
                    return Err(AppError::conflict("invalid_state", "This change is already in review."));
                }
                (Status::Published, None) => {
                    return Err(AppError::conflict("invalid_state", "Nothing to submit: edit the item first."));
                }
                (status, _) => return Err(invalid_state(status, verb)),
            };
            if !item.may_write(actor) {
                return Err(AppError::forbidden("Only the author or a reviewer can submit this item."));
            }
            Ok(Some(effect))
        }
        Transition::Approve | Transition::Reject => {
            require_reviewer(actor.role)?;
            let first = match (item.status, item.revision) {
                (Status::InReview, _) => true,
                (Status::Published, Some(Status::InReview)) => false,
                (Status::Published, _) => {
                    return Err(AppError::conflict(
                        "invalid_state",
                        format!("No change of this item is in review to {verb}."),
                    ));
                }
                (status, _) => return Err(invalid_state(status, verb)),
            };
            Ok(Some(match (transition, first) {
                (Transition::Approve, first) => {
                    check_four_eyes(actor, item)?;
                    if first { Effect::Status(Status::Published) } else { Effect::ApplyRevision }
                }
                (_, true) => Effect::Status(Status::Draft),
                (_, false) => Effect::Revision(Status::Draft),
            }))
        }
        Transition::Archive => {
            if item.status == Status::Archived {
                return Ok(None);
            }
            let own_unpublished = item.author_id == actor.id && matches!(item.status, Status::Draft | Status::InReview);
            if !own_unpublished && !actor.role.reviews_content() {
                return Err(AppError::forbidden("Only reviewers archive others' or published items."));
            }
            Ok(Some(Effect::Status(Status::Archived)))
        }
        Transition::Discard => match (item.status, item.revision) {
            (Status::Published, None) => Ok(None),
            (Status::Published, Some(_)) if item.may_write(actor) || item.revised_by.contains(&actor.id) => {
                Ok(Some(Effect::DiscardRevision))
            }
            (Status::Published, Some(_)) => {
                Err(AppError::forbidden("Only the author, a writer of the change or a reviewer can discard it."))
            }
            (status, _) => Err(AppError::conflict(
                "invalid_state",
                format!("An item that is {} has no pending change: edit or archive it instead.", status.as_str()),
            )),
        },
    }
}

/// A rejection reason as given: at most 500 characters, not only white space; stored
/// trimmed. Checked before the transaction (callers without the reviewer role get 403
/// first).
pub fn reject_reason(step: Transition, actor: Actor, reason: Option<&str>) -> Result<Option<String>, AppError> {
    let fits = reason.is_some_and(|r| r.chars().count() <= 500);
    let reason = reason.map(str::trim).map(str::to_owned);
    if step == Transition::Reject && !(fits && reason.as_deref().is_some_and(|r| !r.is_empty())) {
        require_reviewer(actor.role)?;
        return Err(AppError::validation("reason", "must be 1 to 500 characters"));
    }
    Ok(reason)
}

/// What a transition writes, besides applying a revision (which the caller does for its
/// own fields): the workflow columns and the audit entry's verb and detail.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub effect: Effect,
    /// First approval: when the item goes live (now, or the later time asked for).
    pub publish_at: Option<NaiveDateTime>,
    pub reviewer_id: Option<i64>,
    /// Approve clears it (`Some(None)`), reject sets it.
    pub reject_reason: Option<Option<String>>,
    /// Submit sets it; approve, reject, archive and discard clear it.
    pub submitted_by: Option<Option<i64>>,
    /// Approve, archive and discard end the revision under work: no writers left.
    pub revised_by: Option<Vec<i64>>,
    pub verb: &'static str,
    pub detail: Value,
}

impl Outcome {
    /// The item's new status, if it changes.
    pub fn status(&self) -> Option<&'static str> {
        match self.effect {
            Effect::Status(status) => Some(status.as_str()),
            _ => None,
        }
    }

    /// The pending revision's new state (`Some(None)`: it is gone), if it changes.
    pub fn revision_status(&self) -> Option<Option<&'static str>> {
        match self.effect {
            Effect::Revision(status) => Some(Some(status.as_str())),
            Effect::ApplyRevision | Effect::DiscardRevision | Effect::Status(Status::Archived) => Some(None),
            Effect::Status(_) => None,
        }
    }

    /// Whether the stored revision document is to be dropped.
    pub fn drops_revision(&self) -> bool {
        self.revision_status() == Some(None)
    }
}

/// Decides a transition and what it writes. `Ok(None)`: nothing to do.
///
/// A change to a published item goes live when it is approved: it cannot be scheduled
/// (the published version would have to give way at a time nobody is there to check),
/// so a `publish_at` in the future is refused for it.
pub fn outcome(
    step: Transition,
    actor: Actor,
    item: &Item,
    publish_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, AppError> {
    let Some(effect) = decide(step, actor, item)? else { return Ok(None) };
    let revision = matches!(effect, Effect::Revision(_) | Effect::ApplyRevision | Effect::DiscardRevision);
    let mut out = Outcome {
        effect,
        publish_at: None,
        reviewer_id: None,
        reject_reason: None,
        submitted_by: None,
        revised_by: None,
        verb: step.verb(),
        detail: json!({"from": item.status.as_str(), "revision": revision}),
    };
    match step {
        Transition::Submit => out.submitted_by = Some(Some(actor.id)),
        Transition::Approve => {
            if effect == Effect::ApplyRevision {
                if publish_at.is_some_and(|at| at > now) {
                    return Err(AppError::validation(
                        "publish_at",
                        "a change to a published item goes live when it is approved and cannot be scheduled",
                    ));
                }
            } else {
                let at = publish_at.filter(|at| *at > now).unwrap_or(now);
                out.publish_at = Some(naive(at));
                out.detail["publish_at"] = json!(at);
                out.detail["scheduled"] = json!(at > now);
            }
            out.detail["revised_by"] = json!(item.revised_by);
            out.detail["submitted_by"] = json!(item.submitted_by);
            out.reviewer_id = Some(actor.id);
            out.reject_reason = Some(None);
            out.submitted_by = Some(None);
            out.revised_by = Some(Vec::new());
        }
        Transition::Reject => {
            out.reviewer_id = Some(actor.id);
            out.detail["reason"] = json!(reason);
            out.reject_reason = Some(reason);
            out.submitted_by = Some(None);
        }
        Transition::Archive | Transition::Discard => {
            if item.revision.is_some() {
                out.detail["discarded_revision"] = json!(true);
            }
            if step == Transition::Discard {
                out.reject_reason = Some(None);
            }
            out.submitted_by = Some(None);
            out.revised_by = Some(Vec::new());
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewer(id: i64) -> Actor {
        Actor { id, role: Role::Reviewer }
    }

    fn item(status: Status, revision: Option<Status>, revised_by: &[i64], submitted_by: Option<i64>) -> Item {
        Item { status, author_id: 1, revision, revised_by: revised_by.to_vec(), submitted_by }
    }

    #[test]
    fn writers_and_submitters_never_approve_and_others_do() {
        let first = item(Status::InReview, None, &[1, 2], Some(3));
        for id in [1, 2, 3] {
            assert!(decide(Transition::Approve, reviewer(id), &first).is_err(), "{id}");
        }
        assert_eq!(
            decide(Transition::Approve, reviewer(4), &first).ok(),
            Some(Some(Effect::Status(Status::Published)))
        );
        // The author of a published item did not write this change: they may check it.
        let change = item(Status::Published, Some(Status::InReview), &[2], Some(2));
        assert!(decide(Transition::Approve, reviewer(2), &change).is_err());
        assert_eq!(decide(Transition::Approve, reviewer(1), &change).ok(), Some(Some(Effect::ApplyRevision)));
    }

    #[test]
    fn edits_to_published_items_go_to_a_revision() {
        let live = item(Status::Published, None, &[], None);
        assert_eq!(check_editable(reviewer(5), &live).ok(), Some(Edit::Revision { fresh: true }));
        let editing = item(Status::Published, Some(Status::Draft), &[5], None);
        assert_eq!(check_editable(reviewer(6), &editing).ok(), Some(Edit::Revision { fresh: false }));
        assert_eq!(writers_after(reviewer(6), &editing, Edit::Revision { fresh: false }), [5, 6]);
        assert!(check_editable(reviewer(6), &item(Status::Published, Some(Status::InReview), &[5], Some(5))).is_err());
    }

    #[test]
    fn a_change_cannot_be_scheduled() {
        let now = Utc::now();
        let change = item(Status::Published, Some(Status::InReview), &[2], Some(2));
        let later = Some(now + chrono::Duration::hours(1));
        assert!(outcome(Transition::Approve, reviewer(3), &change, later, None, now).is_err());
        let out = outcome(Transition::Approve, reviewer(3), &change, None, None, now).ok().flatten();
        let effect = out.map(|o| (o.effect, o.publish_at, o.revision_status()));
        assert_eq!(effect, Some((Effect::ApplyRevision, None, Some(None))));
    }
}
