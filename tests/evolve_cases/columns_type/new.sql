CREATE TABLE items (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    code character varying(20) DEFAULT ''::character varying,
    qty integer,
    price numeric(12,2),
    weight numeric,
    label text COLLATE "C"
);
CREATE INDEX items_name_idx ON items (name);
