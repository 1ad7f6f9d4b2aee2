CREATE TABLE clients (
    id integer PRIMARY KEY,
    display_name text NOT NULL,
    email text
);
CREATE INDEX customers_email_idx ON clients (email);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES clients (id),
    amount numeric
);
