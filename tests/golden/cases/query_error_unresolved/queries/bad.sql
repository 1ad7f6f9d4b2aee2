-- name: unknown_column :many
SELECT c.id, c.emial FROM customers c;

-- name: unknown_table :many
SELECT id FROM customer;

-- name: ambiguous :many
SELECT id, email
FROM customers c
JOIN orders o ON o.customer_id = c.id;

-- name: unknown_alias :many
SELECT x.id FROM customers c;

-- name: unknown_parameter_column :exec
UPDATE orders SET notes = :note WHERE id = :id;
