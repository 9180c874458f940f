-- Demonstration sites (示范点) are under dynamic management: a site is granted the title
-- on a day and can lose it again, so the flag gets the local day it was granted.
-- A local date (YYYY-MM-DD in TONGXIN_TIMEZONE) as TEXT, like events.local_date: the
-- schema keeps to types both backends map the same way. NULL exactly when not a site.
ALTER TABLE organizations ADD COLUMN demonstration_since TEXT;

-- Sites flagged before this column existed: the day of their last change is the best
-- guess the data holds (in UTC: the configured time zone is not known to a migration).
UPDATE organizations SET demonstration_since = to_char(updated_at, 'YYYY-MM-DD') WHERE demonstration_site;

ALTER TABLE organizations ADD CONSTRAINT organizations_demonstration_since CHECK (
    (demonstration_site AND demonstration_since ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
    OR (NOT demonstration_site AND demonstration_since IS NULL)
);
