DROP INDEX users_disabled;
DROP INDEX organizations_sites;
DROP INDEX org_active_user;
