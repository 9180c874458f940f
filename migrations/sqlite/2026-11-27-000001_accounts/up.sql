-- Organizations form a tree. `path` is the materialized path of ids ("/1/4/9/"),
-- so a subtree is one range scan on an index: path >= '/1/4/' AND path < '/1/40'.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT REFERENCES organizations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('county', 'township', 'bureau', 'school', 'community', 'unit', 'class', 'branch')),
    join_code TEXT NOT NULL UNIQUE,
    demonstration_site BOOLEAN NOT NULL DEFAULT 0,
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organizations_parent_id ON organizations (parent_id);
CREATE INDEX organizations_path ON organizations (path);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    -- NFKC + lowercase form of the username: the uniqueness and login key.
    username_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'editor', 'reviewer', 'org_admin', 'admin')),
    audience TEXT NOT NULL CHECK (audience IN ('primary', 'junior', 'senior', 'university', 'cadre', 'party_member', 'public')),
    organization_id BIGINT REFERENCES organizations (id),
    birth_year INTEGER,
    guardian_consent_at TIMESTAMP,
    locale TEXT NOT NULL DEFAULT 'zh-Hans',
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX users_organization_id ON users (organization_id);
CREATE INDEX users_role ON users (role);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    -- SHA-256 of the token: the token itself is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
