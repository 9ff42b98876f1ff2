-- +goose Up
create table datasources (
    id          text primary key,
    name        text        not null,
    type        text        not null,
    host        text        not null,
    port        integer     not null,
    database    text        not null default '',
    username    text        not null default '',
    params      jsonb       not null default '{}',
    tls_mode    text        not null default 'disable',
    description text        not null default '',
    allow_writes          boolean not null default false,
    query_timeout_seconds integer not null default 60,
    max_rows              integer not null default 10000,
    owner_id    text        not null default '',
    owner_name  text        not null default '',
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    password_at timestamptz
);
create index datasources_name on datasources (lower(name));

-- The latest connection test per datasource; kept apart because tests live on their own stream
-- and may be applied before or after the datasource's own events.
create table datasource_tests (
    datasource_id text primary key,
    ok            boolean     not null,
    version       text        not null default '',
    latency_ms    bigint      not null default 0,
    error         text        not null default '',
    error_kind    text        not null default '',
    tested_at     timestamptz not null
);

-- +goose Down
drop table datasource_tests;
drop table datasources;
