DROP INDEX campaigns_revision;
ALTER TABLE campaigns DROP COLUMN revision;
ALTER TABLE campaigns DROP COLUMN revision_status;
ALTER TABLE campaigns DROP COLUMN submitted_by;
ALTER TABLE campaigns DROP COLUMN revised_by;

DROP INDEX quizzes_revision;
ALTER TABLE quizzes DROP COLUMN revision;
ALTER TABLE quizzes DROP COLUMN revision_status;
ALTER TABLE quizzes DROP COLUMN submitted_by;
ALTER TABLE quizzes DROP COLUMN revised_by;

DROP INDEX contents_revision;
ALTER TABLE contents DROP COLUMN revision;
ALTER TABLE contents DROP COLUMN revision_status;
ALTER TABLE contents DROP COLUMN submitted_by;
ALTER TABLE contents DROP COLUMN revised_by;
