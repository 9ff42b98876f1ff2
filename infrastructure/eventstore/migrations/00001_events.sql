-- +goose Up
-- The append-only event store: the source of truth. tx_id is the appending transaction's id; the
-- relay and projection catch-up read only below pg_snapshot_xmin(pg_current_snapshot()), so an
-- event whose transaction commits after a later position became visible is never skipped.
create table events (
    position       bigserial primary key,
    id             uuid        not null unique,
    stream_id      text        not null,
    stream_type    text        not null,
    version        integer     not null check (version > 0),
    type           text        not null,
    schema_version integer     not null default 1,
    payload        json        not null,
    metadata       json        not null,
    occurred_at    timestamptz not null,
    hash           text        not null,
    tx_id          xid8        not null default pg_current_xact_id(),
    unique (stream_id, version)
);
create index events_tx_position on events (tx_id, position);
create index events_type on events (type);

-- Set-based uniqueness across aggregates (e.g. usernames), claimed in the appending transaction.
create table stream_claims (
    scope     text not null,
    value     text not null,
    stream_id text not null,
    primary key (scope, value)
);

-- Cursor of the relay that publishes the store to Kafka.
create table relay_checkpoints (
    name       text primary key,
    tx_id      xid8   not null,
    position   bigint not null,
    updated_at timestamptz not null default now()
);

-- Events are never updated or deleted.
-- +goose StatementBegin
create function events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'events are append-only';
end $$;
-- +goose StatementEnd
create trigger events_no_update before update or delete on events
    for each row execute function events_append_only();

-- +goose Down
drop table relay_checkpoints;
drop table stream_claims;
drop table events;
drop function events_append_only;
