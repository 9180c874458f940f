//! The question bank: four kinds of question, what makes one valid, how a response is
//! judged, and bulk import that writes everything or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::clock::naive;
use crate::db::models::questions::{self as question_db, NewQuestion, QuestionChanges, QuestionRow};
use crate::db::models::topics::TopicRow;
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::topics::{self, TopicRef};
use crate::domain::vocab::{Audience, TagText};
use crate::domain::workflow::{Actor, require_editor};
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    FillBlank,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "true_false",
            Self::FillBlank => "fill_blank",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Single, Self::Multiple, Self::TrueFalse, Self::FillBlank].into_iter().find(|k| k.as_str() == text)
    }

    pub fn is_choice(self) -> bool {
        matches!(self, Self::Single | Self::Multiple)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    /// 1–4 letters or digits, unique within the question.
    #[schema(example = "A", pattern = r"^[A-Za-z0-9]{1,4}$")]
    pub key: String,
    /// 1–300 characters, not only white space (stored trimmed).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub text: String,
}

/// An answer or a response: `"A"` (single), `["A","C"]` (multiple), `true`/`false`
/// (true_false), accepted strings (fill_blank answer) or one string (fill_blank response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

impl Answer {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

/// Fill-blank answers are compared trimmed and in Unicode NFKC form, so full-width and
/// half-width forms of the same text match.
pub fn normalize_blank(text: &str) -> String {
    text.trim().nfkc().collect::<String>().trim().to_owned()
}

/// Whether `response` is right for a question of `kind` whose answer is `answer`.
/// Multiple choice is all-or-nothing.
pub fn is_correct(kind: QuestionKind, answer: &Answer, response: &Answer) -> bool {
    match (kind, answer, response) {
        (QuestionKind::Single, Answer::Text(a), Answer::Text(r)) => a == r,
        (QuestionKind::Multiple, Answer::List(a), Answer::List(r)) => {
            let mut r: Vec<&String> = r.iter().collect();
            r.sort();
            r.dedup();
            let mut a: Vec<&String> = a.iter().collect();
            a.sort();
            a == r
        }
        (QuestionKind::TrueFalse, Answer::Bool(a), Answer::Bool(r)) => a == r,
        (QuestionKind::FillBlank, Answer::List(accepted), Answer::Text(r)) => {
            let r = normalize_blank(r);
            accepted.iter().any(|a| normalize_blank(a) == r)
        }
        _ => false,
    }
}

/// Import rows: where each came from (`questions[3].`, `line[5].`) and its draft or the
/// error that stopped it being read.
pub type ImportRows = Vec<(String, Result<QuestionDraft, FieldError>)>;

/// A page of the bank, the topics it names, and the id to continue before.
pub type BankPage = (Vec<Full>, Vec<TopicRow>, Option<i64>);

/// Checks a learner's response has the shape the question kind needs (not whether it is right).
pub fn check_response(kind: QuestionKind, keys: &[String], response: &Answer) -> Result<(), String> {
    let known = |k: &String| keys.contains(k);
    match (kind, response) {
        (QuestionKind::Single, Answer::Text(k)) if known(k) => Ok(()),
        (QuestionKind::Multiple, Answer::List(ks)) if !ks.is_empty() && ks.iter().all(known) => Ok(()),
        (QuestionKind::TrueFalse, Answer::Bool(_)) => Ok(()),
        (QuestionKind::FillBlank, Answer::Text(t)) if t.chars().count() <= 200 => Ok(()),
        (QuestionKind::Single, _) => Err(format!("must be one of the option keys {keys:?}")),
        (QuestionKind::Multiple, _) => Err(format!("must be a non-empty list of option keys from {keys:?}")),
        (QuestionKind::TrueFalse, _) => Err("must be true or false".into()),
        (QuestionKind::FillBlank, _) => Err("must be one string of at most 200 characters".into()),
    }
}

/// A question as editors send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "single", "stem": "我国是统一的多民族国家，共有多少个民族？",
    "options": [{"key": "A", "text": "五十五个"}, {"key": "B", "text": "五十六个"}], "answer": "B",
    "explanation": "我国共有五十六个民族。", "topic": "ethnic-view", "tags": ["常识"], "difficulty": 2,
    "audiences": ["public"]
}))]
pub struct QuestionDraft {
    #[schema(example = "single")]
    pub kind: QuestionKind,
    /// 1–1000 characters, not only white space (stored trimmed).
    #[schema(
        example = "我国是统一的多民族国家，共有多少个民族？",
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub stem: String,
    /// Choice kinds: 2–8 options with unique keys. Others: empty or absent.
    #[serde(default)]
    #[schema(max_items = 8, example = json!([{"key": "A", "text": "五十五个"}, {"key": "B", "text": "五十六个"}]))]
    pub options: Vec<QuestionOption>,
    /// By kind: `single` one option key; `multiple` a non-empty list of option keys;
    /// `true_false` true or false; `fill_blank` a non-empty list of accepted answers, each
    /// 1–200 characters, not only white space.
    #[schema(example = "B")]
    pub answer: Answer,
    /// At most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub explanation: String,
    /// Topic slug or id; one naming no topic is 404 `unknown_reference`.
    #[schema(example = "ethnic-view")]
    pub topic: TopicRef,
    /// At most 10 distinct tags.
    #[serde(default)]
    #[schema(value_type = Vec<TagText>, max_items = 10)]
    pub tags: Vec<String>,
    /// 1 (easy) to 5 (hard); default 3.
    #[schema(minimum = 1, maximum = 5)]
    pub difficulty: Option<i32>,
    /// Who the question is for; empty means everyone.
    #[serde(default)]
    pub audiences: Vec<Audience>,
}

