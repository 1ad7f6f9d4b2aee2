CREATE TABLE artist (
    artist_id integer PRIMARY KEY,
    name      varchar(120) NOT NULL,
    country   text
);

CREATE TABLE album (
    album_id  integer PRIMARY KEY,
    title     text NOT NULL,
    artist_id integer NOT NULL REFERENCES artist (artist_id)
);

CREATE TABLE play_log (
    played_at timestamptz NOT NULL,
    album_id  integer REFERENCES album (album_id)
);
