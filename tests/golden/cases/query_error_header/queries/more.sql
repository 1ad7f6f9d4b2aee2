-- name: ok :one
SELECT c.id FROM customers c LIMIT 1;
