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

create table dataservice_reports (
    id          text primary key,
    name        text        not null,
    description text        not null default '',
    owner       text        not null default '',
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);

create table dataservice_interfaces (
    code          text        not null,
    version       text        not null,
    status        text        not null,
    name          text        not null,
    description   text        not null default '',
    report_id     text        not null default '',
    datasource_id text        not null default '',
    method        text        not null,
    visibility    text        not null,
    definition    jsonb       not null,
    created_by    text        not null default '',
    updated_by    text        not null default '',
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    primary key (code, version)
);

create table dataservice_calls (
    event_id    uuid primary key,
    code        text             not null,
    version     text             not null,
    caller_id   text             not null default '',
    caller_name text             not null default '',
    client_ip   text             not null default '',
    params      jsonb,
    status      integer          not null,
    error_code  text             not null default '',
    error       text             not null default '',
    rows        integer          not null default 0,
    latency_ms  double precision not null,
    cache_hit   boolean          not null default false,
    execute     text             not null default 'query',
    occurred_at timestamptz      not null
);
create index dataservice_calls_code_time on dataservice_calls (code, occurred_at desc);
create index dataservice_calls_time on dataservice_calls (occurred_at desc);

-- +goose Down
drop table dataservice_calls;
drop table dataservice_interfaces;
drop table dataservice_reports;
drop table dataservice_exports;
drop table dataservice_query_log;
