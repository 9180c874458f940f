//! Contents and their publishing workflow: draft → in_review → published (now or at a
//! scheduled time) → archived, with rejection back to draft. A change to a published
//! content is a pending revision, reviewed the same way while the published version stays
//! live. Four eyes: nobody who wrote or submitted a revision approves it. Every edit and
//! transition is in the audit log.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::clock::{naive, utc};
use crate::db::models::contents::{self as content_db, ContentChanges, ContentRow, NewContent, TranslationRow};
use crate::db::models::media::{self as media_db};
use crate::db::{DbConn, search as search_db, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::content_revision as revision;
use crate::domain::topics::{self, TopicRef};
use crate::domain::vocab::Audience;
use crate::domain::workflow::{self, Edit, Effect, Transition};
use crate::domain::{accounts, locale, markdown, media, search};
use crate::error::{AppError, FieldError};

pub const TITLE_CHARS: std::ops::RangeInclusive<usize> = 1..=200;
pub const SUMMARY_CHARS: usize = 500;
pub const BODY_CHARS: usize = 200_000;
pub const MAX_TAGS: usize = 10;
pub const TAG_CHARS: std::ops::RangeInclusive<usize> = 1..=20;

pub use crate::domain::workflow::{Actor, Status, require_editor};

fn workflow_item(row: &ContentRow) -> workflow::Item {
    workflow::Item::from_columns(
        &row.status,
        row.author_id,
        row.revision_status.as_deref(),
        &row.revised_by,
        row.submitted_by,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Video,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Video => "video",
        }
    }
}

/// Fields of a content as staff send them; `None` means "not given" (or "unchanged").
#[derive(Debug, Default)]
pub struct ContentInput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body_markdown: Option<String>,
    pub topic: Option<TopicRef>,
    pub audiences: Option<Vec<Audience>>,
    pub tags: Option<Vec<String>>,
    pub locale: Option<String>,
    pub media_id: Option<i64>,
    pub duration_s: Option<i32>,
    pub poster_media_id: Option<Option<i64>>,
    pub cover_media_id: Option<Option<i64>>,
}

fn check_title(raw: &str) -> Result<String, FieldError> {
    let title = raw.trim().to_owned();
    if !TITLE_CHARS.contains(&title.chars().count()) || title.chars().any(char::is_control) {
        return Err(FieldError::new("title", "must be 1 to 200 characters without control characters"));
    }
    Ok(title)
}

fn check_summary(raw: &str) -> Result<String, FieldError> {
    let summary = raw.trim().to_owned();
    if summary.chars().count() > SUMMARY_CHARS
        || summary.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new("summary", "must be at most 500 characters without control characters"));
    }
    Ok(summary)
}

fn check_body(raw: &str) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        return Err(FieldError::new("body_markdown", "must not be empty for an article"));
    }
    if raw.chars().count() > BODY_CHARS || raw.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new("body_markdown", "must be at most 200000 characters without control characters"));
    }
    Ok(raw.to_owned())
}

fn check_tags(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim();
        if !TAG_CHARS.contains(&tag.chars().count()) || tag.chars().any(char::is_control) {
            return Err(FieldError::new("tags", "each tag must be 1 to 20 characters"));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    if raw.len() > MAX_TAGS {
        return Err(FieldError::new("tags", "at most 10 tags"));
    }
    Ok(tags)
}

fn check_audiences(raw: &[Audience]) -> Result<Vec<&'static str>, FieldError> {
    let mut list: Vec<&'static str> = raw.iter().map(|a| a.as_str()).collect();
    list.sort_unstable();
    list.dedup();
    if list.is_empty() {
        return Err(FieldError::new("audiences", "name at least one audience"));
    }
    Ok(list)
}

/// Checks a referenced media file exists and is of the expected kind.
fn check_media(conn: &mut DbConn, field: &str, id: i64, kind: &str) -> Result<media_db::MediaRow, AppError> {
    match media_db::find(conn, id)? {
        Some(row) if row.kind == kind => Ok(row),
        Some(_) => Err(AppError::validation(field, format!("must be a {kind} file"))),
        None => Err(AppError::unknown_reference(field, "no such media file")),
    }
}

