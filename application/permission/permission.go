// Package permission holds the data-permission use cases: managing grants, column masks, row
// filters and access requests of a datasource's policy, and the guard that checks every statement
// against them before it runs — refusing what the caller may not read and rewriting what it may
// read so that masks and row filters hold for every query shape.
package permission

import (
	"context"
	"time"

	domain "assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
)

// Aggregates loads and saves event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Who is the caller of a check or a command.
type Who struct {
	UserID string
	Roles  []string
	Admin  bool
	// Anonymous callers of public report APIs hold no grants; the interface's publication stands
	// for them, and masks still apply.
	Anonymous bool
}

// Subjects are the grant subjects that speak for the caller: the user and each role.
func (w Who) Subjects() []domain.Subject {
	out := []domain.Subject{{Type: "user", ID: w.UserID}}
	for _, r := range w.Roles {
		out = append(out, domain.Subject{Type: "role", ID: r})
	}
	return out
}

// Directory answers who users are.
type Directory interface {
	// User resolves a username or user id to the id and the user's roles; fault.NotFound if none.
	User(ctx context.Context, nameOrID string) (id string, roles []string, err error)
}

// Source is what the guard needs of a datasource.
type Source struct {
	ID, OwnerID string
	// Database is the datasource's database (a three-part PostgreSQL name may repeat it).
	Database string
	// Dialect of the access analysis; DefaultSchema qualifies unqualified table names.
	Dialect, DefaultSchema string
}

// Sources looks datasources up.
type Sources interface {
	Source(ctx context.Context, id string) (Source, error)
}

// Catalog answers what the catalog knows of a datasource's objects.
type Catalog interface {
	// Columns lists a table's columns in order; nil when the catalog does not know the table.
	Columns(ctx context.Context, datasourceID, db, table string) ([]string, error)
	// DBExists reports whether the catalog holds any table in db.
	DBExists(ctx context.Context, datasourceID, db string) (bool, error)
}

// Snapshot is a datasource's policy as of a version.
type Snapshot struct {
	Version    int
	Grants     []domain.Grant
	Masks      []domain.Mask
	RowFilters []domain.RowFilter
}

// Policies reads policies from the read model.
type Policies interface {
	PolicyVersion(ctx context.Context, datasourceID string) (int, error)
	Snapshot(ctx context.Context, datasourceID string) (Snapshot, error)
}

// Analyser reads SQL for the guard (see sqlparse.AnalyseAccess).
type Analyser interface {
	Analyse(dialect, defaultSchema string, columns func(table string) []string, sql string) (Analysis, error)
	View(dialect, qualifier, table string, cols []ViewColumn, predicates []string) (string, error)
	CheckPredicate(dialect, predicate string) error
}

// Analysis is what a statement reads, and how to rewrite it.
type Analysis interface {
	// Tables maps "qualifier.table" (or "catalog.qualifier.table") to the touched columns.
	Reads() map[string][]string
	Functions() []string
	Rewrite(views map[string]string) (string, error)
}

// ViewColumn is a column of a masking view.
type ViewColumn struct {
	Name     string
	Mask     string
	KeepLast int
}

// Clock is the time source.
type Clock func() time.Time
