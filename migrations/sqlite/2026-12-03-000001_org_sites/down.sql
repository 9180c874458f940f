ALTER TABLE organizations DROP COLUMN demonstration_since;
