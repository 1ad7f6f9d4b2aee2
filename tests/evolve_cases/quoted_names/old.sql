CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Order Items" (
    "ID" integer PRIMARY KEY,
    "user" text NOT NULL,
    "Unit Price" numeric(10,2),
    note text DEFAULT 'a:b :c'::text
);
CREATE INDEX "Order Items by user" ON "Sales"."Order Items" ("user");
CREATE TABLE "Sales"."select" ("order" integer PRIMARY KEY);
