CREATE DOMAIN email AS text NOT NULL CHECK (VALUE ~ '^[^@]+@[^@]+$');
CREATE DOMAIN score AS integer CHECK (VALUE BETWEEN 0 AND 10);
CREATE TABLE contacts (
    id integer PRIMARY KEY,
    address email NOT NULL,
    backup email DEFAULT 'x@y'::text,
    rating score
);
COMMENT ON DOMAIN email IS 'an address';
