-- Auth state is stored encrypted (AES-256-GCM, see CryptKeeper), never in clear. The old
-- plain-text column stays only so that the hub can migrate what it holds at start-up: with a key
-- the value is encrypted into the new column, without one it is removed; either way the old
-- column is set to NULL and never written again.
ALTER TABLE hub_users ADD COLUMN encrypted_auth_state VARCHAR(1000000);
