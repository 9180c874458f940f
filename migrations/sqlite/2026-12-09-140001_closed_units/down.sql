ALTER TABLE organizations DROP COLUMN closed_at;
