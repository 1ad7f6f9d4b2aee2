-- Mixins (crud.yaml: mixins: auto): the uuid key and the timestamps several tables share.
CREATE TABLE accounts (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    total       numeric(12,2) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Only the creation time: CreatedAtMixin, but not UpdatedAtMixin.
CREATE TABLE events (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_id  uuid        REFERENCES invoices (id),
    kind        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Declared differently (nullable, not last, no default, a bigint key): none of the mixins.
CREATE TABLE notes (
    id          bigint      PRIMARY KEY,
    updated_at  timestamptz,
    body        text        NOT NULL,
    created_at  timestamp   NOT NULL DEFAULT now()
);

-- A self-reference names the key in remote_side: it keeps its own key column.
CREATE TABLE folders (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id   uuid        REFERENCES folders (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
