-- +goose Up
-- Data permissions: one policy per datasource (its stream version lets readers cache it), its
-- grants, column masks, row filters and access requests. Objects are kept whole and cut into their
-- levels so that catalog queries can match them.
create table access_policies (
    datasource_id text primary key,
    version       integer not null
);

create table access_grants (
    id            text primary key,
    datasource_id text        not null,
    subject_type  text        not null,
    subject       text        not null,
    object        text        not null,
    db            text        not null default '',
    tbl           text        not null default '',
    col           text        not null default '',
    depth         integer     not null,
    privilege     text        not null,
    effect        text        not null,
    expires_at    timestamptz,
    granted_by    text        not null default '',
    granted_at    timestamptz not null
);
create index access_grants_datasource on access_grants (datasource_id);
create index access_grants_subject on access_grants (subject_type, subject);

create table access_masks (
    id            text primary key,
    datasource_id text        not null,
    object        text        not null unique,
    db            text        not null,
    tbl           text        not null,
    col           text        not null,
    mask          text        not null,
    keep_last     integer     not null default 0,
    set_by        text        not null default '',
    set_at        timestamptz not null
);
create index access_masks_datasource on access_masks (datasource_id);

create table access_row_filters (
    id            text primary key,
    datasource_id text        not null,
    object        text        not null,
    db            text        not null,
    tbl           text        not null,
    subject_type  text        not null,
    subject       text        not null,
    predicate     text        not null,
    set_by        text        not null default '',
    set_at        timestamptz not null
);
create index access_row_filters_datasource on access_row_filters (datasource_id);

create table access_requests (
    id              text primary key,
    datasource_id   text        not null,
    requester_id    text        not null,
    object          text        not null,
    privilege       text        not null,
    reason          text        not null,
    expires_at      timestamptz,
    status          text        not null default 'pending',
    requested_at    timestamptz not null,
    decided_by      text        not null default '',
    decided_at      timestamptz,
    decision_reason text        not null default '',
    grant_id        text        not null default ''
);
create index access_requests_status on access_requests (status, requested_at desc);
