-- The UTS #39 skeleton of each live account's username (lower-cased), unique, so that no
-- two accounts can have names that look alike (Cyrillic х in хiaoming, "rn" for "m"),
-- even when registered at the same moment. SQL cannot compute a skeleton: existing rows
-- get theirs when the server migrates (`db::models::users::backfill_skeletons`, in Rust).
-- NULL: not computed yet, an erased account, or a look-alike registered before the rule
-- (the earliest account of such a group keeps the skeleton, so new look-alikes of any
-- of them are still refused).
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);
