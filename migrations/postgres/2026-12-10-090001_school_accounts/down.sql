DROP INDEX users_organization_student_number;
ALTER TABLE users DROP COLUMN student_number;
ALTER TABLE users DROP COLUMN guardian_consent_by;
ALTER TABLE users DROP COLUMN password_temporary_until;