/// How far an editor's `duration_s` may be from the duration read from the video file.
pub const DURATION_TOLERANCE_S: i32 = 1;

/// The duration stored for a video: the file's, whenever it could be read from the file
/// (it governs watch credit, so an editor cannot override it; a `duration_s` sent with it
/// must agree within ±1 s); the editor's only when the file does not say (then required).
fn video_duration(file: &media_db::MediaRow, given: Option<i32>) -> Result<i32, AppError> {
    match (file.duration_s, given) {
        // The request is well formed; it disagrees with the stored file: a conflict.
        (Some(read), Some(given)) if (given - read).abs() > DURATION_TOLERANCE_S => Err(AppError::conflict(
            "conflict",
            format!(
                "duration_s: must match the video file's duration, {read} s (±{DURATION_TOLERANCE_S} s); leave it out \
                 to use the file's"
            ),
        )),
        (Some(read), _) => Ok(read),
        (None, Some(given)) => Ok(given),
        (None, None) => Err(AppError::validation("duration_s", "is required: the file's duration could not be read")),
    }
}

/// Checked field values, ready to store.
struct Checked {
    title: Option<String>,
    summary: Option<String>,
    body: Option<String>,
    tags: Option<Vec<String>>,
    audiences: Option<Vec<&'static str>>,
    locale: Option<String>,
}

