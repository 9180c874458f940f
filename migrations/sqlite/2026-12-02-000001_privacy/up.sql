-- Usernames of erased accounts, held for a while so nobody can take over a name that
-- others still associate with the person. Only a keyed hash (HMAC-SHA256 with a key
-- derived from the server's signing secret) of the normalized username is kept, never
-- the name itself and never a link to the account: the row says "this name is not free
-- until release_at" and nothing else.
CREATE TABLE username_holds (
    name_hash TEXT PRIMARY KEY,
    release_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- The retention job removes released holds.
CREATE INDEX username_holds_release ON username_holds (release_at);

-- The retention job deletes raw events by time of receipt across all learners, in
-- small batches; without this index every batch would scan the table.
CREATE INDEX events_received ON events (received_at);
