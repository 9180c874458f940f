-- The question bank. `options` and `answer` are JSON text:
--   options: [{"key": "A", "text": "..."}] (empty for true_false and fill_blank)
--   answer:  "A" | ["A","C"] | true | ["accepted", "answers"]
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false', 'fill_blank')),
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    stem TEXT NOT NULL,
    options TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    difficulty INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    -- Goes up when the stem, options or answer change; attempts keep what they were given.
    version INTEGER NOT NULL DEFAULT 1,
    author_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Retired questions stay for the attempts and statistics that use them.
    retired_at TIMESTAMP
);
CREATE INDEX questions_topic ON questions (topic_id, difficulty, id);

CREATE TABLE question_tags (
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (question_id, tag)
);
CREATE INDEX question_tags_tag ON question_tags (tag, question_id);

CREATE TABLE question_audiences (
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    PRIMARY KEY (question_id, audience)
);
CREATE INDEX question_audiences_audience ON question_audiences (audience, question_id);

-- Quizzes go through the same review workflow as contents.
CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('practice', 'exam', 'daily', 'contest')),
    -- JSON array of question ids, or NULL when questions are drawn.
    question_ids TEXT,
    -- JSON {"count", "topic_id"?, "tags"?, "difficulty"?}, or NULL for fixed questions.
    draw TEXT,
    shuffle_questions BOOLEAN NOT NULL DEFAULT 0,
    shuffle_options BOOLEAN NOT NULL DEFAULT 0,
    time_limit_s INTEGER,
    max_attempts INTEGER,
    pass_score INTEGER,
    opens_at TIMESTAMP,
    closes_at TIMESTAMP,
    review TEXT NOT NULL CHECK (review IN ('after_submit', 'after_close', 'never')),
    points_per_correct INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    publish_at TIMESTAMP,
    author_id BIGINT NOT NULL REFERENCES users (id),
    reviewer_id BIGINT REFERENCES users (id),
    reject_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX quizzes_visible ON quizzes (status, publish_at, id);

-- An attempt at a quiz (or a practice set from the wrong-answer book, quiz_id NULL).
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quiz_id BIGINT REFERENCES quizzes (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    source TEXT NOT NULL CHECK (source IN ('quiz', 'daily', 'mistakes')),
    -- 1, 2, ... per (quiz, user): the unique index makes attempt limits race-free.
    attempt_no INTEGER NOT NULL,
    -- The local date of a daily quiz attempt: one per user per day.
    local_date TEXT,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'submitted')),
    started_at TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP,
    submitted_at TIMESTAMP,
    -- Set when scored: late (finalized after the deadline) or on time.
    finalized_late BOOLEAN NOT NULL DEFAULT 0,
    score INTEGER,
    max_score INTEGER NOT NULL,
    passed BOOLEAN,
    -- When results with answers may be shown: submit time, the quiz's close, or never (NULL).
    review_at TIMESTAMP
);
CREATE UNIQUE INDEX attempts_number ON attempts (quiz_id, user_id, attempt_no);
CREATE UNIQUE INDEX attempts_daily ON attempts (quiz_id, user_id, local_date);
CREATE INDEX attempts_user ON attempts (user_id, id);
CREATE INDEX attempts_open ON attempts (status, deadline_at);

-- The questions of an attempt as delivered: a snapshot, so later edits change nothing.
-- Options are re-keyed in delivered order and `answer` uses the delivered keys.
CREATE TABLE attempt_items (
    attempt_id BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question_id BIGINT NOT NULL REFERENCES questions (id),
    question_version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    options TEXT NOT NULL,
    -- delivered key -> original key, to count option picks across attempts
    option_map TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    response TEXT,
    answered_at TIMESTAMP,
    correct BOOLEAN,
    PRIMARY KEY (attempt_id, position)
);
CREATE UNIQUE INDEX attempt_items_question ON attempt_items (attempt_id, question_id);
CREATE INDEX attempt_items_by_question ON attempt_items (question_id);

-- The wrong-answer book: questions a learner got wrong, until answered right twice.
CREATE TABLE mistakes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    question_id BIGINT NOT NULL REFERENCES questions (id),
    wrong_count INTEGER NOT NULL,
    right_count INTEGER NOT NULL DEFAULT 0,
    last_response TEXT,
    last_attempt_id BIGINT NOT NULL REFERENCES attempts (id),
    -- Shown only once the attempt that put it here may be reviewed.
    visible_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, question_id)
);
CREATE INDEX mistakes_user ON mistakes (user_id, updated_at);
