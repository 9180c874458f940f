-- Filters of list and read queries that had no index to use, found by asking SQLite for
-- each statement's plan (tests/query_plans.rs).

-- A learner's data export reads their activity maps across organizations and years.
CREATE INDEX org_active_user ON org_active (user_id, year, org_id);

-- Demonstration sites and disabled accounts are few: partial indexes list just them, in id
-- order, for the site filter of the organization list and the participation report, and
-- the `disabled` filter of the member list. (Queries test the flag itself, not `= ?`,
-- which a partial index could not serve.)
CREATE INDEX organizations_sites ON organizations (id) WHERE demonstration_site;
CREATE INDEX users_disabled ON users (id) WHERE disabled;
