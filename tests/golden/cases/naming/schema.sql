-- Names that must still compile: keywords, reserved attributes, quoted and non-ASCII identifiers,
-- the same table name in two schemas, a table without a primary key.
CREATE SCHEMA billing;

CREATE TYPE "Order Status" AS ENUM ('new', 'in progress', 'done', '1st');

CREATE TABLE orders (
    id serial PRIMARY KEY,
    "class" text,
    metadata jsonb,
    registry text,
    model_config text,
    "from" date,
    "CamelCase" integer,
    "größe" numeric,
    status "Order Status" NOT NULL DEFAULT 'new'
);

CREATE TABLE billing.orders (
    id serial PRIMARY KEY,
    order_id integer NOT NULL REFERENCES public.orders (id),
    total numeric(10, 2)
);

CREATE TABLE events (
    happened_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb
);
COMMENT ON TABLE events IS 'Append-only; no key.';
