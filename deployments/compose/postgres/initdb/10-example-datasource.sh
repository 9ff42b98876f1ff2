#!/usr/bin/env bash
# Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
# Creates the "warehouse" database that Trino exposes as the example datasource.
# It is separate from AssetFlow's own database on purpose: AssetFlow's event
# store is never exposed through a datasource.
set -euo pipefail

: "${WAREHOUSE_DB_PASSWORD:?WAREHOUSE_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=pw="$WAREHOUSE_DB_PASSWORD" <<'SQL'
CREATE ROLE warehouse LOGIN PASSWORD :'pw';
CREATE DATABASE warehouse OWNER warehouse;
SQL

psql -v ON_ERROR_STOP=1 --username warehouse --dbname warehouse <<'SQL'
CREATE SCHEMA sales;

CREATE TABLE sales.customers (
    customer_id bigint PRIMARY KEY,
    name        text        NOT NULL,
    email       text        UNIQUE,
    country     char(2)     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sales.orders (
    order_id    bigint PRIMARY KEY,
    customer_id bigint        NOT NULL REFERENCES sales.customers (customer_id),
    amount      numeric(12,2) NOT NULL CHECK (amount >= 0),
    currency    char(3)       NOT NULL DEFAULT 'EUR',
    status      text          NOT NULL DEFAULT 'open',
    ordered_at  timestamptz   NOT NULL DEFAULT now()
);

COMMENT ON TABLE sales.customers IS 'Example customer master data';
COMMENT ON TABLE sales.orders IS 'Example order facts';

INSERT INTO sales.customers (customer_id, name, email, country) VALUES
    (1, 'Acme GmbH',      'ops@acme.example',      'DE'),
    (2, 'Globex SARL',    'data@globex.example',   'FR'),
    (3, 'Initech Ltd',    'it@initech.example',    'GB');

INSERT INTO sales.orders (order_id, customer_id, amount, currency, status) VALUES
    (1001, 1, 1250.00, 'EUR', 'paid'),
    (1002, 1,  310.50, 'EUR', 'open'),
    (1003, 2, 8900.00, 'EUR', 'paid'),
    (1004, 3,  120.00, 'GBP', 'cancelled');
SQL
