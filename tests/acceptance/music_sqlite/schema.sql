-- The record shop of tests/acceptance/music/schema.sql for SQLite: the same tables, columns,
-- keys and checks, spelled as SQLite takes them.
--
-- What differs, because SQLite cannot say it the PostgreSQL way: identities are rowid aliases
-- with AUTOINCREMENT (so, as with an identity, a key is never handed out twice, even after the
-- row with the highest one is deleted); track.tags is a JSON array (SQLite has no arrays);
-- timestamptz is DATETIME (SQLite stores text without a zone); reporting.daily_sales is
-- daily_sales (a SQLite schema is an attached file, and the package opens one file).

CREATE TABLE artist (
    artist_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    name       VARCHAR(120) NOT NULL,
    country    TEXT,
    CONSTRAINT artist_name_key UNIQUE (name)
);

CREATE TABLE genre (
    genre_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name     VARCHAR(60) NOT NULL,
    CONSTRAINT genre_name_key UNIQUE (name)
);

CREATE TABLE album (
    album_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    title     VARCHAR(160) NOT NULL,
    artist_id INTEGER NOT NULL REFERENCES artist (artist_id) ON DELETE CASCADE,
    released  DATE
);
CREATE INDEX album_artist_id_idx ON album (artist_id);

CREATE TABLE track (
    track_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    name         VARCHAR(200) NOT NULL,
    album_id     INTEGER REFERENCES album (album_id),
    genre_id     INTEGER REFERENCES genre (genre_id),
    composer     VARCHAR(220),
    milliseconds INTEGER NOT NULL CONSTRAINT track_milliseconds_check CHECK (milliseconds > 0),
    unit_price   NUMERIC(10, 2) NOT NULL DEFAULT 0.99,
    tags         JSON NOT NULL DEFAULT '[]',
    version      INTEGER NOT NULL DEFAULT 1,
    deleted_at   DATETIME
);
CREATE INDEX track_album_id_idx ON track (album_id);

CREATE TABLE customer (
    customer_id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name  VARCHAR(40) NOT NULL,
    last_name   VARCHAR(20) NOT NULL,
    email       VARCHAR(60) NOT NULL,
    country     VARCHAR(40),
    is_deleted  BOOLEAN NOT NULL DEFAULT 0,
    CONSTRAINT customer_email_key UNIQUE (email)
);

CREATE TABLE invoice (
    invoice_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id      INTEGER NOT NULL REFERENCES customer (customer_id),
    invoice_date     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    billing_country  VARCHAR(40),
    total            NUMERIC(10, 2) NOT NULL DEFAULT 0
);

CREATE TABLE invoice_line (
    invoice_line_id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER NOT NULL REFERENCES invoice (invoice_id),
    track_id        INTEGER NOT NULL REFERENCES track (track_id),
    unit_price      NUMERIC(10, 2) NOT NULL,
    quantity        INTEGER NOT NULL CONSTRAINT invoice_line_quantity_check CHECK (quantity > 0)
);

CREATE TABLE playlist (
    playlist_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name        VARCHAR(120) NOT NULL
);

CREATE TABLE playlist_track (
    playlist_id INTEGER NOT NULL REFERENCES playlist (playlist_id),
    track_id    INTEGER NOT NULL REFERENCES track (track_id),
    PRIMARY KEY (playlist_id, track_id)
);

CREATE TABLE track_rating (
    customer_id INTEGER NOT NULL REFERENCES customer (customer_id),
    track_id    INTEGER NOT NULL REFERENCES track (track_id),
    stars       SMALLINT NOT NULL CONSTRAINT track_rating_stars_check CHECK (stars BETWEEN 1 AND 5),
    note        TEXT,
    PRIMARY KEY (customer_id, track_id)
);

-- PostgreSQL's reporting.daily_sales: in the main database here (see the top).
CREATE TABLE daily_sales (
    day      DATE PRIMARY KEY NOT NULL,
    invoices INTEGER NOT NULL DEFAULT 0,
    revenue  NUMERIC(12, 2) NOT NULL DEFAULT 0
);
