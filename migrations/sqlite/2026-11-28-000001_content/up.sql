-- Who did what to what, and when. Written in the same transaction as the change.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    -- JSON object: locale -> display name.
    names TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('video', 'image')),
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    storage_key TEXT NOT NULL,
    duration_s INTEGER,
    width INTEGER,
    height INTEGER,
    uploader_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE contents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'video')),
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body_markdown TEXT,
    body_html TEXT,
    reading_time_s INTEGER,
    cover_media_id BIGINT REFERENCES media (id),
    media_id BIGINT REFERENCES media (id),
    poster_media_id BIGINT REFERENCES media (id),
    duration_s INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    publish_at TIMESTAMP,
    author_id BIGINT NOT NULL REFERENCES users (id),
    reviewer_id BIGINT REFERENCES users (id),
    reject_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    view_count BIGINT NOT NULL DEFAULT 0,
    like_count BIGINT NOT NULL DEFAULT 0,
    favorite_count BIGINT NOT NULL DEFAULT 0,
    share_count BIGINT NOT NULL DEFAULT 0,
    -- Maintained with the counters, so "popular" is an index scan.
    popularity BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contents_latest ON contents (status, publish_at DESC, id DESC);
CREATE INDEX contents_popular ON contents (status, popularity DESC, id DESC);
CREATE INDEX contents_topic_latest ON contents (topic_id, status, publish_at DESC, id DESC);
CREATE INDEX contents_media ON contents (media_id);
CREATE INDEX contents_poster ON contents (poster_media_id);
CREATE INDEX contents_cover ON contents (cover_media_id);
CREATE INDEX contents_author ON contents (author_id);

CREATE TABLE content_audiences (
    content_id BIGINT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    audience TEXT NOT NULL CHECK (audience IN ('primary', 'junior', 'senior', 'university', 'cadre', 'party_member', 'public')),
    PRIMARY KEY (content_id, audience)
);
CREATE INDEX content_audiences_audience ON content_audiences (audience, content_id);

CREATE TABLE content_tags (
    content_id BIGINT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (content_id, tag)
);
CREATE INDEX content_tags_tag ON content_tags (tag, content_id);

CREATE TABLE content_translations (
    content_id BIGINT NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body_markdown TEXT,
    body_html TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (content_id, locale)
);

CREATE TABLE likes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    content_id BIGINT NOT NULL REFERENCES contents (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, content_id)
);
CREATE INDEX likes_content ON likes (content_id);

CREATE TABLE favorites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    content_id BIGINT NOT NULL REFERENCES contents (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, content_id)
);
CREATE INDEX favorites_user ON favorites (user_id, id);

-- Full-text search over CJK bigrams and Latin/other words, prepared in Rust
-- (see domain::search). rowid = content id.
CREATE VIRTUAL TABLE content_search USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 0');
