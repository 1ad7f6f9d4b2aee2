CREATE TYPE order_status AS ENUM ('open', 'paid', 'shipped', 'cancelled');
CREATE DOMAIN sku AS varchar(12) CHECK (VALUE ~ '^[A-Z0-9-]+$');

CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    "class" text,
    referred_by bigint REFERENCES customers (id)
);

CREATE TABLE products (
    sku sku PRIMARY KEY,
    title text NOT NULL,
    price numeric(10,2) NOT NULL,
    tags text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'open',
    placed_at timestamptz NOT NULL DEFAULT now(),
    note text
);

CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    sku sku NOT NULL REFERENCES products (sku),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, sku)
);

CREATE VIEW order_totals AS
    SELECT o.id AS order_id, sum(l.quantity * p.price) AS total
    FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.sku = l.sku
    GROUP BY o.id;
