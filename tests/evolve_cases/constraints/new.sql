CREATE TABLE teams (
    id integer NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    size integer,
    CONSTRAINT teams_pkey PRIMARY KEY (id),
    CONSTRAINT teams_size_check CHECK (size > 0 AND size < 1000),
    CONSTRAINT teams_slug_key UNIQUE NULLS NOT DISTINCT (slug) INCLUDE (name),
    CONSTRAINT teams_name_check CHECK (name <> '')
);
CREATE TABLE members (
    id integer PRIMARY KEY,
    team_id integer NOT NULL,
    email text NOT NULL,
    CONSTRAINT members_team_fkey FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT members_email_key UNIQUE (email) DEFERRABLE
);
ALTER TABLE members ADD CONSTRAINT members_email_check CHECK (email LIKE '%@%') NOT VALID;
