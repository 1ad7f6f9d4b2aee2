CREATE TYPE address AS (street text, city text, zip character varying(5), country text);
CREATE TYPE point2 AS (y integer, x integer);
CREATE TABLE shops (id integer PRIMARY KEY, addr address);
COMMENT ON TYPE address IS 'postal';
