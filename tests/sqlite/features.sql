-- Every SQLite feature the reader handles, in one schema (tests/sqlite/test_roundtrip.py).
PRAGMA foreign_keys = ON;
PRAGMA journal_mode = WAL;
BEGIN TRANSACTION;

DROP TABLE IF EXISTS never_created;

-- declared types of every affinity, and none
CREATE TABLE "Kinds" (
  "Id" INTEGER PRIMARY KEY AUTOINCREMENT,
  small_n TINYINT,
  big_n BIGINT NOT NULL DEFAULT 0,
  name NVARCHAR(160) NOT NULL COLLATE NOCASE,
  code CHAR(3) UNIQUE ON CONFLICT REPLACE,
  body CLOB,
  legacy BLOB SUB_TYPE TEXT,
  raw_bytes BLOB,
  ratio REAL DEFAULT 0.5,
  score DOUBLE PRECISION DEFAULT -1.5,
  price NUMERIC(10,2) DEFAULT (0),
  amount DECIMAL(5, 2),
  active BOOLEAN NOT NULL DEFAULT TRUE,
  born DATE,
  seen_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  at_time TIME,
  doc JSON,
  anything,
  weird "MONEY" DEFAULT 'x''y',
  blob_default BLOB DEFAULT X'00FF',
  total INTEGER GENERATED ALWAYS AS (big_n * 2) VIRTUAL,
  label TEXT AS (upper(name)) STORED,
  CHECK (big_n >= 0)
);

-- quoting of every kind, table constraints with names, composite keys
CREATE TABLE [Order Lines] (
  `order_id` INTEGER NOT NULL,
  'line' INTEGER NOT NULL,
  kind_id INTEGER,
  qty INTEGER NOT NULL CONSTRAINT qty_positive CHECK (qty > 0),
  CONSTRAINT order_lines_pk PRIMARY KEY (order_id, line) ON CONFLICT ABORT,
  CONSTRAINT order_lines_kind FOREIGN KEY (kind_id) REFERENCES "Kinds" ("Id")
    ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
  UNIQUE (kind_id, line)
);

CREATE TABLE kv (
  key TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL,
  parent TEXT REFERENCES kv
) WITHOUT ROWID;

CREATE TABLE strict_things (
  id INTEGER PRIMARY KEY,
  n INT NOT NULL,
  t TEXT,
  x ANY
) STRICT;

CREATE TABLE both_options (
  a INTEGER,
  b TEXT,
  PRIMARY KEY (a, b)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS desc_key (id INTEGER PRIMARY KEY DESC, v TEXT);
CREATE TABLE IF NOT EXISTS desc_key (id INTEGER PRIMARY KEY, other TEXT);

CREATE TABLE no_key (a TEXT, b TEXT);
ALTER TABLE no_key ADD COLUMN c INTEGER DEFAULT 3 REFERENCES strict_things (id);
ALTER TABLE no_key ADD d TEXT;

CREATE TABLE dropped (id INTEGER PRIMARY KEY);
CREATE INDEX dropped_idx ON dropped (id);
DROP TABLE dropped;

-- indexes: plain, unique, partial, expression, collated, descending
CREATE INDEX kinds_name ON "Kinds" (name COLLATE NOCASE DESC, big_n);
CREATE UNIQUE INDEX IF NOT EXISTS kinds_code_active ON "Kinds" (code) WHERE active = 1;
CREATE INDEX kinds_lower_name ON "Kinds" (lower(name), big_n + 1);
CREATE INDEX main.lines_kind ON [Order Lines] (kind_id) WHERE kind_id IS NOT NULL AND qty > 1;
CREATE INDEX gone_idx ON kv (value);
DROP INDEX gone_idx;

-- views and triggers (with semicolons and CASE ... END inside the body)
CREATE VIEW kind_names AS SELECT "Id", name FROM "Kinds" WHERE active;
CREATE VIEW IF NOT EXISTS big_lines (order_id, total) AS
  SELECT order_id, sum(qty) FROM [Order Lines] GROUP BY order_id HAVING sum(qty) > 10;
CREATE TRIGGER kinds_touch AFTER UPDATE OF name ON "Kinds"
FOR EACH ROW WHEN NEW.name <> OLD.name
BEGIN
  UPDATE "Kinds" SET seen_at = CASE WHEN NEW.active THEN CURRENT_TIMESTAMP ELSE NULL END
    WHERE "Id" = NEW."Id";
  INSERT INTO kv (key, value) VALUES ('touched', x'01')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
END;
CREATE TRIGGER lines_guard BEFORE INSERT ON [Order Lines]
BEGIN
  SELECT RAISE(ABORT, 'no; never') WHERE NEW.qty > 1000;
END;
CREATE TEMP TRIGGER temp_one AFTER INSERT ON kv BEGIN SELECT 1; END;

-- virtual tables, carried verbatim (SQLite makes their shadow tables)
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize = 'porter');
CREATE VIRTUAL TABLE notes_fts USING fts4(content);

INSERT INTO kv (key, value) VALUES ('seed', x'00');
COMMIT;
ANALYZE;
