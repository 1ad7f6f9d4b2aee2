CREATE TABLE customers (
    id integer PRIMARY KEY,
    fullname text NOT NULL,
    email text
);
CREATE INDEX customers_email_idx ON customers (email);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES customers (id),
    total numeric
);
