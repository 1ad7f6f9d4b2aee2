-- Project tracker: the demo application schema (specs/schema.sql) for SQLite.
--
-- What PostgreSQL spells with types SQLite has none of: enums are TEXT with a CHECK, uuids are
-- TEXT, json is JSON (text underneath), timestamps are DATETIME (text in SQLite's format), an
-- array of labels is a JSON array in TEXT. Keys are rowid aliases (INTEGER PRIMARY KEY).
PRAGMA foreign_keys = ON;

CREATE TABLE users (
    id            TEXT     PRIMARY KEY NOT NULL,
    email         TEXT     NOT NULL COLLATE NOCASE,
    display_name  TEXT     NOT NULL,
    role          TEXT     NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'guest')),
    is_active     BOOLEAN  NOT NULL DEFAULT 1,
    last_login_at DATETIME,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_format CHECK (instr(email, '@') > 1)
) WITHOUT ROWID;

CREATE TABLE user_profiles (
    user_id     TEXT     PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bio         TEXT,
    avatar_url  TEXT,
    timezone    TEXT     NOT NULL DEFAULT 'UTC',
    preferences JSON     NOT NULL DEFAULT '{}',
    updated_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE projects (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    slug        VARCHAR(64) NOT NULL UNIQUE,
    name        TEXT        NOT NULL,
    description TEXT,
    owner_id    TEXT        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    is_archived BOOLEAN     NOT NULL DEFAULT 0,
    created_at  DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT projects_slug_format CHECK (slug NOT GLOB '*[^a-z0-9-]*' AND slug <> '')
);

CREATE INDEX projects_owner_id_idx ON projects (owner_id);

CREATE TABLE project_members (
    project_id INTEGER  NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT     NOT NULL DEFAULT 'contributor'
               CHECK (role IN ('owner', 'maintainer', 'contributor', 'viewer')),
    joined_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (project_id, user_id)
);

CREATE INDEX project_members_user_id_idx ON project_members (user_id);

CREATE TABLE tasks (
    id          INTEGER      PRIMARY KEY,
    project_id  INTEGER      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number      INTEGER      NOT NULL,
    title       TEXT         NOT NULL,
    description TEXT,
    status      TEXT         NOT NULL DEFAULT 'todo'
                CHECK (status IN ('todo', 'in_progress', 'blocked', 'done', 'cancelled')),
    priority    SMALLINT     NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    assignee_id TEXT         REFERENCES users (id) ON DELETE SET NULL,
    due_date    DATE,
    estimate    NUMERIC(6,2),
    labels      JSON         NOT NULL DEFAULT '[]',
    version     INTEGER      NOT NULL DEFAULT 1,
    deleted_at  DATETIME,
    created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT tasks_project_number_key UNIQUE (project_id, number),
    CONSTRAINT tasks_estimate_positive CHECK (estimate IS NULL OR estimate > 0)
);

CREATE INDEX tasks_open_by_assignee_idx ON tasks (assignee_id, due_date)
    WHERE deleted_at IS NULL;
CREATE INDEX tasks_project_status_idx ON tasks (project_id, status);

CREATE TABLE tags (
    id    INTEGER    PRIMARY KEY,
    name  TEXT       NOT NULL COLLATE NOCASE,
    color VARCHAR(7) NOT NULL DEFAULT '#808080',
    CONSTRAINT tags_name_key UNIQUE (name),
    CHECK (color GLOB '#[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]')
);

CREATE TABLE task_tags (
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
) WITHOUT ROWID;

CREATE INDEX task_tags_tag_id_idx ON task_tags (tag_id);

CREATE TABLE comments (
    id         INTEGER  PRIMARY KEY,
    task_id    INTEGER  NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    parent_id  INTEGER  REFERENCES comments (id) ON DELETE CASCADE,
    author_id  TEXT     REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT     NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    edited_at  DATETIME
);

CREATE INDEX comments_task_id_created_at_idx ON comments (task_id, created_at);
CREATE INDEX comments_parent_id_idx ON comments (parent_id);

CREATE TABLE audit_log (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    actor_id    TEXT     REFERENCES users (id) ON DELETE SET NULL,  -- STRICT: the six types only
    action      TEXT     NOT NULL,
    entity_type TEXT     NOT NULL,
    entity_id   TEXT     NOT NULL,
    payload     TEXT     NOT NULL DEFAULT '{}',
    occurred_at TEXT     NOT NULL DEFAULT CURRENT_TIMESTAMP
) STRICT;

CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at DESC);

-- Kept up to date by the database: the latest activity per project.
CREATE VIEW project_activity AS
    SELECT p.id AS project_id, max(t.updated_at) AS last_task_update, count(t.id) AS tasks
    FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND t.deleted_at IS NULL
    GROUP BY p.id;

CREATE TRIGGER comments_edited AFTER UPDATE OF body ON comments
BEGIN
    UPDATE comments SET edited_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE VIRTUAL TABLE task_search USING fts5(title, description, content = 'tasks', content_rowid = 'id');
