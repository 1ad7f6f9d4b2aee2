CREATE SCHEMA archive;
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE sessions (id integer PRIMARY KEY, user_id integer REFERENCES users (id));
CREATE TABLE archive.old_events (id integer PRIMARY KEY, at timestamp without time zone);
