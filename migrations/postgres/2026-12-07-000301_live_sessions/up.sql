-- Every authenticated request checks that its access token's session (refresh-token
-- family) still has an unrevoked token. Live tokens are a small share of all rows (every
-- rotation leaves one behind, every logout revokes a family): this index holds only them,
-- so the check is one short probe, and an ended session is not in it at all.
CREATE INDEX refresh_tokens_live_family ON refresh_tokens (family_id) WHERE revoked_at IS NULL;
