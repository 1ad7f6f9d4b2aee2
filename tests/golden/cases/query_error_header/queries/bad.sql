SELECT 1;

-- name: no_kind
SELECT c.id FROM customers c;

-- name: wrong_kind :all
SELECT c.id FROM customers c;

-- name: BadName :many
SELECT c.id FROM customers c;

-- name: select_is_not_exec :exec
SELECT c.id FROM customers c;

-- name: update_returns_nothing :many
UPDATE orders SET note = NULL;

-- name: two_statements :exec
DELETE FROM order_lines; DELETE FROM orders;

-- name: syntax :many
SELECT c.id FROM customers c WHERE;

-- name: ok :many
SELECT c.id FROM customers c;
