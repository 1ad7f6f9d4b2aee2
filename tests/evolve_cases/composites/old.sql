CREATE TYPE address AS (street text, city text, zip character varying(5));
CREATE TYPE point2 AS (x integer, y integer);
CREATE TYPE gone_type AS (a integer);
CREATE TABLE shops (id integer PRIMARY KEY, addr address);
