-- Views and materialized views as read-only entities: typed from their queries.

CREATE TABLE products (
    id       integer PRIMARY KEY,
    name     text NOT NULL,
    category text,
    price    numeric(10,2) NOT NULL
);

CREATE TABLE reviews (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body       text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A view: its key is declared in crud.yaml.
CREATE VIEW product_ratings AS
    SELECT p.id, p.name, p.category, count(r.id) AS reviews, avg(r.rating) AS average,
           max(r.created_at) AS last_review_at
    FROM products p
    LEFT JOIN reviews r ON r.product_id = p.id
    GROUP BY p.id, p.name, p.category;

-- A materialized view whose unique index gives the key (and allows REFRESH ... CONCURRENTLY).
CREATE MATERIALIZED VIEW product_review_counts AS
    SELECT p.id AS product_id, count(r.id) AS reviews, coalesce(sum(r.rating), 0) AS stars
    FROM products p
    LEFT JOIN reviews r ON r.product_id = p.id
    GROUP BY p.id;

CREATE UNIQUE INDEX product_review_counts_key ON product_review_counts (product_id);

-- A materialized view without a key: a Core table, read by list, count and stream.
CREATE MATERIALIZED VIEW category_stats (category, products, cheapest) AS
    SELECT category, count(*), min(price) FROM products GROUP BY category
    WITH NO DATA;
