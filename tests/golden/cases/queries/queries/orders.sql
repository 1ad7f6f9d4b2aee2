-- name: orders_of :many
-- Orders of a customer, optionally of one status, newest first, with their line count.
SELECT o.id, o.status, o.placed_at, o.note,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) AS lines,
       CASE WHEN o.note IS NULL THEN 'none' ELSE left(o.note, 20) END AS preview
FROM orders o
WHERE o.customer_id = :customer_id
  AND (:status::order_status IS NULL OR o.status = :status)
ORDER BY o.placed_at DESC
LIMIT :limit OFFSET :offset;

-- name: product_sales :many
WITH sold AS (
    SELECT l.sku, sum(l.quantity) AS units
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE o.status <> 'cancelled' AND o.placed_at >= :since
    GROUP BY l.sku
)
SELECT p.sku, p.title, p.price, coalesce(s.units, 0) AS units,
       p.price * coalesce(s.units, 0) AS revenue, p.tags[1] AS first_tag
FROM products p LEFT JOIN sold s ON s.sku = p.sku
ORDER BY revenue DESC, p.sku;

-- name: add_line :one
INSERT INTO order_lines (order_id, sku, quantity) VALUES (:order_id, :sku, :quantity)
ON CONFLICT (order_id, sku) DO UPDATE SET quantity = order_lines.quantity + excluded.quantity
RETURNING order_id, sku, quantity;

-- name: set_note :exec
UPDATE orders SET note = :note WHERE id = :id;

-- name: cancel_open_orders :rows
UPDATE orders SET status = 'cancelled' WHERE status = 'open' AND placed_at < :before;