fn check_fields(input: &ContentInput) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let mut keep = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
    let title = input.title.as_deref().and_then(|t| keep(check_title(t)));
    let summary = input.summary.as_deref().and_then(|s| keep(check_summary(s)));
    let body = input.body_markdown.as_deref().and_then(|b| keep(check_body(b)));
    let locale = input.locale.as_deref().and_then(|l| keep(accounts::check_locale(l)));
    let tags = input.tags.as_deref().and_then(|t| check_tags(t).map_err(|e| errors.push(e)).ok());
    let audiences = input.audiences.as_deref().and_then(|a| check_audiences(a).map_err(|e| errors.push(e)).ok());
    if input.duration_s.is_some_and(|d| !(1..=86_400).contains(&d)) {
        errors.push(FieldError::new("duration_s", "must be between 1 and 86400 seconds"));
    }
    if errors.is_empty() {
        Ok(Checked { title, summary, body, tags, audiences, locale })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The indexed title and body texts of a content, with all its translations.
fn reindex(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    let row = content_db::find(conn, id)?.ok_or_else(|| AppError::not_found("content"))?;
    let translations = content_db::translations_of(conn, &[id])?;
    let tags = content_db::tags_of(conn, &[id])?;
    let mut title = row.title.clone();
    let mut body = format!("{}\n{}", row.summary, row.body_markdown.as_deref().unwrap_or_default());
    for (_, tag) in &tags {
        body.push('\n');
        body.push_str(tag);
    }
    for t in &translations {
        title.push('\n');
        title.push_str(&t.title);
        body.push('\n');
        body.push_str(&t.summary);
        body.push('\n');
        body.push_str(t.body_markdown.as_deref().unwrap_or_default());
    }
    search_db::index(conn, id, &search::index_text(&title), &search::index_text(&body))?;
    // The files its bodies show inline are visible with it (`media_db::is_public`).
    let mut inline = row.body_markdown.as_deref().map(media::referenced_ids).unwrap_or_default();
    for t in &translations {
        inline.extend(t.body_markdown.as_deref().map(media::referenced_ids).unwrap_or_default());
    }
    inline.sort_unstable();
    inline.dedup();
    media_db::set_references(conn, id, &inline)?;
    Ok(())
}

/// The HTML an article with this body shows once published, checked as a body is on
/// create (the console's live preview).
pub fn preview_html(body: &str) -> Result<String, AppError> {
    let body = check_body(body).map_err(|e| AppError::Validation(vec![e]))?;
    Ok(render(Some(&body)).0.unwrap_or_default())
}

fn render(body: Option<&str>) -> (Option<String>, Option<i32>) {
    match body {
        Some(body) => (Some(markdown::to_safe_html(body)), Some(markdown::reading_time_s(body))),
        None => (None, None),
    }
}

/// Creates a draft authored by `actor`.
pub fn create(
    conn: &mut DbConn,
    actor: Actor,
    kind: Kind,
    input: &ContentInput,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    require_editor(actor.role)?;
    let checked = check_fields(input)?;
    let mut missing = Vec::new();
    if checked.title.is_none() && input.title.is_none() {
        missing.push(FieldError::new("title", "is required"));
    }
    if input.topic.is_none() {
        missing.push(FieldError::new("topic", "is required"));
    }
    if input.audiences.is_none() {
        missing.push(FieldError::new("audiences", "is required"));
    }
    match kind {
        Kind::Article if input.body_markdown.is_none() => {
            missing.push(FieldError::new("body_markdown", "is required for an article"));
        }
        Kind::Article
            if input.media_id.is_some()
                || input.duration_s.is_some()
                || matches!(input.poster_media_id, Some(Some(_))) =>
        {
            missing.push(FieldError::new("media_id", "articles have no video; use cover_media_id for a picture"));
        }
        Kind::Video if input.media_id.is_none() => missing.push(FieldError::new("media_id", "is required for a video")),
        Kind::Video if input.body_markdown.is_some() => {
            missing.push(FieldError::new("body_markdown", "videos have no body; use summary"));
        }
        _ => {}
    }
    if !missing.is_empty() {
        return Err(AppError::Validation(missing));
    }
    let writers = workflow::writers_text(&[actor.id]);
    write_tx(conn, |conn| {
        let topic = topics::resolve(
            conn,
            "topic",
            input.topic.as_ref().ok_or_else(|| AppError::validation("topic", "is required"))?,
        )?;
        let mut duration = input.duration_s;
        if let Some(media_id) = input.media_id {
            let video = check_media(conn, "media_id", media_id, "video")?;
            duration = Some(video_duration(&video, input.duration_s)?);
        }
        if let Some(Some(poster)) = input.poster_media_id {
            check_media(conn, "poster_media_id", poster, "image")?;
        }
        if let Some(Some(cover)) = input.cover_media_id {
            check_media(conn, "cover_media_id", cover, "image")?;
        }
        let (body_html, reading_time) = render(checked.body.as_deref());
        let id = content_db::insert(
            conn,
            &NewContent {
                kind: kind.as_str(),
                topic_id: topic.id,
                locale: checked.locale.as_deref().unwrap_or(locale::DEFAULT),
                title: checked.title.as_deref().unwrap_or_default(),
                summary: checked.summary.as_deref().unwrap_or_default(),
                body_markdown: checked.body.as_deref(),
                body_html: body_html.as_deref(),
                reading_time_s: reading_time,
                cover_media_id: input.cover_media_id.flatten(),
                media_id: input.media_id,
                poster_media_id: input.poster_media_id.flatten(),
                duration_s: duration,
                status: Status::Draft.as_str(),
                author_id: actor.id,
                revised_by: &writers,
                created_at: naive(now),
                updated_at: naive(now),
            },
        )?;
        content_db::set_audiences(conn, id, checked.audiences.as_deref().unwrap_or_default())?;
        content_db::set_tags(conn, id, checked.tags.as_deref().unwrap_or_default())?;
        reindex(conn, id)?;
        audit::record(
            conn,
            Some(actor.id),
            "content.create",
            Target::Content(id),
            &json!({"kind": kind.as_str(), "title": checked.title}),
            now,
        )?;
        Ok(id)
    })
}

/// Applies an edit. A draft changes in place (its version goes up by one); a published
/// content keeps its published version live and the edit goes to its pending revision,
/// which another reviewer approves. Either way the editor becomes one of the revision's
/// writers, who may not approve it.
pub fn update(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    input: &ContentInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let checked = check_fields(input)?;
    write_tx(conn, |conn| {
        let row = content_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("content"))?;
        let item = workflow_item(&row);
        let edit = workflow::check_editable(actor, &item)?;
        let is_video = row.kind == Kind::Video.as_str();
        // Fields of the other kind conflict with the stored kind.
        if is_video && input.body_markdown.is_some() {
            return Err(AppError::conflict("conflict", "body_markdown: videos have no body; use summary"));
        }
        if !is_video
            && (input.media_id.is_some()
                || input.duration_s.is_some()
                || matches!(input.poster_media_id, Some(Some(_))))
        {
            return Err(AppError::conflict(
                "conflict",
                "media_id: articles have no video (media_id, duration_s, poster_media_id); use cover_media_id for a \
                 picture",
            ));
        }
        let topic_id = match &input.topic {
            Some(topic) => Some(topics::resolve(conn, "topic", topic)?.id),
            None => None,
        };
        if let Some(Some(poster)) = input.poster_media_id {
            check_media(conn, "poster_media_id", poster, "image")?;
        }
        if let Some(Some(cover)) = input.cover_media_id {
            check_media(conn, "cover_media_id", cover, "image")?;
        }
        let mut state = editing_state(conn, &row, edit)?;
        merge(&mut state, input, &checked, topic_id);
        // A new file brings its own duration; a duration alone is checked against the
        // file being edited (the pending revision's, if it changed it).
        if let Some(media_id) = input.media_id.or(state.media_id.filter(|_| input.duration_s.is_some())) {
            let video = check_media(conn, "media_id", media_id, "video")?;
            state.duration_s = Some(video_duration(&video, input.duration_s)?);
        }
        state.updated_at = now;
        let writers = workflow::writers_text(&workflow::writers_after(actor, &item, edit));
        let revision = edit != Edit::InPlace;
        if revision {
            save_revision(conn, id, &state, writers)?;
        } else {
            let extra = ContentChanges {
                version: Some(row.version + 1),
                updated_at: Some(naive(now)),
                revised_by: Some(writers),
                ..ContentChanges::default()
            };
            state.write(conn, id, extra, now)?;
            reindex(conn, id)?;
        }
        let fields: Vec<&str> = [
            ("title", input.title.is_some()),
            ("summary", input.summary.is_some()),
            ("body_markdown", input.body_markdown.is_some()),
            ("topic", input.topic.is_some()),
            ("audiences", input.audiences.is_some()),
            ("tags", input.tags.is_some()),
            ("locale", input.locale.is_some()),
            ("media_id", input.media_id.is_some()),
            ("duration_s", input.duration_s.is_some()),
            ("poster_media_id", input.poster_media_id.is_some()),
            ("cover_media_id", input.cover_media_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        let version = if revision { row.version } else { row.version + 1 };
        let detail = json!({"fields": fields, "version": version, "status": row.status, "revision": revision});
        audit::record(conn, Some(actor.id), "content.update", Target::Content(id), &detail, now)
    })
}

/// What an edit starts from: the draft itself, the pending revision, or (for the first
/// change to a published content) a copy of the published version.
fn editing_state(conn: &mut DbConn, row: &ContentRow, edit: Edit) -> Result<revision::State, AppError> {
    if edit == (Edit::Revision { fresh: false })
        && let Some(pending) = revision::State::pending(conn, row.id)?
    {
        return Ok(pending);
    }
    revision::State::of_row(conn, row)
}

/// Stores the pending revision of a published content: staff see it, learners do not.
fn save_revision(conn: &mut DbConn, id: i64, state: &revision::State, writers: String) -> Result<(), AppError> {
    content_db::update_staff_only(
        conn,
        id,
        &ContentChanges {
            revision: Some(Some(state.to_json())),
            revision_status: Some(Some(Status::Draft.as_str().to_owned())),
            revised_by: Some(writers),
            ..ContentChanges::default()
        },
    )?;
    Ok(())
}

/// Merges checked input into a state.
fn merge(state: &mut revision::State, input: &ContentInput, checked: &Checked, topic_id: Option<i64>) {
    if let Some(topic) = topic_id {
        state.topic_id = topic;
    }
    if let Some(locale) = &checked.locale {
        locale.clone_into(&mut state.locale);
    }
    if let Some(title) = &checked.title {
        title.clone_into(&mut state.title);
    }
    if let Some(summary) = &checked.summary {
        summary.clone_into(&mut state.summary);
    }
    if let Some(body) = &checked.body {
        let (html, reading_time) = render(Some(body));
        state.body_markdown = Some(body.clone());
        state.body_html = html;
        state.reading_time_s = reading_time;
    }
    if let Some(audiences) = &checked.audiences {
        state.audiences = audiences.iter().map(|a| (*a).to_owned()).collect();
    }
    if let Some(tags) = &checked.tags {
        state.tags.clone_from(tags);
    }
    if let Some(cover) = input.cover_media_id {
        state.cover_media_id = cover;
    }
    if let Some(media) = input.media_id {
        state.media_id = Some(media);
    }
    if let Some(poster) = input.poster_media_id {
        state.poster_media_id = poster;
    }
    if let Some(duration) = input.duration_s {
        state.duration_s = Some(duration);
    }
}

pub struct TranslationInput {
    pub title: String,
    pub summary: Option<String>,
    pub body_markdown: Option<String>,
}

/// Adds or replaces the translation into `tag`, under the same rules as any edit: into
/// a draft directly, into the pending revision of a published content (learners keep the
/// published translations until the revision is approved).
pub fn translate(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    tag: &str,
    input: &TranslationInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let tag = accounts::check_locale(tag).map_err(|e| errors.push(e)).ok();
    let title = check_title(&input.title).map_err(|e| errors.push(e)).ok();
    let summary = input.summary.as_deref().map(check_summary).transpose().map_err(|e| errors.push(e)).ok().flatten();
    let body = input.body_markdown.as_deref().map(check_body).transpose().map_err(|e| errors.push(e)).ok().flatten();
    let (Some(tag), Some(title), true) = (tag, title, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    write_tx(conn, |conn| {
        let row = content_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("content"))?;
        let item = workflow_item(&row);
        let edit = workflow::check_editable(actor, &item)?;
        let mut state = match edit {
            Edit::InPlace => None,
            Edit::Revision { .. } => Some(editing_state(conn, &row, edit)?),
        };
        let own_locale = state.as_ref().map_or(&row.locale, |s| &s.locale);
        // Rules that depend on the stored content: conflicts, not malformed requests.
        if tag.eq_ignore_ascii_case(own_locale) {
            return Err(AppError::conflict(
                "conflict",
                "locale: is the content's own locale; edit the content instead",
            ));
        }
        if row.kind == Kind::Video.as_str() && body.is_some() {
            return Err(AppError::conflict("conflict", "body_markdown: videos have no body"));
        }
        if row.kind == Kind::Article.as_str() && body.is_none() {
            return Err(AppError::conflict("conflict", "body_markdown: is required for an article"));
        }
        let (body_html, _) = render(body.as_deref());
        let translation = revision::Translation {
            locale: tag.clone(),
            title: title.clone(),
            summary: summary.clone().unwrap_or_default(),
            body_markdown: body.clone(),
            body_html,
        };
        let writers = workflow::writers_text(&workflow::writers_after(actor, &item, edit));
        if let Some(state) = &mut state {
            state.put_translation(translation);
            state.updated_at = now;
            save_revision(conn, id, state, writers)?;
        } else {
            content_db::put_translation(
                conn,
                &TranslationRow {
                    content_id: id,
                    locale: translation.locale,
                    title: translation.title,
                    summary: translation.summary,
                    body_markdown: translation.body_markdown,
                    body_html: translation.body_html,
                    updated_at: naive(now),
                },
            )?;
            content_db::update(
                conn,
                id,
                &ContentChanges {
                    version: Some(row.version + 1),
                    updated_at: Some(naive(now)),
                    revised_by: Some(writers),
                    ..ContentChanges::default()
                },
            )?;
            reindex(conn, id)?;
        }
        let detail = json!({"locale": tag, "revision": state.is_some()});
        audit::record(conn, Some(actor.id), "content.translate", Target::Content(id), &detail, now)
    })
}

/// Applies a workflow transition and records it. Approving the pending revision of a
/// published content puts it live in the same transaction: its fields, audiences, tags
/// and translations, the search index, and (through the change log) every cached page.
fn transition(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    step: Transition,
    publish_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let row = content_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("content"))?;
        let item = workflow_item(&row);
        let Some(out) = workflow::outcome(step, actor, &item, publish_at, reason.clone(), now)? else { return Ok(()) };
        let mut changes = ContentChanges {
            status: out.status().map(str::to_owned),
            publish_at: out.publish_at.map(Some),
            reviewer_id: out.reviewer_id.map(Some),
            reject_reason: out.reject_reason.clone(),
            submitted_by: out.submitted_by,
            revised_by: out.revised_by.as_deref().map(workflow::writers_text),
            revision_status: out.revision_status().map(|s| s.map(str::to_owned)),
            revision: out.drops_revision().then_some(None),
            ..ContentChanges::default()
        };
        let mut detail = out.detail.clone();
        match out.effect {
            Effect::ApplyRevision => {
                let state = revision::State::pending(conn, id)?
                    .ok_or_else(|| AppError::conflict("invalid_state", "The pending change could not be read."))?;
                changes.version = Some(row.version + 1);
                changes.updated_at = Some(naive(now));
                detail["version"] = json!(row.version + 1);
                state.write(conn, id, changes, now)?;
                reindex(conn, id)?;
            }
            // Learners see no difference: their cached pages stay.
            Effect::Revision(_) | Effect::DiscardRevision => {
                content_db::update_staff_only(conn, id, &changes)?;
            }
            Effect::Status(_) => {
                changes.updated_at = Some(naive(now));
                content_db::update(conn, id, &changes)?;
            }
        }
        let action = format!("content.{}", out.verb);
        audit::record(conn, Some(actor.id), &action, Target::Content(id), &detail, now)
    })
}

