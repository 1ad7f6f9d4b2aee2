CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."select" ("order" integer PRIMARY KEY, "Group" text COLLATE "C");
CREATE TABLE "Sales"."Order Items" (
    "ID" integer PRIMARY KEY,
    "user" text NOT NULL,
    "Unit Price" numeric(12,2) CHECK ("Unit Price" >= 0),
    note text DEFAULT 'x:y :z'::text,
    "Qty:Count" integer DEFAULT 1 NOT NULL,
    "order" integer REFERENCES "Sales"."select" ("order")
);
COMMENT ON COLUMN "Sales"."Order Items"."Unit Price" IS 'it''s :net';
CREATE INDEX "Order Items by user" ON "Sales"."Order Items" ("user", "Unit Price" DESC);
