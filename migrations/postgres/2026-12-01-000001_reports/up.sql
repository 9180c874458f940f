-- Supervision reports read only daily aggregates, never the ledger or the events.

-- Every participation column from org_daily (the learner's organization at the time).
-- The existing `completions` stays (articles + videos) for the organization leaderboard.
-- Quiz scores as two sums, so an average over any range is exact:
-- average = 100 * quiz_score_sum / quiz_max_sum (each attempt weighted by its length).
-- Rows written before this migration keep zeros in the new columns.
ALTER TABLE org_daily ADD COLUMN articles_completed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE org_daily ADD COLUMN videos_completed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE org_daily ADD COLUMN quizzes_taken INTEGER NOT NULL DEFAULT 0;
ALTER TABLE org_daily ADD COLUMN quiz_score_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE org_daily ADD COLUMN quiz_max_sum INTEGER NOT NULL DEFAULT 0;
-- Reports sum a subtree's organizations over a date range.
CREATE INDEX org_daily_date ON org_daily (local_date, org_id);

-- Which local days of a year a learner was active in an organization (the one they
-- belonged to at their first activity that day): `days` holds 366 characters '0'/'1'
-- by day of year. Distinct active learners over any range are then one pass over the
-- learner-years of the subtree, whatever the range's length; a per-day table would
-- need 365 rows per learner for a year's report.
CREATE TABLE org_active (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    year INTEGER NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    days TEXT NOT NULL,
    PRIMARY KEY (org_id, year, user_id)
);

-- Per content and local day (of receipt): what the content report sums.
-- views / shares: events of those kinds; completions: first completions;
-- learner_days: learners with an event on the content that day; percent_sum: the sum of
-- their percent of the content effectively studied at the end of that day.
CREATE TABLE content_daily (
    content_id BIGINT NOT NULL REFERENCES contents (id),
    local_date TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    completions INTEGER NOT NULL DEFAULT 0,
    shares INTEGER NOT NULL DEFAULT 0,
    learner_days INTEGER NOT NULL DEFAULT 0,
    percent_sum INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (content_id, local_date)
);
CREATE INDEX content_daily_date ON content_daily (local_date, content_id);
