-- +goose Up
create table quality_rules (
    id              text primary key,
    name            text        not null,
    table_id        text        not null,
    column_name     text        not null default '',
    type            text        not null,
    severity        text        not null,
    schedule        text        not null default '',
    enabled         boolean     not null default true,
    definition      jsonb       not null,
    last_status     text        not null default '',
    last_metric     double precision,
    last_checked_at timestamptz,
    incident        text        not null default '',
    created_by      text        not null default '',
    updated_by      text        not null default '',
    created_at      timestamptz not null,
    updated_at      timestamptz not null
);
create index quality_rules_table on quality_rules (table_id);
create index quality_rules_updated on quality_rules (updated_at desc);

-- Every check, kept after its rule is deleted: the history and the trend.
create table quality_results (
    check_id    text primary key,
    rule_id     text        not null,
    rule_name   text        not null,
    table_id    text        not null,
    column_name text        not null default '',
    type        text        not null,
    severity    text        not null,
    status      text        not null,
    metric      double precision,
    threshold   jsonb       not null,
    rows        bigint,
    duration_ms bigint      not null default 0,
    samples     jsonb       not null default '[]',
    error       text        not null default '',
    trigger     text        not null default '',
    previous    text        not null default '',
    incident    text        not null default '',
    checked_by  text        not null default '',
    occurred_at timestamptz not null
);
create index quality_results_rule on quality_results (rule_id, occurred_at desc);
create index quality_results_table on quality_results (table_id, occurred_at desc);
create index quality_results_time on quality_results (occurred_at desc);

-- +goose Down
drop table quality_results;
drop table quality_rules;
