-- Written to and emptied again by /readyz after a storage fault (a full disk or size cap,
-- failing I/O), to learn whether the database can store data again. Always empty.
CREATE TABLE storage_probe (
    id BIGINT PRIMARY KEY,
    filler TEXT NOT NULL
);
