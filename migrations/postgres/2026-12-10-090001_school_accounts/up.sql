-- Accounts a school creates and looks after (issue 14).
-- A temporary password (a roster's initial password, a staff reset) must be replaced
-- before any session starts; it works until this UTC time. NULL for a chosen password.
ALTER TABLE users ADD COLUMN password_temporary_until TIMESTAMP;
-- Who recorded a guardian's consent on the learner's behalf (a school holding the signed
-- form for a roster); NULL when the learner's guardian consented at registration.
ALTER TABLE users ADD COLUMN guardian_consent_by BIGINT;
-- The school's own number for a pupil, as given in a roster: re-importing a roster
-- creates nobody twice. Unique within a unit; cleared when the account is erased.
ALTER TABLE users ADD COLUMN student_number TEXT;
CREATE UNIQUE INDEX users_organization_student_number ON users (organization_id, student_number);
