-- +goose Up
create table dataservice_query_log (
    event_id        uuid primary key,
    query_id        text        not null,
    user_id         text        not null default '',
    user_name       text        not null default '',
    datasource_id   text        not null default '',
    datasource_name text        not null default '',
    database        text        not null default '',
    sql             text        not null,
    rendered_sql    text        not null default '',
    params          jsonb,
    status          text        not null,
    duration_ms     bigint      not null default 0,
    rows            integer     not null default 0,
    error           text        not null default '',
    export          boolean     not null default false,
    occurred_at     timestamptz not null
);
create index dataservice_query_log_time on dataservice_query_log (occurred_at desc);
create index dataservice_query_log_user on dataservice_query_log (user_id, occurred_at desc);

create table dataservice_exports (
    id              text primary key,
    user_id         text        not null,
    user_name       text        not null default '',
    datasource_id   text        not null default '',
    sql             text        not null default '',
    max_rows        integer     not null default 0,
    status          text        not null,
    rows            integer     not null default 0,
    bytes           bigint      not null default 0,
    error           text        not null default '',
    started_at      timestamptz,
    finished_at     timestamptz
);
create index dataservice_exports_user on dataservice_exports (user_id, started_at desc);

-- +goose Down
drop table dataservice_exports;
drop table dataservice_query_log;
