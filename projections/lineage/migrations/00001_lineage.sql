-- +goose Up
create table lineage_edges (
    origin_kind text        not null,
    origin      text        not null,
    level       text        not null,
    src         text        not null,
    dst         text        not null,
    kind        text        not null,
    -- the tables of a column edge's ends (the ends themselves for a table edge)
    src_table   text        not null,
    dst_table   text        not null,
    active      boolean     not null default true,
    found_at    timestamptz not null,
    retired_at  timestamptz,
    primary key (origin_kind, origin, level, src, dst, kind)
);
create index lineage_edges_down on lineage_edges (level, src) include (dst, kind) where active;
create index lineage_edges_up on lineage_edges (level, dst) include (src, kind) where active;
create index lineage_edges_src_table on lineage_edges (level, src_table) where active;
create index lineage_edges_dst_table on lineage_edges (level, dst_table) where active;

-- +goose Down
drop table lineage_edges;
