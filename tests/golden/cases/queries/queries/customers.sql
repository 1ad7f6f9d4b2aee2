-- name: customer_summary :one
-- One customer with their order count, total spent (paid or shipped orders) and referrer.
SELECT c.id, c.email, c."class", r.name AS referrer,
       count(o.id) AS orders,
       coalesce(sum(t.total) FILTER (WHERE o.status IN ('paid', 'shipped')), 0) AS spent,
       max(o.placed_at) AS last_order
FROM customers c
LEFT JOIN customers r ON r.id = c.referred_by
LEFT JOIN orders o ON o.customer_id = c.id
LEFT JOIN order_totals t ON t.order_id = o.id
WHERE c.id = :customer_id
GROUP BY c.id, r.name;

-- name: customers_by_email :many
SELECT id, email, name FROM customers WHERE email = ANY(:emails) ORDER BY email;

-- name: all_customers :stream
SELECT c.id, c.name, row_number() OVER (ORDER BY c.name) AS "count" FROM customers c;
