-- +goose Up
-- Datasource passwords, sealed with AES-256-GCM (bound to the datasource id), written in the same
-- transaction as the datasource's events and never part of an event.
create table datasource_secrets (
    datasource_id text primary key,
    sealed        text        not null,
    key_id        text        not null,
    updated_at    timestamptz not null
);

-- +goose Down
drop table datasource_secrets;
