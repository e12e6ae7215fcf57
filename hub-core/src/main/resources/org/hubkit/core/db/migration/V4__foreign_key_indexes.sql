-- An index on every column that points at another table's row, so that deleting or renaming a
-- user (ON DELETE CASCADE, UPDATE ... WHERE user_name = ?), a client or a session never scans
-- the referencing tables. PostgreSQL does not index the referencing side of a foreign key by
-- itself; H2 does, and then keeps both (harmless). Columns already leading a primary key
-- (hub_user_groups.user_name, hub_servers.user_name) have one.
-- Plain CREATE INDEX: understood by H2 2.x and PostgreSQL alike; Flyway runs it once.

-- Declared foreign keys.
CREATE INDEX hub_user_groups_group_name ON hub_user_groups(group_name);
CREATE INDEX hub_api_tokens_user_name ON hub_api_tokens(user_name);
CREATE INDEX hub_oauth_clients_user_name ON hub_oauth_clients(user_name);
CREATE INDEX hub_oauth_codes_client_id ON hub_oauth_codes(client_id);
CREATE INDEX hub_oauth_codes_user_name ON hub_oauth_codes(user_name);
CREATE INDEX hub_sessions_user_name ON hub_sessions(user_name);

-- References without a declared constraint: a token's OAuth client and login session, a code's
-- session (a logout revokes what its session issued).
CREATE INDEX hub_api_tokens_oauth_client ON hub_api_tokens(oauth_client);
CREATE INDEX hub_api_tokens_session_id ON hub_api_tokens(session_id);
CREATE INDEX hub_oauth_codes_session_id ON hub_oauth_codes(session_id);
CREATE INDEX hub_sessions_session_id ON hub_sessions(session_id);

-- The expiry purge (at start-up, before the API answers, and every purge interval).
CREATE INDEX hub_api_tokens_expires_at ON hub_api_tokens(expires_at);
CREATE INDEX hub_oauth_codes_expires_at ON hub_oauth_codes(expires_at);
CREATE INDEX hub_sessions_expires_at ON hub_sessions(expires_at);
