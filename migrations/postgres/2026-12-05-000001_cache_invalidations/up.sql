-- A log of changes to what learners see (publication, edits, counters crossing a
-- display threshold, topic renames), written in the transaction that makes the change.
-- Each server process keeps an in-memory cache of public pages and reads this log every
-- TONGXIN_CACHE_RECHECK_MS to drop what another process changed. Rows are short-lived:
-- the retention job deletes those older than an hour.
CREATE TABLE cache_invalidations (
    id BIGSERIAL PRIMARY KEY,
    -- 'content' (membership or text changed), 'counter' (a shown counter moved past a
    -- threshold) or 'all' (e.g. a topic renamed).
    scope TEXT NOT NULL,
    content_id BIGINT,
    -- The process that wrote it; it has already applied the change to its own cache.
    origin BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cache_invalidations_created ON cache_invalidations (created_at);
