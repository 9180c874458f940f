-- Events as the app sent them; the client's UUID is unique forever.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('view', 'progress', 'complete', 'share')),
    content_id BIGINT NOT NULL REFERENCES contents (id),
    position_s INTEGER,
    -- The client's time, clamped to [receipt - 7 days, receipt + 5 minutes]; ordering only.
    occurred_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    -- The server's local day of receipt: the day any credit goes to.
    local_date TEXT NOT NULL
);
CREATE INDEX events_user ON events (user_id, received_at);

-- Per learner and content: where they are, and the study time the server vouches for.
CREATE TABLE progress (
    user_id BIGINT NOT NULL REFERENCES users (id),
    content_id BIGINT NOT NULL REFERENCES contents (id),
    position_s INTEGER NOT NULL DEFAULT 0,
    -- occurred_at of the report that set the position (last writer wins by this).
    position_at TIMESTAMP,
    effective_s INTEGER NOT NULL DEFAULT 0,
    -- Videos: the played segments, JSON [[start, end], ...], merged.
    segments TEXT NOT NULL DEFAULT '[]',
    first_view_at TIMESTAMP,
    last_receipt_at TIMESTAMP,
    completed_at TIMESTAMP,
    PRIMARY KEY (user_id, content_id)
);
CREATE INDEX progress_history ON progress (user_id, last_receipt_at);

-- The points rules (data: administrators change them).
CREATE TABLE point_rules (
    action TEXT PRIMARY KEY,
    points INTEGER NOT NULL,
    -- NULL: no daily cap.
    daily_cap INTEGER,
    enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO point_rules (action, points, daily_cap, enabled, updated_at) VALUES
    ('login', 1, 1, 1, '2026-11-30 00:00:00'),
    ('article_read', 1, 6, 1, '2026-11-30 00:00:00'),
    ('video_watched', 1, 6, 1, '2026-11-30 00:00:00'),
    ('reading_time', 1, 6, 1, '2026-11-30 00:00:00'),
    ('watching_time', 1, 6, 1, '2026-11-30 00:00:00'),
    ('daily_quiz', 1, 5, 1, '2026-11-30 00:00:00'),
    ('contest_quiz', 1, NULL, 1, '2026-11-30 00:00:00'),
    ('share', 1, 1, 1, '2026-11-30 00:00:00');

-- The ledger: append-only; nothing is awarded twice for the same (rule, source, day).
CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    source TEXT NOT NULL,
    local_date TEXT NOT NULL,
    points INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX points_ledger_once ON points_ledger (user_id, action, source, local_date);
CREATE INDEX points_ledger_user ON points_ledger (user_id, id);

-- Points per learner, rule and local day: the row caps are enforced on.
CREATE TABLE rule_daily (
    user_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    local_date TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, action, local_date)
);

-- Per learner and local day: points and study figures (for streaks and reports).
CREATE TABLE user_daily (
    user_id BIGINT NOT NULL REFERENCES users (id),
    local_date TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    reading_seconds INTEGER NOT NULL DEFAULT 0,
    watching_seconds INTEGER NOT NULL DEFAULT 0,
    articles_completed INTEGER NOT NULL DEFAULT 0,
    videos_completed INTEGER NOT NULL DEFAULT 0,
    quizzes_taken INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, local_date)
);

-- Points per learner per period ('d:2026-11-30', 'w:2026-W49', 'm:2026-11', 'all'), with
-- when the current total was reached: leaderboards read these, never the ledger.
CREATE TABLE user_points (
    user_id BIGINT NOT NULL REFERENCES users (id),
    period TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    reached_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, period)
);
CREATE INDEX user_points_rank ON user_points (period, points DESC, reached_at, user_id);

-- Per organization (the learner's own node at the time) and local day.
CREATE TABLE org_daily (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    local_date TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    study_seconds INTEGER NOT NULL DEFAULT 0,
    completions INTEGER NOT NULL DEFAULT 0,
    active_learners INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, local_date)
);

-- Running totals and the streak, per learner. The row is also the learner's lock:
-- every transaction that changes points or study time locks it first.
CREATE TABLE user_stats (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    total_points INTEGER NOT NULL DEFAULT 0,
    streak_days INTEGER NOT NULL DEFAULT 0,
    longest_streak INTEGER NOT NULL DEFAULT 0,
    last_active_date TEXT,
    study_seconds_total INTEGER NOT NULL DEFAULT 0,
    articles_completed INTEGER NOT NULL DEFAULT 0,
    videos_completed INTEGER NOT NULL DEFAULT 0,
    quizzes_taken INTEGER NOT NULL DEFAULT 0,
    -- When the learner's last accepted event arrived: all contents share one clock.
    last_receipt_at TIMESTAMP
);
