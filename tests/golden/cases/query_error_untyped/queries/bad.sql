-- name: untyped_function :many
SELECT c.id, frobnicate(c.name) AS f FROM customers c;

-- name: untyped_parameter :many
SELECT c.id, :flag AS flag FROM customers c;

-- name: unnamed_column :many
SELECT c.id, upper(c.name) FROM customers c;

-- name: conflicting_parameter :many
SELECT c.id FROM customers c WHERE c.email = :x OR c.id = :x;

-- name: mismatched_union :many
SELECT c.name AS label FROM customers c UNION SELECT o.placed_at FROM orders o;

-- name: duplicate_column :many
SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id;

-- name: cast_is_the_way_out :many
SELECT c.id, frobnicate(c.name)::text AS f, :flag::boolean AS flag FROM customers c;
