package access

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/access"
	"assetflow/infrastructure/eventstore"
)

// applyPolicy keeps the policy tables: every policy event also raises the policy's version, which
// the access guard compares to decide whether its cached copy is current.
func applyPolicy(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	ds := strings.TrimPrefix(e.StreamID, domain.PolicyStreamID(""))
	if _, err := tx.Exec(ctx, `insert into access_policies (datasource_id, version) values ($1,$2)
		on conflict (datasource_id) do update set version = greatest(access_policies.version, excluded.version)`, ds, e.Version); err != nil {
		return err
	}
	at, actor := e.OccurredAt, e.Metadata.ActorName
	var err error
	switch e.Type {
	case domain.Granted{}.EventType():
		var v domain.Granted
		if v, err = decode[domain.Granted](e); err == nil {
			o, _ := domain.ParseObject(v.Object)
			_, err = tx.Exec(ctx, `insert into access_grants (id, datasource_id, subject_type, subject, object, db, tbl, col, depth, privilege, effect, expires_at, granted_by, granted_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) on conflict (id) do nothing`,
				v.GrantID, ds, v.SubjectType, v.Subject, o.String(), o.DB, o.Table, o.Column, o.Depth(), v.Privilege, v.Effect, v.ExpiresAt, actor, at)
		}
	case domain.Revoked{}.EventType():
		var v domain.Revoked
		if v, err = decode[domain.Revoked](e); err == nil {
			_, err = tx.Exec(ctx, `delete from access_grants where id = $1`, v.GrantID)
		}
	case domain.Expired{}.EventType():
		var v domain.Expired
		if v, err = decode[domain.Expired](e); err == nil {
			_, err = tx.Exec(ctx, `delete from access_grants where id = $1`, v.GrantID)
		}
	case domain.MaskSet{}.EventType():
		var v domain.MaskSet
		if v, err = decode[domain.MaskSet](e); err == nil {
			o, _ := domain.ParseObject(v.Object)
			_, err = tx.Exec(ctx, `insert into access_masks (id, datasource_id, object, db, tbl, col, mask, keep_last, set_by, set_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) on conflict (id) do update set mask=excluded.mask, keep_last=excluded.keep_last,
				set_by=excluded.set_by, set_at=excluded.set_at`, v.MaskID, ds, o.String(), o.DB, o.Table, o.Column, v.Mask, v.KeepLast, actor, at)
		}
	case domain.MaskRemoved{}.EventType():
		var v domain.MaskRemoved
		if v, err = decode[domain.MaskRemoved](e); err == nil {
			_, err = tx.Exec(ctx, `delete from access_masks where id = $1`, v.MaskID)
		}
	case domain.RowFilterSet{}.EventType():
		var v domain.RowFilterSet
		if v, err = decode[domain.RowFilterSet](e); err == nil {
			o, _ := domain.ParseObject(v.Object)
			_, err = tx.Exec(ctx, `insert into access_row_filters (id, datasource_id, object, db, tbl, subject_type, subject, predicate, set_by, set_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) on conflict (id) do update set predicate=excluded.predicate, set_by=excluded.set_by,
				set_at=excluded.set_at`, v.FilterID, ds, o.String(), o.DB, o.Table, v.SubjectType, v.Subject, v.Predicate, actor, at)
		}
	case domain.RowFilterRemoved{}.EventType():
		var v domain.RowFilterRemoved
		if v, err = decode[domain.RowFilterRemoved](e); err == nil {
			_, err = tx.Exec(ctx, `delete from access_row_filters where id = $1`, v.FilterID)
		}
	case domain.Requested{}.EventType():
		var v domain.Requested
		if v, err = decode[domain.Requested](e); err == nil {
			_, err = tx.Exec(ctx, `insert into access_requests (id, datasource_id, requester_id, object, privilege, reason, expires_at, requested_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8) on conflict (id) do nothing`, v.RequestID, ds, v.RequesterID, v.Object, v.Privilege, v.Reason, v.ExpiresAt, at)
		}
	case domain.Approved{}.EventType():
		var v domain.Approved
		if v, err = decode[domain.Approved](e); err == nil {
			_, err = tx.Exec(ctx, `update access_requests set status='approved', decided_by=$2, decided_at=$3, grant_id=$4 where id=$1`, v.RequestID, actor, at, v.GrantID)
		}
	case domain.Rejected{}.EventType():
		var v domain.Rejected
		if v, err = decode[domain.Rejected](e); err == nil {
			_, err = tx.Exec(ctx, `update access_requests set status='rejected', decided_by=$2, decided_at=$3, decision_reason=$4 where id=$1`, v.RequestID, actor, at, v.Reason)
		}
	}
	return err
}
