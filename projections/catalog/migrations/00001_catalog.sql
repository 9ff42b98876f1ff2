-- +goose Up
create extension if not exists pg_trgm;

create table catalog_tables (
    id                text primary key,
    datasource_id     text        not null,
    datasource_name   text        not null default '',
    database          text        not null default '',
    schema            text        not null default '',
    name              text        not null,
    comment           text        not null default '',
    type              text        not null default 'table',
    description       text        not null default '',
    owner             text        not null default '',
    tags              text[]      not null default '{}',
    category_id       text        not null default '',
    rows              bigint,
    size_bytes        bigint,
    source_created_at timestamptz,
    source_updated_at timestamptz,
    first_synced_at   timestamptz,
    own_synced_at     timestamptz,
    last_changed_at   timestamptz not null,
    collected_by      text        not null default '',
    updated_by        text        not null default '',
    dropped           boolean     not null default false,
    deleted           boolean     not null default false,
    manual            boolean     not null default false,
    column_count      integer     not null default 0,
    search            text        not null default '',
    profile           jsonb,
    profiled_at       timestamptz
);
create index catalog_tables_name on catalog_tables using gin (lower(name) gin_trgm_ops);
create index catalog_tables_database on catalog_tables using gin (lower(database) gin_trgm_ops);
create index catalog_tables_source on catalog_tables (datasource_id, database);
create index catalog_tables_changed on catalog_tables (last_changed_at desc);
create index catalog_tables_search on catalog_tables using gin (search gin_trgm_ops);
create index catalog_tables_tags on catalog_tables using gin (tags);

create table catalog_columns (
    table_id    text    not null,
    name        text    not null,
    ord         integer not null,
    type        text    not null default '',
    comment     text    not null default '',
    primary_key boolean not null default false,
    nullable    boolean not null default true,
    "default"   text,
    tags        text[]  not null default '{}',
    category_id text    not null default '',
    primary key (table_id, name)
);

-- Sync times from collection runs, kept apart from the tables so that a run's end and its tables'
-- events give the same answer in any order: a table's last sync is the latest of its own events,
-- its database's and its own runs.
create table catalog_db_syncs (
    datasource_id text        not null,
    database      text        not null,
    synced_at     timestamptz not null,
    primary key (datasource_id, database)
);
create table catalog_table_syncs (
    table_id  text primary key,
    synced_at timestamptz not null
);

create table catalog_categories (
    id          text primary key,
    name        text        not null,
    parent_id   text        not null default '',
    description text        not null default '',
    created_at  timestamptz not null
);

create table catalog_tags (
    name        text primary key,
    color       text        not null default '',
    description text        not null default '',
    sensitive   boolean     not null default false,
    updated_at  timestamptz not null
);

create table catalog_runs (
    id              text primary key,
    datasource_id   text        not null,
    datasource_name text        not null default '',
    database        text        not null default '',
    tables          text[]      not null default '{}',
    status          text        not null,
    total           integer     not null default 0,
    done            integer     not null default 0,
    collected       integer     not null default 0,
    changed         integer     not null default 0,
    unchanged       integer     not null default 0,
    dropped         integer     not null default 0,
    failed          integer     not null default 0,
    error           text        not null default '',
    requested_by    text        not null default '',
    scheduled       boolean     not null default false,
    started_at      timestamptz not null,
    finished_at     timestamptz
);
create index catalog_runs_started on catalog_runs (started_at desc);

create table catalog_schedules (
    datasource_id text primary key,
    cron          text        not null,
    enabled       boolean     not null,
    profile_cron  text        not null default '',
    updated_by    text        not null default '',
    updated_at    timestamptz not null
);

-- +goose Down
drop table catalog_schedules;
drop table catalog_runs;
drop table catalog_tags;
drop table catalog_categories;
drop table catalog_table_syncs;
drop table catalog_db_syncs;
drop table catalog_columns;
drop table catalog_tables;
