CREATE SEQUENCE order_no START WITH 100 INCREMENT BY 1;
CREATE SEQUENCE gone_seq;
CREATE TABLE orders (
    id integer PRIMARY KEY,
    no integer DEFAULT nextval('order_no'::regclass)
);
