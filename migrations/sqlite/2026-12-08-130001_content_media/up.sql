-- Media a content's Markdown body (in any locale) points at (`/api/v1/media/{id}`), so an
-- inline image is visible exactly while a visible content references it.
CREATE TABLE content_media (
    content_id BIGINT NOT NULL REFERENCES contents (id),
    media_id BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (content_id, media_id)
);
CREATE INDEX content_media_media ON content_media (media_id, content_id);

-- The references of the bodies written before this table existed. Each step of `scan`
-- holds the text right after one `/api/v1/media/`; CAST reads its leading digits, as the
-- application does.
WITH RECURSIVE bodies (content_id, rest) AS (
    SELECT id, body_markdown FROM contents WHERE body_markdown LIKE '%/api/v1/media/%'
    UNION ALL
    SELECT content_id, body_markdown FROM content_translations WHERE body_markdown LIKE '%/api/v1/media/%'
),
scan (content_id, rest) AS (
    SELECT content_id, substr(rest, instr(rest, '/api/v1/media/') + 14) FROM bodies
    UNION ALL
    SELECT content_id, substr(rest, instr(rest, '/api/v1/media/') + 14) FROM scan
    WHERE instr(rest, '/api/v1/media/') > 0
)
INSERT OR IGNORE INTO content_media (content_id, media_id)
SELECT DISTINCT scan.content_id, media.id
FROM scan JOIN media ON media.id = CAST(scan.rest AS INTEGER)
WHERE scan.rest GLOB '[0-9]*';
