-- Which hub is the active one on this database, as it announced itself when it took the
-- active-hub lock (on PostgreSQL a session-level advisory lock; the row only names the holder,
-- for the standbys' log). One row at most; a new active hub overwrites it.
CREATE TABLE hub_active_hub (
    id      SMALLINT PRIMARY KEY CHECK (id = 1),
    host    VARCHAR(255) NOT NULL,
    pid     BIGINT NOT NULL,
    since   TIMESTAMP WITH TIME ZONE NOT NULL,
    hub_url VARCHAR(2048)
);
