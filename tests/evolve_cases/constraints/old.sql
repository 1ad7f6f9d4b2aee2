CREATE TABLE teams (
    id integer NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    size integer,
    CONSTRAINT teams_pkey PRIMARY KEY (id),
    CONSTRAINT teams_size_check CHECK (size > 0)
);
CREATE TABLE members (
    id integer PRIMARY KEY,
    team_id integer NOT NULL,
    email text NOT NULL,
    CONSTRAINT members_team_fkey FOREIGN KEY (team_id) REFERENCES teams (id)
);
