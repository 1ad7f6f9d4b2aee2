CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE items (id integer PRIMARY KEY, qty integer, parent_id integer);
