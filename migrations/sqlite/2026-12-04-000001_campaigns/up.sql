-- Campaigns (主题活动): time-boxed publicity weeks and months, contests and themed
-- activities. They go through the same review workflow as contents and quizzes.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('publicity_week', 'publicity_month', 'contest', 'themed')),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL CHECK (ends_at > starts_at),
    -- Only learners in this organization's subtree see it; NULL: everyone.
    org_id BIGINT REFERENCES organizations (id),
    -- Points from the campaign's contents and quizzes inside the window are multiplied by
    -- this, in percent (100 = no bonus; the bonus is its own ledger entry).
    points_multiplier INTEGER NOT NULL DEFAULT 100 CHECK (points_multiplier BETWEEN 100 AND 500),
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    publish_at TIMESTAMP,
    author_id BIGINT NOT NULL REFERENCES users (id),
    reviewer_id BIGINT REFERENCES users (id),
    reject_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_window ON campaigns (status, starts_at, id);
CREATE INDEX campaigns_ending ON campaigns (status, ends_at, id);

-- Attached contents and quizzes, in the order staff gave them.
CREATE TABLE campaign_contents (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    content_id BIGINT NOT NULL REFERENCES contents (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, content_id)
);
-- Crediting asks "which campaigns hold this content?" on every award.
CREATE INDEX campaign_contents_content ON campaign_contents (content_id, campaign_id);

CREATE TABLE campaign_quizzes (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    quiz_id BIGINT NOT NULL REFERENCES quizzes (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, quiz_id)
);
CREATE INDEX campaign_quizzes_quiz ON campaign_quizzes (quiz_id, campaign_id);
