-- Demonstration sites (示范点) are under dynamic management: a site is granted the title
-- on a day and can lose it again, so the flag gets the local day it was granted.
-- A local date (YYYY-MM-DD in TONGXIN_TIMEZONE) as TEXT, like events.local_date: the
-- schema keeps to types both backends map the same way. NULL exactly when not a site.
-- SQLite cannot add a table CHECK tying the two columns together without rebuilding the
-- table (which users reference); PostgreSQL has it, and the one write path
-- (domain::organizations) keeps the pair consistent on both.
ALTER TABLE organizations ADD COLUMN demonstration_since TEXT
    CHECK (demonstration_since IS NULL OR demonstration_since GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');

-- Sites flagged before this column existed: the day of their last change is the best
-- guess the data holds (in UTC: the configured time zone is not known to a migration).
UPDATE organizations SET demonstration_since = date(updated_at) WHERE demonstration_site;
