CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN gone_domain AS integer;
CREATE TABLE contacts (
    id integer PRIMARY KEY,
    address email NOT NULL,
    backup email DEFAULT 'x@y'::text
);
