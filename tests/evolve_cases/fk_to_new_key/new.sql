CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, CONSTRAINT users_email_key UNIQUE (email));
CREATE TABLE invites (
    token text PRIMARY KEY,
    email text NOT NULL REFERENCES users (email) ON UPDATE CASCADE,
    invited_by integer REFERENCES users (id)
);
CREATE INDEX invites_email_idx ON invites (email);
