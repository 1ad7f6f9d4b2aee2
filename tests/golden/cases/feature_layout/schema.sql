-- The feature layout (dbgen.toml: layout = "feature"): entities grouped into features by
-- crud.yaml's `feature:` key, relationships across features, a Core table sharing a feature
-- with mapped ones, a table whose default feature is a reserved module name (errors).

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE profiles (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    bio text
);

CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id),
    name text NOT NULL,
    deleted_at timestamptz
);

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
    title text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE labels (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE task_labels (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id integer NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);

CREATE TABLE errors (
    id bigserial PRIMARY KEY,
    message text NOT NULL
);

CREATE TABLE events (
    at timestamptz NOT NULL DEFAULT now(),
    task_id bigint REFERENCES tasks (id) ON DELETE CASCADE,
    kind text NOT NULL
);