/// Sends a draft, or the pending change of a published content, for review (its author
/// or a reviewer); they become its submitter, who may not approve it.
pub fn submit(conn: &mut DbConn, actor: Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    transition(conn, actor, id, Transition::Submit, None, None, now)
}

/// Approves what is in review: a draft is published now or at `publish_at`; the pending
/// change of a published content goes live now (it cannot be scheduled). Never by one of
/// its writers or its submitter.
pub fn approve(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    publish_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    transition(conn, actor, id, Transition::Approve, publish_at, None, now)
}

/// Sends what is in review back to its writers with a reason: a draft back to draft, a
/// pending change back to a draft change (the published version stays live).
pub fn reject(conn: &mut DbConn, actor: Actor, id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let reason = workflow::reject_reason(Transition::Reject, actor, Some(reason))?;
    transition(conn, actor, id, Transition::Reject, None, reason, now)
}

/// Any state → archived (hidden from learners), dropping a pending change. Authors may
/// archive their own unpublished work; reviewers anything. Archiving twice is not an
/// error and logs nothing new.
pub fn archive(conn: &mut DbConn, actor: Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    transition(conn, actor, id, Transition::Archive, None, None, now)
}

/// Drops the pending change of a published content (its author, a writer of the change
/// or a reviewer); the published version is untouched. Nothing pending: nothing to do.
pub fn discard_revision(conn: &mut DbConn, actor: Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    transition(conn, actor, id, Transition::Discard, None, None, now)
}

