CREATE SCHEMA audit;
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE audit.log (
    id bigserial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    at timestamp with time zone DEFAULT now() NOT NULL,
    payload jsonb
);
CREATE INDEX log_user_idx ON audit.log (user_id, at);
COMMENT ON TABLE audit.log IS 'who did what';
CREATE UNLOGGED TABLE scratch (k text PRIMARY KEY, v text) WITH (fillfactor=50);
