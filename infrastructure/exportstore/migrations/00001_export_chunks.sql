-- +goose Up
-- Files of background exports, in 1 MiB chunks each written in its own short transaction (a long
-- writing transaction would hold back event publication for everyone).
create table export_chunks (
    export_id text    not null,
    seq       integer not null,
    data      bytea   not null,
    primary key (export_id, seq)
);

-- +goose Down
drop table export_chunks;
