-- Project tracker: the demo application schema for dbgen (PostgreSQL 15).
--
-- Hand-written, the way an application team keeps its schema: enum types first, then tables in
-- dependency order, indexes next to the tables they serve, comments at the end. No extensions:
-- gen_random_uuid() is built in since PostgreSQL 13.

-- Types ---------------------------------------------------------------------------------------

CREATE TYPE user_role AS ENUM ('admin', 'member', 'guest');

CREATE TYPE project_role AS ENUM ('owner', 'maintainer', 'contributor', 'viewer');

CREATE TYPE task_status AS ENUM ('todo', 'in_progress', 'blocked', 'done', 'cancelled');

-- Users ---------------------------------------------------------------------------------------

CREATE TABLE users (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email        text        NOT NULL,
    display_name text        NOT NULL,
    role         user_role   NOT NULL DEFAULT 'member',
    is_active    boolean     NOT NULL DEFAULT true,
    last_login_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- The plain constraint is the ON CONFLICT target for upserts ...
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_format CHECK (position('@' IN email) > 1)
);

-- ... and this one stops "Ann@x.org" and "ann@x.org" from becoming two accounts.
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- One row per user at most: the key is also the foreign key.
CREATE TABLE user_profiles (
    user_id     uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    bio         text,
    avatar_url  text,
    timezone    text        NOT NULL DEFAULT 'UTC',
    preferences jsonb       NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Projects ------------------------------------------------------------------------------------

CREATE TABLE projects (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        varchar(64) NOT NULL UNIQUE,
    name        text        NOT NULL,
    description text,
    owner_id    uuid        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    is_archived boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

CREATE INDEX projects_owner_id_idx ON projects (owner_id);

-- Membership is an association object: the pair is the key and the row carries a role.
CREATE TABLE project_members (
    project_id bigint       NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       project_role NOT NULL DEFAULT 'contributor',
    joined_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);

CREATE INDEX project_members_user_id_idx ON project_members (user_id);

-- Tasks ---------------------------------------------------------------------------------------

CREATE TABLE tasks (
    id          bigserial    PRIMARY KEY,
    project_id  bigint       NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number      integer      NOT NULL,
    title       text         NOT NULL,
    description text,
    status      task_status  NOT NULL DEFAULT 'todo',
    priority    smallint     NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    assignee_id uuid,
    due_date    date,
    estimate    numeric(6,2),
    labels      text[]       NOT NULL DEFAULT '{}',
    version     integer      NOT NULL DEFAULT 1,
    deleted_at  timestamptz,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    -- Tasks are known to people as PROJECT-<number>.
    CONSTRAINT tasks_project_number_key UNIQUE (project_id, number),
    CONSTRAINT tasks_estimate_positive CHECK (estimate IS NULL OR estimate > 0)
);

-- Added after the fact, as teams do when a column gains a reference in a later release.
ALTER TABLE tasks
    ADD CONSTRAINT tasks_assignee_id_fkey FOREIGN KEY (assignee_id)
        REFERENCES users (id) ON DELETE SET NULL;

-- "My open work": the dashboard query, which never looks at deleted rows.
CREATE INDEX tasks_open_by_assignee_idx ON tasks (assignee_id, due_date)
    WHERE deleted_at IS NULL;

CREATE INDEX tasks_project_status_idx ON tasks (project_id, status);

CREATE INDEX tasks_labels_idx ON tasks USING gin (labels);

-- Tags ----------------------------------------------------------------------------------------

CREATE TABLE tags (
    id    serial     PRIMARY KEY,
    name  text       NOT NULL,
    color varchar(7) NOT NULL DEFAULT '#808080',
    CONSTRAINT tags_name_key UNIQUE (name),
    CHECK (color ~ '^#[0-9a-fA-F]{6}$')
);

-- A pure many-to-many link: nothing but the two keys.
CREATE TABLE task_tags (
    task_id bigint  NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id  integer NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
);

CREATE INDEX task_tags_tag_id_idx ON task_tags (tag_id);

-- Comments ------------------------------------------------------------------------------------

CREATE TABLE comments (
    id         bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    task_id    bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    parent_id  bigint      REFERENCES comments (id) ON DELETE CASCADE,
    author_id  uuid        REFERENCES users (id) ON DELETE SET NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at  timestamptz
);

CREATE INDEX comments_task_id_created_at_idx ON comments (task_id, created_at);
CREATE INDEX comments_parent_id_idx ON comments (parent_id);

-- Audit ---------------------------------------------------------------------------------------

CREATE TABLE audit_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    uuid        REFERENCES users (id) ON DELETE SET NULL,
    action      text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at DESC);

-- Documentation -------------------------------------------------------------------------------

COMMENT ON TABLE users IS 'People who can sign in.';
COMMENT ON COLUMN users.email IS 'Login address; unique regardless of case.';
COMMENT ON COLUMN users.role IS 'Site-wide role; per-project rights live in project_members.';
COMMENT ON TABLE user_profiles IS 'Optional profile details, one row per user.';
COMMENT ON TABLE projects IS 'A body of work that owns tasks.';
COMMENT ON COLUMN projects.slug IS 'URL-safe identifier: lower-case words joined by hyphens.';
COMMENT ON TABLE project_members IS 'Who works on which project, and in what role.';
COMMENT ON TABLE tasks IS 'A unit of work inside a project.';
COMMENT ON COLUMN tasks.number IS 'Per-project sequence number shown to people (PROJECT-42).';
COMMENT ON COLUMN tasks.priority IS '1 (highest) to 5 (lowest).';
COMMENT ON COLUMN tasks.estimate IS 'Estimated effort in hours.';
COMMENT ON COLUMN tasks.version IS 'Optimistic-locking counter; bumped on every update.';
COMMENT ON COLUMN tasks.deleted_at IS 'Set when the task is deleted; such rows are hidden.';
COMMENT ON TABLE tags IS 'Labels shared by all projects.';
COMMENT ON TABLE task_tags IS 'Which tags are on which tasks.';
COMMENT ON TABLE comments IS 'Discussion on a task; replies point at their parent comment.';
COMMENT ON TABLE audit_log IS 'Append-only record of changes, written by the application.';
COMMENT ON COLUMN audit_log.payload IS 'Changed fields as {"field": [old, new]}.';
