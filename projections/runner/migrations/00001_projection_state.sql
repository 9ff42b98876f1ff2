-- +goose Up
-- Per projection and stream, the last stream version applied: an event at or below it is a
-- duplicate; one above it+1 means earlier events are fetched from the store first.
create table projection_streams (
    projection text    not null,
    stream_id  text    not null,
    version    integer not null,
    position   bigint  not null default 0,
    primary key (projection, stream_id)
);
create index projection_streams_stream on projection_streams (stream_id, version);

-- Where each projection's catch-up from the store stands, in commit-safe order.
create table projection_checkpoints (
    projection text primary key,
    tx_id      xid8   not null,
    position   bigint not null,
    updated_at timestamptz not null default now()
);

-- +goose Down
drop table projection_checkpoints;
drop table projection_streams;
