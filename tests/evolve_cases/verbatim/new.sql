CREATE TABLE orders (
    id integer PRIMARY KEY,
    amount numeric(12,2) NOT NULL,
    status text NOT NULL
);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := lower(NEW.status); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE VIEW big_order_count AS SELECT count(*) AS n FROM big_orders;
COMMENT ON VIEW big_orders IS 'over a hundred';
CREATE VIEW open_orders AS SELECT id, status, amount FROM orders WHERE status IN ('open', 'new');
CREATE MATERIALIZED VIEW order_totals AS SELECT status, sum(amount) AS total FROM orders GROUP BY status;
CREATE VIEW all_orders AS SELECT * FROM orders;