/// When the content becomes (or became) visible to learners, if it is published.
pub fn published_at(row: &ContentRow) -> Option<DateTime<Utc>> {
    (row.status == Status::Published.as_str()).then_some(row.publish_at.map(utc)).flatten()
}

/// A content with everything staff see about it.
pub struct StaffData {
    pub row: ContentRow,
    pub topic: Option<crate::db::models::topics::TopicRow>,
    pub tags: Vec<String>,
    pub audiences: Vec<String>,
    pub translations: Vec<TranslationRow>,
    /// The pending change of a published content.
    pub revision: Option<Pending>,
}

/// A change to a published content awaiting approval, as staff see it.
pub struct Pending {
    pub status: Status,
    pub state: revision::State,
    pub topic: Option<crate::db::models::topics::TopicRow>,
}

/// Loads staff views of these contents in a fixed number of queries.
fn load_staff(conn: &mut DbConn, rows: Vec<ContentRow>, with_translations: bool) -> Result<Vec<StaffData>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let topics = crate::db::models::topics::all(conn)?;
    let tags = content_db::tags_of(conn, &ids)?;
    let audiences = content_db::audiences_of(conn, &ids)?;
    let translations = if with_translations { content_db::translations_of(conn, &ids)? } else { Vec::new() };
    let pending_ids: Vec<i64> = rows.iter().filter(|r| r.revision_status.is_some()).map(|r| r.id).collect();
    let mut revisions: std::collections::HashMap<i64, revision::State> = content_db::revisions_of(conn, &pending_ids)?
        .into_iter()
        .filter_map(|(id, text)| revision::State::parse(&text).map(|state| (id, state)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| StaffData {
            revision: match (row.revision_status.as_deref().and_then(Status::parse), revisions.remove(&row.id)) {
                (Some(status), Some(state)) => {
                    Some(Pending { status, topic: topics.iter().find(|t| t.id == state.topic_id).cloned(), state })
                }
                _ => None,
            },
            topic: topics.iter().find(|t| t.id == row.topic_id).cloned(),
            tags: tags.iter().filter(|(id, _)| *id == row.id).map(|(_, t)| t.clone()).collect(),
            audiences: audiences.iter().filter(|(id, _)| *id == row.id).map(|(_, a)| a.clone()).collect(),
            translations: translations.iter().filter(|t| t.content_id == row.id).cloned().collect(),
            row,
        })
        .collect())
}

