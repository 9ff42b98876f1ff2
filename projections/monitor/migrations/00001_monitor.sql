-- +goose Up
create table monitor_operation_logs (
    event_id    uuid primary key,
    user_id     text        not null default '',
    user_name   text        not null default '',
    method      text        not null,
    path        text        not null,
    status      integer     not null,
    duration_ms bigint      not null,
    client_ip   text        not null default '',
    user_agent  text        not null default '',
    summary     text        not null default '',
    occurred_at timestamptz not null
);
create index monitor_operation_logs_time on monitor_operation_logs (occurred_at desc);

create table monitor_login_logs (
    event_id    uuid primary key,
    user_id     text        not null default '',
    username    text        not null,
    success     boolean     not null,
    reason      text        not null default '',
    client_ip   text        not null default '',
    user_agent  text        not null default '',
    occurred_at timestamptz not null
);
create index monitor_login_logs_time on monitor_login_logs (occurred_at desc);

create table monitor_replicas (
    node_id      text primary key,
    http_addr    text        not null default '',
    version      text        not null default '',
    started_at   text        not null default '',
    relay_active boolean     not null default false,
    figures      jsonb,
    last_seen_at timestamptz not null
);

-- +goose Down
drop table monitor_replicas;
drop table monitor_login_logs;
drop table monitor_operation_logs;