/// A draft whose fields are checked and normalized, ready to store.
pub struct Valid {
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<QuestionOption>,
    pub answer: Answer,
    pub explanation: String,
    pub tags: Vec<String>,
    pub difficulty: i32,
    pub audiences: Vec<&'static str>,
}

fn clean_text(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let text = raw.trim().to_owned();
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        errors.push(FieldError::new(field, format!("must be at most {max} characters without control characters")));
    }
    text
}

/// Checks every field of a draft; error fields are prefixed with `at` (e.g. `questions[3].`).
pub fn check(draft: &QuestionDraft, at: &str) -> Result<Valid, Vec<FieldError>> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{at}{name}");
    let stem = clean_text(&field("stem"), &draft.stem, 1000, &mut errors);
    if stem.is_empty() {
        errors.push(FieldError::new(field("stem"), "must not be empty"));
    }
    let explanation = clean_text(&field("explanation"), &draft.explanation, 2000, &mut errors);
    let mut options = Vec::new();
    for option in &draft.options {
        let key = option.key.trim().to_owned();
        let text = option.text.trim().to_owned();
        if key.is_empty() || key.len() > 4 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push(FieldError::new(field("options"), "keys are 1–4 letters or digits"));
        }
        if text.is_empty() || text.chars().count() > 300 || text.chars().any(char::is_control) {
            errors.push(FieldError::new(field("options"), "each option text is 1–300 characters"));
        }
        options.push(QuestionOption { key, text });
    }
    let keys: Vec<String> = options.iter().map(|o| o.key.clone()).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != keys.len() {
        errors.push(FieldError::new(field("options"), "keys must be unique"));
    }
    let answer = match draft.kind {
        QuestionKind::Single | QuestionKind::Multiple if !(2..=8).contains(&options.len()) => {
            errors.push(FieldError::new(field("options"), "choice questions need 2 to 8 options"));
            draft.answer.clone()
        }
        QuestionKind::TrueFalse | QuestionKind::FillBlank if !options.is_empty() => {
            errors.push(FieldError::new(field("options"), "only choice questions have options"));
            draft.answer.clone()
        }
        QuestionKind::Single => match &draft.answer {
            Answer::Text(k) if keys.contains(&k.trim().to_owned()) => Answer::Text(k.trim().to_owned()),
            _ => {
                errors.push(FieldError::new(field("answer"), "must be the key of one option"));
                draft.answer.clone()
            }
        },
        QuestionKind::Multiple => match &draft.answer {
            Answer::List(ks) if !ks.is_empty() && ks.iter().all(|k| keys.contains(k)) => {
                let mut ks = ks.clone();
                ks.sort();
                ks.dedup();
                Answer::List(ks)
            }
            _ => {
                errors.push(FieldError::new(field("answer"), "must be a non-empty list of option keys"));
                draft.answer.clone()
            }
        },
        QuestionKind::TrueFalse => {
            if !matches!(draft.answer, Answer::Bool(_)) {
                errors.push(FieldError::new(field("answer"), "must be true or false"));
            }
            draft.answer.clone()
        }
        QuestionKind::FillBlank => match &draft.answer {
            Answer::List(accepted)
                if !accepted.is_empty()
                    && accepted.iter().all(|a| !normalize_blank(a).is_empty() && a.chars().count() <= 200) =>
            {
                Answer::List(accepted.iter().map(|a| a.trim().to_owned()).collect())
            }
            _ => {
                errors.push(FieldError::new(field("answer"), "must be a non-empty list of accepted answers"));
                draft.answer.clone()
            }
        },
    };
    let difficulty = draft.difficulty.unwrap_or(3);
    if !(1..=5).contains(&difficulty) {
        errors.push(FieldError::new(field("difficulty"), "must be 1 to 5"));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in &draft.tags {
        let tag = tag.trim();
        if !(1..=20).contains(&tag.chars().count()) || tag.chars().any(char::is_control) {
            errors.push(FieldError::new(field("tags"), "each tag must be 1 to 20 characters"));
        } else if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    if draft.tags.len() > 10 {
        errors.push(FieldError::new(field("tags"), "at most 10 tags"));
    }
    let mut audiences: Vec<&'static str> = draft.audiences.iter().map(|a| a.as_str()).collect();
    audiences.sort_unstable();
    audiences.dedup();
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    Ok(Valid { kind: draft.kind, stem, options, answer, explanation, tags, difficulty, audiences })
}

fn options_json(options: &[QuestionOption]) -> String {
    serde_json::to_string(options).unwrap_or_else(|_| "[]".into())
}

fn store(
    conn: &mut DbConn,
    valid: &Valid,
    topic: &TopicRow,
    author: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let id = question_db::insert(
        conn,
        &NewQuestion {
            kind: valid.kind.as_str(),
            topic_id: topic.id,
            stem: &valid.stem,
            options: &options_json(&valid.options),
            answer: &valid.answer.to_json(),
            explanation: &valid.explanation,
            difficulty: valid.difficulty,
            author_id: author,
            created_at: naive(now),
            updated_at: naive(now),
        },
    )?;
    question_db::set_tags(conn, id, &valid.tags)?;
    question_db::set_audiences(conn, id, &valid.audiences)?;
    Ok(id)
}

pub fn create(conn: &mut DbConn, actor: Actor, draft: &QuestionDraft, now: DateTime<Utc>) -> Result<i64, AppError> {
    require_editor(actor.role)?;
    let valid = check(draft, "").map_err(AppError::Validation)?;
    write_tx(conn, |conn| {
        let topic = topics::resolve(conn, "topic", &draft.topic)?;
        let id = store(conn, &valid, &topic, Some(actor.id), now)?;
        audit::record(
            conn,
            Some(actor.id),
            "question.create",
            Target::Question(id),
            &json!({"kind": valid.kind.as_str()}),
            now,
        )?;
        Ok(id)
    })
}

/// Replaces a question's fields. The version goes up when what a learner answers changes
/// (stem, options or answer); attempts already started keep their own copy.
pub fn replace(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    draft: &QuestionDraft,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    require_editor(actor.role)?;
    let valid = check(draft, "").map_err(AppError::Validation)?;
    write_tx(conn, |conn| {
        let row = question_db::find(conn, id)?
            .filter(|q| q.retired_at.is_none())
            .ok_or_else(|| AppError::not_found("question"))?;
        let topic = topics::resolve(conn, "topic", &draft.topic)?;
        let (options, answer) = (options_json(&valid.options), valid.answer.to_json());
        let changed =
            row.kind != valid.kind.as_str() || row.stem != valid.stem || row.options != options || row.answer != answer;
        let version = if changed { row.version + 1 } else { row.version };
        let changes = QuestionChanges {
            kind: Some(valid.kind.as_str().to_owned()),
            topic_id: Some(topic.id),
            stem: Some(valid.stem.clone()),
            options: Some(options),
            answer: Some(answer),
            explanation: Some(valid.explanation.clone()),
            difficulty: Some(valid.difficulty),
            version: Some(version),
            updated_at: Some(naive(now)),
            retired_at: None,
        };
        question_db::update(conn, id, &changes)?;
        question_db::set_tags(conn, id, &valid.tags)?;
        question_db::set_audiences(conn, id, &valid.audiences)?;
        audit::record(conn, Some(actor.id), "question.update", Target::Question(id), &json!({"version": version}), now)
    })
}

/// Retires a question: no new attempt draws it; existing attempts and statistics keep it.
pub fn retire(conn: &mut DbConn, actor: Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    require_editor(actor.role)?;
    write_tx(conn, |conn| {
        let row = question_db::find(conn, id)?.ok_or_else(|| AppError::not_found("question"))?;
        if row.retired_at.is_some() {
            return Ok(());
        }
        let changes = QuestionChanges {
            retired_at: Some(Some(naive(now))),
            updated_at: Some(naive(now)),
            ..QuestionChanges::default()
        };
        question_db::update(conn, id, &changes)?;
        audit::record(conn, Some(actor.id), "question.retire", Target::Question(id), &json!({}), now)
    })
}

/// Imports drafts all or nothing. Every bad row and field is reported (fields named by
/// `at(index)`, e.g. `questions[3].answer` or `line[5].answer`), and nothing is written.
pub fn import(conn: &mut DbConn, actor: Actor, rows: &ImportRows, now: DateTime<Utc>) -> Result<Vec<i64>, AppError> {
    require_editor(actor.role)?;
    if rows.is_empty() {
        return Err(AppError::validation("questions", "no questions to import"));
    }
    if rows.len() > 1000 {
        return Err(AppError::validation("questions", "at most 1000 questions per import"));
    }
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    for (at, row) in rows {
        match row {
            Ok(draft) => match check(draft, at) {
                Ok(v) => valid.push((at, draft, v)),
                Err(mut e) => errors.append(&mut e),
            },
            Err(e) => errors.push(e.clone()),
        }
    }
    write_tx(conn, |conn| {
        // Topics are looked up once each; an unknown one is an error of every row naming it.
        let mut topics_by_ref: HashMap<String, Option<TopicRow>> = HashMap::new();
        let mut ready = Vec::new();
        for (at, draft, v) in &valid {
            let key = match &draft.topic {
                TopicRef::Id(id) => id.to_string(),
                TopicRef::Slug(slug) => slug.clone(),
            };
            if !topics_by_ref.contains_key(&key) {
                let found = topics::resolve(conn, "topic", &draft.topic).ok();
                topics_by_ref.insert(key.clone(), found);
            }
            match &topics_by_ref[&key] {
                Some(topic) => ready.push((v, topic.clone())),
                None => errors.push(FieldError::unknown(format!("{at}topic"), "no such topic")),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(std::mem::take(&mut errors)));
        }
        let mut ids = Vec::with_capacity(ready.len());
        for (v, topic) in &ready {
            ids.push(store(conn, v, topic, Some(actor.id), now)?);
        }
        audit::record(
            conn,
            Some(actor.id),
            "question.import",
            Target::Question(ids[0]),
            &json!({"count": ids.len(), "ids": ids}),
            now,
        )?;
        Ok(ids)
    })
}

/// The CSV header `import` understands, in this order.
pub const CSV_HEADER: &[&str] =
    &["kind", "topic", "stem", "options", "answer", "explanation", "difficulty", "tags", "audiences"];

/// Reads CSV rows into drafts. Cells: `options` as `A=text|B=text`; `answer` as `A`,
/// `A|C`, `true`/`false`, or accepted blanks `x|y`; `tags` and `audiences` `|`-separated.
pub fn drafts_from_csv(text: &str) -> Result<ImportRows, AppError> {
    let mut rows = Vec::new();
    for (at, record) in crate::domain::csv_rows::records(text, CSV_HEADER)? {
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let split = |s: String| -> Vec<String> {
            s.split('|').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
        };
        let draft = (|| -> Result<QuestionDraft, FieldError> {
            let kind = QuestionKind::parse(&cell(0)).ok_or_else(|| {
                FieldError::new(format!("{at}kind"), "must be single, multiple, true_false or fill_blank")
            })?;
            let options = split(cell(3))
                .into_iter()
                .map(|pair| {
                    pair.split_once('=')
                        .map(|(k, t)| QuestionOption { key: k.trim().to_owned(), text: t.trim().to_owned() })
                        .ok_or_else(|| FieldError::new(format!("{at}options"), "write options as A=text|B=text"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let answer = match kind {
                QuestionKind::Single => Answer::Text(cell(4)),
                QuestionKind::Multiple | QuestionKind::FillBlank => Answer::List(split(cell(4))),
                QuestionKind::TrueFalse => match cell(4).to_lowercase().as_str() {
                    "true" => Answer::Bool(true),
                    "false" => Answer::Bool(false),
                    _ => return Err(FieldError::new(format!("{at}answer"), "must be true or false")),
                },
            };
            let difficulty = match cell(6) {
                d if d.is_empty() => None,
                d => Some(d.parse().map_err(|_| FieldError::new(format!("{at}difficulty"), "must be 1 to 5"))?),
            };
            let audiences = split(cell(8))
                .iter()
                .map(|a| {
                    Audience::parse(a)
                        .ok_or_else(|| FieldError::new(format!("{at}audiences"), format!("`{a}` is not an audience")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let topic = cell(1);
            Ok(QuestionDraft {
                kind,
                stem: cell(2),
                options,
                answer,
                explanation: cell(5),
                topic: topic.parse().map_or(TopicRef::Slug(topic), TopicRef::Id),
                tags: split(cell(7)),
                difficulty,
                audiences,
            })
        })();
        rows.push((at, draft));
    }
    Ok(rows)
}

/// A question with its tags and audiences, as editors see it.
pub struct Full {
    pub row: QuestionRow,
    pub tags: Vec<String>,
    pub audiences: Vec<String>,
}

pub fn load_full(conn: &mut DbConn, rows: Vec<QuestionRow>) -> Result<Vec<Full>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|q| q.id).collect();
    let mut tags: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, tag) in question_db::tags_of(conn, &ids)? {
        tags.entry(id).or_default().push(tag);
    }
    let mut audiences: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, audience) in question_db::audiences_of(conn, &ids)? {
        audiences.entry(id).or_default().push(audience);
    }
    Ok(rows
        .into_iter()
        .map(|row| Full {
            tags: tags.remove(&row.id).unwrap_or_default(),
            audiences: audiences.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn options_of(row: &QuestionRow) -> Vec<QuestionOption> {
    serde_json::from_str(&row.options).unwrap_or_default()
}

/// Changes to a question; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stem": "我国共有多少个民族？", "difficulty": 2, "tags": ["常识"]}))]
pub struct QuestionPatch {
    pub kind: Option<QuestionKind>,
    /// 1–1000 characters, not only white space (stored trimmed).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub stem: Option<String>,
    /// Choice kinds: 2–8 options with unique keys. Others: empty.
    #[schema(max_items = 8)]
    pub options: Option<Vec<QuestionOption>>,
    /// As when creating; it must fit the question's kind and options once merged.
    pub answer: Option<Answer>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub explanation: Option<String>,
    /// Topic slug or id; one naming no topic is 404 `unknown_reference`.
    pub topic: Option<TopicRef>,
    /// At most 10 distinct tags.
    #[schema(value_type = Option<Vec<TagText>>, max_items = 10)]
    pub tags: Option<Vec<String>>,
    /// 1 (easy) to 5 (hard).
    #[schema(minimum = 1, maximum = 5)]
    pub difficulty: Option<i32>,
    pub audiences: Option<Vec<Audience>>,
}

/// Applies a patch by merging it into the stored question and checking the whole.
pub fn patch(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    patch: QuestionPatch,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let row = question_db::find(conn, id)?
        .filter(|q| q.retired_at.is_none())
        .ok_or_else(|| AppError::not_found("question"))?;
    let full = load_full(conn, vec![row])?.pop().ok_or_else(|| AppError::not_found("question"))?;
    // Kind, options and answer must fit together: when the patch leaves one of them as
    // stored and only that combination is wrong, the patch conflicts with the question.
    let gives_shape = patch.kind.is_some() && patch.options.is_some() && patch.answer.is_some();
    let draft = QuestionDraft {
        kind: patch.kind.unwrap_or_else(|| QuestionKind::parse(&full.row.kind).unwrap_or(QuestionKind::Single)),
        stem: patch.stem.unwrap_or(full.row.stem.clone()),
        options: patch.options.unwrap_or_else(|| options_of(&full.row)),
        answer: patch.answer.unwrap_or_else(|| Answer::from_json(&full.row.answer).unwrap_or(Answer::List(Vec::new()))),
        explanation: patch.explanation.unwrap_or(full.row.explanation.clone()),
        topic: patch.topic.unwrap_or(TopicRef::Id(full.row.topic_id)),
        tags: patch.tags.unwrap_or(full.tags),
        difficulty: Some(patch.difficulty.unwrap_or(full.row.difficulty)),
        audiences: patch
            .audiences
            .unwrap_or_else(|| full.audiences.iter().filter_map(|a| Audience::parse(a)).collect()),
    };
    if let Err(errors) = check(&draft, "")
        && !gives_shape
        && errors.iter().all(|e| e.field == "options" || e.field == "answer")
    {
        let detail: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        return Err(AppError::conflict("conflict", format!("With the stored question, {}", detail.join("; "))));
    }
    replace(conn, actor, id, &draft, now)
}

pub struct Filter {
    pub topic: Option<TopicRef>,
    pub tag: Option<String>,
    pub kind: Option<QuestionKind>,
    pub difficulty: Option<i32>,
    pub q: Option<String>,
    pub include_retired: bool,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A page of the bank (newest first) with every topic (for names), and where to go next.
pub fn list(conn: &mut DbConn, f: &Filter) -> Result<BankPage, AppError> {
    let topic_id = match &f.topic {
        Some(topic) => Some(topics::resolve(conn, "topic", topic)?.id),
        None => None,
    };
    let mut rows = question_db::list(
        conn,
        &question_db::ListFilter {
            topic_id,
            tag: f.tag.as_deref(),
            kind: f.kind.map(QuestionKind::as_str),
            difficulty: f.difficulty,
            text: f.q.as_deref(),
            include_retired: f.include_retired,
            before_id: f.before_id,
            limit: f.limit,
        },
    )?;
    let has_more = rows.len() as i64 > f.limit;
    rows.truncate(usize::try_from(f.limit).unwrap_or(0));
    let next = if has_more { rows.last().map(|r| r.id) } else { None };
    Ok((load_full(conn, rows)?, crate::db::models::topics::all(conn)?, next))
}

pub fn one(conn: &mut DbConn, id: i64) -> Result<(Full, Vec<TopicRow>), AppError> {
    let row = question_db::find(conn, id)?.ok_or_else(|| AppError::not_found("question"))?;
    let full = load_full(conn, vec![row])?.pop().ok_or_else(|| AppError::not_found("question"))?;
    Ok((full, crate::db::models::topics::all(conn)?))
}
