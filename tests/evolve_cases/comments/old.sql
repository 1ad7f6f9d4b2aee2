CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'customers';
CREATE TABLE crm.clients (id integer PRIMARY KEY, name text);
COMMENT ON TABLE crm.clients IS 'paying ones';
COMMENT ON COLUMN crm.clients.name IS 'legal name';
