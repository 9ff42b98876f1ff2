package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"assetflow/application/page"
	domain "assetflow/domain/access"
	"assetflow/domain/fault"
	"assetflow/infrastructure/postgres"
)

// PolicyVersion is the stream version of a datasource's policy as the read model has it (0: none).
func (q Queries) PolicyVersion(ctx context.Context, datasourceID string) (int, error) {
	var v int
	err := q.Pool.QueryRow(ctx, `select version from access_policies where datasource_id = $1`, datasourceID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("policy version: %w", err)
	}
	return v, nil
}

// Policy is a datasource's grants, masks and row filters as of Version.
type Policy struct {
	Version    int
	Grants     []domain.Grant
	Masks      []domain.Mask
	RowFilters []domain.RowFilter
}

// Policy loads a datasource's whole policy in one snapshot.
func (q Queries) Policy(ctx context.Context, datasourceID string) (Policy, error) {
	var p Policy
	err := pgx.BeginTxFunc(ctx, q.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select coalesce((select version from access_policies where datasource_id = $1), 0)`, datasourceID).Scan(&p.Version); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `select id, subject_type, subject, object, privilege, effect, expires_at from access_grants where datasource_id = $1 order by id`, datasourceID)
		if err != nil {
			return err
		}
		p.Grants, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Grant, error) {
			var g domain.Grant
			var obj string
			err := r.Scan(&g.ID, &g.Subject.Type, &g.Subject.ID, &obj, &g.Privilege, &g.Effect, &g.ExpiresAt)
			g.Object, _ = domain.ParseObject(obj)
			return g, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, object, mask, keep_last from access_masks where datasource_id = $1 order by id`, datasourceID)
		if err != nil {
			return err
		}
		p.Masks, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Mask, error) {
			var m domain.Mask
			var obj string
			err := r.Scan(&m.ID, &obj, &m.Kind, &m.KeepLast)
			m.Object, _ = domain.ParseObject(obj)
			return m, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, object, subject_type, subject, predicate from access_row_filters where datasource_id = $1 order by id`, datasourceID)
		if err != nil {
			return err
		}
		p.RowFilters, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.RowFilter, error) {
			var f domain.RowFilter
			var obj string
			err := r.Scan(&f.ID, &obj, &f.Subject.Type, &f.Subject.ID, &f.Predicate)
			f.Object, _ = domain.ParseObject(obj)
			return f, err
		})
		return err
	})
	if err != nil {
		return Policy{}, fmt.Errorf("load policy of %s: %w", datasourceID, err)
	}
	return p, nil
}

// GrantRow is a grant as the console lists it.
type GrantRow struct {
	ID           string     `json:"id"`
	DatasourceID string     `json:"datasource_id"`
	SubjectType  string     `json:"subject_type"`
	Subject      string     `json:"subject"`
	SubjectName  string     `json:"subject_name"`
	Object       string     `json:"object"`
	Privilege    string     `json:"privilege"`
	Effect       string     `json:"effect"`
	ExpiresAt    *time.Time `json:"expires_at"`
	Expired      bool       `json:"expired"`
	GrantedBy    string     `json:"granted_by"`
	GrantedAt    time.Time  `json:"granted_at"`
}

// GrantFilter narrows the grant list.
type GrantFilter struct {
	DatasourceID string
	SubjectType  string
	Subject      string // user id or role
	Object       string // prefix
	Privilege    string
	Effect       string
}

// Grants lists grants, newest first.
func (q Queries) Grants(ctx context.Context, f GrantFilter, p page.Request) (page.Result[GrantRow], error) {
	var res page.Result[GrantRow]
	where := ` where ($1 = '' or g.datasource_id = $1) and ($2 = '' or g.subject_type = $2) and ($3 = '' or g.subject = $3)
		and ($4 = '' or g.object = $4 or g.object like replace(replace($4, '%', '\%'), '_', '\_') || '.%') and ($5 = '' or g.privilege = $5) and ($6 = '' or g.effect = $6)`
	args := []any{f.DatasourceID, f.SubjectType, f.Subject, f.Object, f.Privilege, f.Effect}
	if err := q.Pool.QueryRow(ctx, `select count(*) from access_grants g`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count grants: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select g.id, g.datasource_id, g.subject_type, g.subject, coalesce(u.username, g.subject), g.object, g.privilege, g.effect,
		g.expires_at, coalesce(g.expires_at <= now(), false), g.granted_by, g.granted_at
		from access_grants g left join access_users u on g.subject_type = 'user' and u.id = g.subject`+where+
		` order by g.granted_at desc, g.id limit $7 offset $8`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list grants: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[GrantRow])
	return res, err
}

// MaskRow is a column mask.
type MaskRow struct {
	ID           string    `json:"id"`
	DatasourceID string    `json:"datasource_id"`
	Object       string    `json:"object"`
	Mask         string    `json:"mask"`
	KeepLast     int       `json:"keep_last"`
	SetBy        string    `json:"set_by"`
	SetAt        time.Time `json:"set_at"`
}

