-- CHECK constraints the schemas enforce before the database (and those they leave to it).

CREATE TYPE shipment_state AS ENUM ('draft', 'sent', 'delivered');

CREATE DOMAIN sku AS text CONSTRAINT sku_format CHECK (VALUE ~ '^[A-Z]{3}-[0-9]{4}$');
CREATE DOMAIN percentage AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);

CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        sku NOT NULL UNIQUE,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 2 AND 80),
    slug        varchar(40) NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    size        text CHECK (size IN ('S', 'M', 'L', 'XL')),
    price       numeric(10,2) NOT NULL CHECK (price > 0),
    discount    percentage,
    stock       integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
    weight_kg   double precision CHECK (weight_kg > 0),
    note        text CHECK (note <> ''),
    sold_from   date,
    sold_until  date,
    contact_email text,
    contact_phone text,
    CONSTRAINT products_sale_period CHECK (sold_until IS NULL OR sold_from <= sold_until),
    CONSTRAINT products_contact CHECK (contact_email IS NOT NULL OR contact_phone IS NOT NULL),
    CONSTRAINT products_name_word CHECK (name ~ '^\w'),
    CONSTRAINT products_name_not_code CHECK (lower(name) <> lower(code))
);

CREATE TABLE shipments (
    id          serial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id),
    state       shipment_state NOT NULL DEFAULT 'draft',
    quantity    smallint NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    sent_on     date,
    tracking    text,
    CONSTRAINT shipments_sent CHECK ((state = 'draft') = (sent_on IS NULL)),
    CONSTRAINT shipments_tracking CHECK (num_nonnulls(sent_on, tracking) <> 1)
);
