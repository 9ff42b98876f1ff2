-- +goose Up
create table integration_tasks (
    id                   text primary key,
    name                 text        not null,
    scope                text        not null,
    spec                 jsonb       not null,
    status               text        not null,
    schedule             text        not null default '',
    source_datasource_id text        not null,
    target_datasource_id text        not null,
    mode                 text        not null,
    write_mode           text        not null,
    owner_id             text        not null default '',
    owner_name           text        not null default '',
    created_at           timestamptz not null,
    updated_at           timestamptz not null,
    last_run_id          text,
    last_run_status      text,
    last_run_started_at  timestamptz,
    last_run_finished_at timestamptz
);
create index integration_tasks_name on integration_tasks (lower(name));

create table integration_runs (
    id            text primary key,
    task_id       text        not null,
    task_name     text        not null,
    trigger       text        not null,
    mode          text        not null,
    status        text        not null,
    tables        jsonb       not null default '[]',
    tables_total  integer     not null default 0,
    tables_done   integer     not null default 0,
    chunks        integer     not null default 0,
    rows_read     bigint      not null default 0,
    rows_written  bigint      not null default 0,
    rows_estimate bigint      not null default 0,
    bytes         bigint      not null default 0,
    current_table text        not null default '',
    error         text        not null default '',
    failed_table  text        not null default '',
    last_chunk    text        not null default '',
    sample_rows   jsonb       not null default '[]',
    actor_name    text        not null default '',
    started_at    timestamptz not null,
    updated_at    timestamptz not null,
    finished_at   timestamptz
);
create index integration_runs_task on integration_runs (task_id, started_at desc);
create index integration_runs_running on integration_runs (task_id) where status = 'running';

create table integration_run_tables (
    run_id        text    not null,
    source_table  text    not null,
    target_table  text    not null,
    chunks        integer not null default 0,
    rows_read     bigint  not null default 0,
    rows_written  bigint  not null default 0,
    bytes         bigint  not null default 0,
    watermark     text    not null default '',
    last_key      text    not null default '',
    done          boolean not null default false,
    created       boolean not null default false,
    added_columns jsonb   not null default '[]',
    primary key (run_id, source_table)
);
