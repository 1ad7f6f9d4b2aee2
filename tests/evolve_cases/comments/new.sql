CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'customers and prospects';
CREATE TABLE crm.clients (id integer PRIMARY KEY, name text);
COMMENT ON COLUMN crm.clients.id IS 'stable id';
COMMENT ON COLUMN crm.clients.name IS 'legal name, as registered';
