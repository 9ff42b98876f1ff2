-- +goose Up
create table access_users (
    id            text primary key,
    username      text        not null unique,
    display_name  text        not null,
    email         text        not null default '',
    roles         text[]      not null,
    status        text        not null default 'active',
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    last_login_at timestamptz
);

create table access_api_keys (
    id           text primary key,
    name         text        not null,
    prefix       text        not null,
    hash         text        not null unique,
    owner_id     text        not null,
    owner_name   text        not null,
    created_at   timestamptz not null,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
create index access_api_keys_owner on access_api_keys (owner_id);

create table access_sessions (
    id            text primary key,
    user_id       text        not null,
    username      text        not null,
    client_ip     text        not null default '',
    user_agent    text        not null default '',
    logged_in_at  timestamptz,
    expires_at    timestamptz,
    logged_out_at timestamptz,
    last_seen_at  timestamptz,
    forced        boolean not null default false,
    forced_by     text    not null default ''
);
create index access_sessions_user on access_sessions (user_id);

-- +goose Down
drop table access_sessions;
drop table access_api_keys;
drop table access_users;
