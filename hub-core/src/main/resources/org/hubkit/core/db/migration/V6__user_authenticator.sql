-- The id of the authenticator a user first logged in with, in a hub with several: a login through
-- another one under the same name is refused rather than silently taking the account over.
-- NULL for users an admin created who have not logged in yet.
ALTER TABLE hub_users ADD COLUMN authenticator VARCHAR(64);
