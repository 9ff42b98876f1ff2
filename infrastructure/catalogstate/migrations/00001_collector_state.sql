-- +goose Up
-- The collector's memory of each table it wrote (columns and source facts): committed with the
-- events, so a collection always diffs against what the store holds.
create table catalog_collector_state (
    table_id      text primary key,
    datasource_id text    not null,
    database      text    not null,
    schema        text    not null,
    name          text    not null,
    columns       jsonb   not null,
    facts         jsonb   not null,
    dropped       boolean not null default false
);
create index catalog_collector_state_source on catalog_collector_state (datasource_id);

-- +goose Down
drop table catalog_collector_state;
