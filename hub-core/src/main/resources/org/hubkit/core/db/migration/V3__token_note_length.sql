-- A token's note holds up to 1023 characters, as JupyterHub's api_tokens.note (Unicode(1023)).
-- SET DATA TYPE is understood by H2 2.x and PostgreSQL alike.
ALTER TABLE hub_api_tokens ALTER COLUMN note SET DATA TYPE VARCHAR(1023);
