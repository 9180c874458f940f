ALTER TABLE organizations DROP CONSTRAINT organizations_demonstration_since;
ALTER TABLE organizations DROP COLUMN demonstration_since;