// Masks lists masks (of one datasource when given).
func (q Queries) Masks(ctx context.Context, datasourceID string) ([]MaskRow, error) {
	rows, err := q.Pool.Query(ctx, `select id, datasource_id, object, mask, keep_last, set_by, set_at from access_masks
		where $1 = '' or datasource_id = $1 order by object`, datasourceID)
	if err != nil {
		return nil, fmt.Errorf("list masks: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[MaskRow])
}

// RowFilterRow is a row filter.
type RowFilterRow struct {
	ID           string    `json:"id"`
	DatasourceID string    `json:"datasource_id"`
	Object       string    `json:"object"`
	SubjectType  string    `json:"subject_type"`
	Subject      string    `json:"subject"`
	SubjectName  string    `json:"subject_name"`
	Predicate    string    `json:"predicate"`
	SetBy        string    `json:"set_by"`
	SetAt        time.Time `json:"set_at"`
}

// RowFilters lists row filters (of one datasource when given).
func (q Queries) RowFilters(ctx context.Context, datasourceID string) ([]RowFilterRow, error) {
	rows, err := q.Pool.Query(ctx, `select f.id, f.datasource_id, f.object, f.subject_type, f.subject, coalesce(u.username, f.subject), f.predicate, f.set_by, f.set_at
		from access_row_filters f left join access_users u on f.subject_type = 'user' and u.id = f.subject
		where $1 = '' or f.datasource_id = $1 order by f.object, f.subject`, datasourceID)
	if err != nil {
		return nil, fmt.Errorf("list row filters: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[RowFilterRow])
}

// RequestRow is an access request.
type RequestRow struct {
	ID             string     `json:"id"`
	DatasourceID   string     `json:"datasource_id"`
	RequesterID    string     `json:"requester_id"`
	RequesterName  string     `json:"requester_name"`
	Object         string     `json:"object"`
	Privilege      string     `json:"privilege"`
	Reason         string     `json:"reason"`
	ExpiresAt      *time.Time `json:"expires_at"`
	Status         string     `json:"status"`
	RequestedAt    time.Time  `json:"requested_at"`
	DecidedBy      string     `json:"decided_by"`
	DecidedAt      *time.Time `json:"decided_at"`
	DecisionReason string     `json:"decision_reason"`
	GrantID        string     `json:"grant_id"`
}

// RequestFilter narrows the request list.
type RequestFilter struct {
	Status       string
	RequesterID  string
	DatasourceID string
}

// Requests lists access requests, newest first.
func (q Queries) Requests(ctx context.Context, f RequestFilter, p page.Request) (page.Result[RequestRow], error) {
	var res page.Result[RequestRow]
	where := ` where ($1 = '' or r.status = $1) and ($2 = '' or r.requester_id = $2) and ($3 = '' or r.datasource_id = $3)`
	args := []any{f.Status, f.RequesterID, f.DatasourceID}
	if err := q.Pool.QueryRow(ctx, `select count(*) from access_requests r`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count requests: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select r.id, r.datasource_id, r.requester_id, coalesce(u.username, r.requester_id), r.object, r.privilege, r.reason,
		r.expires_at, r.status, r.requested_at, r.decided_by, r.decided_at, r.decision_reason, r.grant_id
		from access_requests r left join access_users u on u.id = r.requester_id`+where+` order by r.requested_at desc, r.id limit $4 offset $5`,
		append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list requests: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RequestRow])
	return res, err
}

// Request returns one access request.
func (q Queries) Request(ctx context.Context, id string) (RequestRow, error) {
	return postgres.One(ctx, q.Pool, "access request", id, `select r.id, r.datasource_id, r.requester_id, coalesce(u.username, r.requester_id), r.object, r.privilege, r.reason,
		r.expires_at, r.status, r.requested_at, r.decided_by, r.decided_at, r.decision_reason, r.grant_id
		from access_requests r left join access_users u on u.id = r.requester_id where r.id = $1`, pgx.RowToStructByPos[RequestRow])
}

// UserRoles resolves a username or user id to the user's id and roles.
func (q Queries) UserRoles(ctx context.Context, nameOrID string) (string, []string, error) {
	var id string
	var roles []string
	err := q.Pool.QueryRow(ctx, `select id, roles from access_users where id = $1 or username = $1 order by id = $1 desc limit 1`, nameOrID).Scan(&id, &roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, fault.NotFound("user", nameOrID)
	}
	if err != nil {
		return "", nil, fmt.Errorf("user roles: %w", err)
	}
	return id, roles, nil
}

// PolicyItemDatasource finds the datasource of a grant, mask, row filter or request by its id.
func (q Queries) PolicyItemDatasource(ctx context.Context, kind, id string) (string, error) {
	table := map[string]string{"grant": "access_grants", "mask": "access_masks", "row filter": "access_row_filters", "access request": "access_requests"}[kind]
	if table == "" {
		return "", fmt.Errorf("unknown policy item kind %q", kind)
	}
	var ds string
	err := q.Pool.QueryRow(ctx, `select datasource_id from `+table+` where id = $1`, id).Scan(&ds)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.NotFound(kind, id)
	}
	if err != nil {
		return "", fmt.Errorf("find %s: %w", kind, err)
	}
	return ds, nil
}

// ExpiredGrantDatasources lists the datasources holding grants whose expiry has passed.
func (q Queries) ExpiredGrantDatasources(ctx context.Context) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select distinct datasource_id from access_grants where expires_at <= now()`)
	if err != nil {
		return nil, fmt.Errorf("expired grants: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
