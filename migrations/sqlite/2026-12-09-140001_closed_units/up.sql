-- A unit can be closed (a class that has finished, a branch that was merged): its join code
-- stops working at registration and in PATCH /me, its members stay, and it can be
-- reopened. NULL while the unit is open; the UTC time it was closed otherwise.
ALTER TABLE organizations ADD COLUMN closed_at TIMESTAMP;
