CREATE TABLE orders (
    id integer PRIMARY KEY,
    amount numeric(10,2) NOT NULL,
    status text NOT NULL
);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE VIEW big_order_count AS SELECT count(*) AS n FROM big_orders;
COMMENT ON VIEW big_orders IS 'over a hundred';
CREATE VIEW open_orders AS SELECT id, status FROM orders WHERE status = 'open';
CREATE FUNCTION gone(i integer) RETURNS integer LANGUAGE sql AS $$ SELECT i $$;
CREATE VIEW all_orders AS SELECT * FROM orders;
