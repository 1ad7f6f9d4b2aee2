CREATE SEQUENCE order_no AS bigint START WITH 100 INCREMENT BY 5 CACHE 10;
CREATE SEQUENCE invoice_no START WITH 1000;
CREATE TABLE orders (
    id integer PRIMARY KEY,
    no integer DEFAULT nextval('order_no'::regclass),
    invoice integer DEFAULT nextval('invoice_no'::regclass),
    line serial
);
COMMENT ON SEQUENCE order_no IS 'numbers printed on orders';
