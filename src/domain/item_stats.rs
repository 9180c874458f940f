//! Item statistics for editors: how each question of a quiz performs, so bad questions
//! can be found and fixed. Computed from submitted attempts.

use std::collections::{BTreeMap, HashMap};

use crate::db::DbConn;
use crate::db::models::attempts as attempt_db;
use crate::db::models::quizzes as quiz_db;
use crate::domain::organizations::Scope;
use crate::domain::questions::{Answer, QuestionOption};
use crate::error::AppError;

pub struct OptionStat {
    pub key: String,
    pub text: String,
    /// Share of the attempts given this question that picked the option.
    pub pick_rate: f64,
}

pub struct QuestionStat {
    pub question_id: i64,
    pub kind: String,
    pub stem: String,
    /// Attempts that were given the question.
    pub given: i64,
    pub share_correct: f64,
    /// Share correct in the top 27 % of attempts by score minus the bottom 27 %.
    pub discrimination: Option<f64>,
    pub options: Vec<OptionStat>,
}

pub struct QuizStats {
    pub attempts: i64,
    pub mean_score: Option<f64>,
    pub mean_percent: Option<f64>,
    pub pass_rate: Option<f64>,
    pub questions: Vec<QuestionStat>,
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The statistics of a quiz over the attempts `scope` covers: content staff and admins
/// see every attempt; an org admin only those of learners now in their subtree.
pub fn for_quiz(conn: &mut DbConn, quiz_id: i64, scope: &Scope) -> Result<QuizStats, AppError> {
    quiz_db::find(conn, quiz_id)?.ok_or_else(|| AppError::not_found("quiz"))?;
    let within = match scope {
        Scope::All => None,
        Scope::Subtree(path) => Some(path.as_str()),
        Scope::Nothing => return Err(AppError::forbidden("This report needs a staff role.")),
    };
    let (mut attempts, items) = attempt_db::submitted_for_quiz(conn, quiz_id, within)?;
    let n = attempts.len();
    // Upper and lower groups: the 27 % best and worst attempts by score (ties by id).
    attempts.sort_by_key(|a| (std::cmp::Reverse(a.score.unwrap_or(0)), a.id));
    let group = ((n as f64) * 0.27).round() as usize;
    let upper: Vec<i64> = attempts.iter().take(group).map(|a| a.id).collect();
    let lower: Vec<i64> = attempts.iter().rev().take(group).map(|a| a.id).collect();

    let mut by_question: BTreeMap<i64, Vec<&attempt_db::ItemRow>> = BTreeMap::new();
    for item in &items {
        by_question.entry(item.question_id).or_default().push(item);
    }
    let questions = by_question
        .into_iter()
        .map(|(question_id, given)| {
            let right = |ids: Option<&[i64]>| -> (usize, usize) {
                let pool: Vec<&&attempt_db::ItemRow> =
                    given.iter().filter(|i| ids.is_none_or(|ids| ids.contains(&i.attempt_id))).collect();
                (pool.iter().filter(|i| i.correct == Some(true)).count(), pool.len())
            };
            let (correct, total) = right(None);
            let (u_right, u_total) = right(Some(&upper));
            let (l_right, l_total) = right(Some(&lower));
            let discrimination =
                (u_total > 0 && l_total > 0).then(|| ratio(u_right, u_total) - ratio(l_right, l_total));
            // Picks are counted in the question's own keys (deliveries may be shuffled).
            let first = given[0];
            let mut originals: Vec<QuestionOption> = Vec::new();
            let mut picks: HashMap<String, usize> = HashMap::new();
            for item in &given {
                let map: HashMap<String, String> = serde_json::from_str(&item.option_map).unwrap_or_default();
                let delivered: Vec<QuestionOption> = serde_json::from_str(&item.options).unwrap_or_default();
                for option in delivered {
                    let key = map.get(&option.key).cloned().unwrap_or(option.key);
                    if !originals.iter().any(|o| o.key == key) {
                        originals.push(QuestionOption { key, text: option.text });
                    }
                }
                let chosen: Vec<String> = match item.response.as_deref().and_then(Answer::from_json) {
                    Some(Answer::Text(k)) => vec![k],
                    Some(Answer::List(ks)) => ks,
                    _ => Vec::new(),
                };
                for k in chosen {
                    let key = map.get(&k).cloned().unwrap_or(k);
                    *picks.entry(key).or_default() += 1;
                }
            }
            originals.sort_by(|a, b| a.key.cmp(&b.key));
            let options = if matches!(first.kind.as_str(), "single" | "multiple") {
                originals
                    .into_iter()
                    .map(|o| OptionStat {
                        pick_rate: ratio(picks.get(&o.key).copied().unwrap_or(0), total),
                        key: o.key,
                        text: o.text,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            QuestionStat {
                question_id,
                kind: first.kind.clone(),
                stem: first.stem.clone(),
                given: total as i64,
                share_correct: ratio(correct, total),
                discrimination,
                options,
            }
        })
        .collect();
    let scores: Vec<(i32, i32)> = attempts.iter().map(|a| (a.score.unwrap_or(0), a.max_score)).collect();
    let mean = |f: &dyn Fn(&(i32, i32)) -> f64| (n > 0).then(|| scores.iter().map(f).sum::<f64>() / n as f64);
    let judged: Vec<bool> = attempts.iter().filter_map(|a| a.passed).collect();
    Ok(QuizStats {
        attempts: n as i64,
        mean_score: mean(&|(s, _)| f64::from(*s)),
        mean_percent: mean(&|(s, m)| if *m == 0 { 0.0 } else { f64::from(*s) * 100.0 / f64::from(*m) }),
        pass_rate: (!judged.is_empty()).then(|| ratio(judged.iter().filter(|p| **p).count(), judged.len())),
        questions,
    })
}
