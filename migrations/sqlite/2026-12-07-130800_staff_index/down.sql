DROP INDEX users_staff;
