-- A view crud.yaml names must be typable: a user function's result is not known offline.
CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL);

CREATE FUNCTION slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;

CREATE VIEW product_slugs AS
    SELECT id, slugify(name) AS slug
    FROM products;

-- Not named in crud.yaml: carried verbatim, never typed.
CREATE VIEW product_names AS SELECT id, slugify(name) AS other FROM products;
