-- +goose Up
-- Calls arrive in time order. A descending index puts every new entry at its far left, where
-- PostgreSQL has no fast path; ascending, each insert lands on the rightmost page it remembers, and
-- newest-first reads scan the same index backwards.
drop index dataservice_calls_code_time;
drop index dataservice_calls_time;
create index dataservice_calls_code_time on dataservice_calls (code, occurred_at);
create index dataservice_calls_time on dataservice_calls (occurred_at);

-- +goose Down
drop index dataservice_calls_code_time;
drop index dataservice_calls_time;
create index dataservice_calls_code_time on dataservice_calls (code, occurred_at desc);
create index dataservice_calls_time on dataservice_calls (occurred_at desc);
