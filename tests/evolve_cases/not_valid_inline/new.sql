CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE items (
    id integer PRIMARY KEY,
    qty integer,
    parent_id integer,
    CONSTRAINT items_qty_check CHECK (qty >= 0) NOT VALID,
    CONSTRAINT items_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID
);
CREATE TABLE notes (id integer PRIMARY KEY, item_id integer, CONSTRAINT notes_item_fk FOREIGN KEY (item_id) REFERENCES items (id) NOT VALID);
ALTER TABLE items ADD CONSTRAINT items_id_check CHECK (id > 0) NOT VALID;
