-- Four eyes: nobody who wrote or submitted the revision under review may approve it, and a
-- change to a published item is reviewed while the published version stays live.
--
-- On each reviewed table:
--   revised_by       JSON array of the staff ids who wrote the revision awaiting approval
--                    (the item itself until it is first published, then its pending change);
--                    emptied on approval.
--   submitted_by     who sent that revision for review; cleared on approval and rejection.
--   revision_status  the pending change of a published item: 'draft' or 'in_review'; NULL
--                    when there is none (the live columns are what learners see).
--   revision         that change: the item's editable fields as they would be once
--                    approved (JSON, written and read by the domain layer only).
-- SQLite cannot drop a column that carries a foreign key, so submitted_by has none here
-- (PostgreSQL has it); the one write path stores the acting staff member's id.
ALTER TABLE contents ADD COLUMN revised_by TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contents ADD COLUMN submitted_by BIGINT;
ALTER TABLE contents ADD COLUMN revision_status TEXT CHECK (revision_status IN ('draft', 'in_review'));
ALTER TABLE contents ADD COLUMN revision TEXT;
CREATE INDEX contents_revision ON contents (revision_status, id) WHERE revision_status IS NOT NULL;

ALTER TABLE quizzes ADD COLUMN revised_by TEXT NOT NULL DEFAULT '[]';
ALTER TABLE quizzes ADD COLUMN submitted_by BIGINT;
ALTER TABLE quizzes ADD COLUMN revision_status TEXT CHECK (revision_status IN ('draft', 'in_review'));
ALTER TABLE quizzes ADD COLUMN revision TEXT;
CREATE INDEX quizzes_revision ON quizzes (revision_status, id) WHERE revision_status IS NOT NULL;

ALTER TABLE campaigns ADD COLUMN revised_by TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN submitted_by BIGINT;
ALTER TABLE campaigns ADD COLUMN revision_status TEXT CHECK (revision_status IN ('draft', 'in_review'));
ALTER TABLE campaigns ADD COLUMN revision TEXT;
CREATE INDEX campaigns_revision ON campaigns (revision_status, id) WHERE revision_status IS NOT NULL;

-- Items not yet published were written by their author as far as the data tells; who
-- submitted those already in review is not recorded anywhere (their author may not
-- approve them either way).
UPDATE contents SET revised_by = '[' || author_id || ']' WHERE status IN ('draft', 'in_review');
UPDATE quizzes SET revised_by = '[' || author_id || ']' WHERE status IN ('draft', 'in_review');
UPDATE campaigns SET revised_by = '[' || author_id || ']' WHERE status IN ('draft', 'in_review');
