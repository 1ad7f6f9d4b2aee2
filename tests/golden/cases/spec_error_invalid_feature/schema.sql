-- crud.yaml puts an entity in a feature named like a module of the package itself.
CREATE TABLE notes (
    id int PRIMARY KEY,
    title text NOT NULL
);
