-- Media a content's Markdown body (in any locale) points at (`/api/v1/media/{id}`), so an
-- inline image is visible exactly while a visible content references it.
CREATE TABLE content_media (
    content_id BIGINT NOT NULL REFERENCES contents (id),
    media_id BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (content_id, media_id)
);
CREATE INDEX content_media_media ON content_media (media_id, content_id);

-- The references of the bodies written before this table existed.
INSERT INTO content_media (content_id, media_id)
SELECT DISTINCT bodies.content_id, media.id
FROM (
    SELECT id AS content_id, body_markdown FROM contents WHERE body_markdown LIKE '%/api/v1/media/%'
    UNION ALL
    SELECT content_id, body_markdown FROM content_translations WHERE body_markdown LIKE '%/api/v1/media/%'
) AS bodies
CROSS JOIN LATERAL regexp_matches(bodies.body_markdown, '/api/v1/media/([0-9]{1,18})', 'g') AS found (parts)
JOIN media ON media.id = CAST(found.parts[1] AS BIGINT)
ON CONFLICT DO NOTHING;