pub fn staff_view(conn: &mut DbConn, id: i64) -> Result<StaffData, AppError> {
    let row = content_db::find(conn, id)?.ok_or_else(|| AppError::not_found("content"))?;
    load_staff(conn, vec![row], true)?.pop().ok_or_else(|| AppError::not_found("content"))
}

pub struct StaffFilter {
    pub status: Option<Status>,
    /// Only contents whose pending change is in this state.
    pub revision_status: Option<Status>,
    pub kind: Option<Kind>,
    pub topic: Option<TopicRef>,
    pub author_id: Option<i64>,
    pub q: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Contents in every state, newest first; `next` is the id to continue before.
pub fn staff_list(conn: &mut DbConn, filter: &StaffFilter) -> Result<(Vec<StaffData>, Option<i64>), AppError> {
    let topic_id = match &filter.topic {
        Some(topic) => Some(topics::resolve(conn, "topic", topic)?.id),
        None => None,
    };
    let prepared = match filter.q.as_deref() {
        Some(q) => match search_db::prepare(conn, &search::query_terms(q)) {
            Some(p) => Some(p),
            None => return Ok((Vec::new(), None)),
        },
        None => None,
    };
    let mut rows = content_db::admin_list(
        conn,
        &content_db::AdminFilter {
            status: filter.status.map(Status::as_str),
            revision_status: filter.revision_status.map(Status::as_str),
            kind: filter.kind.map(Kind::as_str),
            topic_id,
            author_id: filter.author_id,
            search: prepared.as_ref(),
            before_id: filter.before_id,
            limit: filter.limit,
        },
    )?;
    let has_more = rows.len() as i64 > filter.limit;
    rows.truncate(filter.limit as usize);
    let next = if has_more { rows.last().map(|r| r.id) } else { None };
    Ok((load_staff(conn, rows, false)?, next))
}
