-- +goose Up
-- Event payloads large enough to be compressed (batched facts such as a window of report-API calls)
-- use lz4 where the server was built with it: pglz, the default, cost more CPU than everything
-- else about storing and relaying such a batch. It applies to rows stored from now on; a server
-- without lz4 keeps pglz (the notice says so).
-- +goose StatementBegin
do $$
begin
    execute 'alter table events alter column payload set compression lz4';
exception when others then
    raise notice 'event payloads stay compressed with pglz: %', sqlerrm;
end $$;
-- +goose StatementEnd

-- +goose Down
alter table events alter column payload set compression default;
