-- +goose Up
-- Password hashes live beside the event store, written in the same transaction as the user's
-- events, and never in an event: events are published to Kafka for downstream consumers.
create table credentials (
    user_id       text primary key,
    password_hash text        not null,
    updated_at    timestamptz not null
);

-- +goose Down
drop table credentials;
