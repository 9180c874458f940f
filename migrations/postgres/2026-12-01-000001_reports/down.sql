DROP TABLE content_daily;
DROP TABLE org_active;
DROP INDEX org_daily_date;
ALTER TABLE org_daily DROP COLUMN quiz_max_sum;
ALTER TABLE org_daily DROP COLUMN quiz_score_sum;
ALTER TABLE org_daily DROP COLUMN quizzes_taken;
ALTER TABLE org_daily DROP COLUMN videos_completed;
ALTER TABLE org_daily DROP COLUMN articles_completed;
