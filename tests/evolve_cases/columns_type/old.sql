CREATE TABLE items (
    id integer PRIMARY KEY,
    name character varying(50) NOT NULL,
    code character varying(10) DEFAULT ''::character varying,
    qty text,
    price numeric(8,2),
    weight integer,
    label text
);
CREATE INDEX items_name_idx ON items (name);
