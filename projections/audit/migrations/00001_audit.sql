-- +goose Up
create table audit_events (
    event_id       uuid primary key,
    position       bigint      not null,
    stream_id      text        not null,
    stream_type    text        not null,
    version        integer     not null,
    type           text        not null,
    schema_version integer     not null,
    actor_id       text        not null default '',
    actor_name     text        not null default '',
    client_ip      text        not null default '',
    correlation_id text        not null default '',
    occurred_at    timestamptz not null,
    payload        jsonb       not null
);
create index audit_events_time on audit_events (occurred_at desc, position desc);
create index audit_events_type on audit_events (type, occurred_at desc);
create index audit_events_stream on audit_events (stream_id, version);
create index audit_events_actor on audit_events (actor_name, occurred_at desc);

-- +goose Down
drop table audit_events;
