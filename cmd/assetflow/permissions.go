package main

import (
	"context"
	"log/slog"
	"slices"
	"time"

	appdsvc "assetflow/application/dataservice"
	"assetflow/application/permission"
	"assetflow/domain/access"
	"assetflow/domain/dataservice"
	"assetflow/infrastructure/sqlparse"
	accessproj "assetflow/projections/access"
	catproj "assetflow/projections/catalog"
	dsproj "assetflow/projections/datasource"
)

// permissionSources tells the guard a datasource's owner and dialect.
type permissionSources struct{ lineageSources }

func (s permissionSources) Source(ctx context.Context, id string) (permission.Source, error) {
	d, err := s.q.Get(ctx, id)
	if err != nil {
		return permission.Source{}, err
	}
	ls, err := s.LineageSource(ctx, id)
	if err != nil {
		return permission.Source{}, err
	}
	return permission.Source{ID: d.ID, OwnerID: d.OwnerID, Database: d.Database, Dialect: ls.Dialect, DefaultSchema: ls.DefaultSchema}, nil
}

// permissionCatalog answers object questions from the catalog read model.
type permissionCatalog struct{ q catproj.Queries }

func (c permissionCatalog) Columns(ctx context.Context, datasourceID, db, table string) ([]string, error) {
	return c.q.AccessColumns(ctx, datasourceID, db, table)
}

func (c permissionCatalog) DBExists(ctx context.Context, datasourceID, db string) (bool, error) {
	return c.q.HoldsDB(ctx, datasourceID, db)
}

// permissionPolicies reads policies from the access read model.
type permissionPolicies struct{ q accessproj.Queries }

func (p permissionPolicies) PolicyVersion(ctx context.Context, id string) (int, error) {
	return p.q.PolicyVersion(ctx, id)
}

func (p permissionPolicies) Snapshot(ctx context.Context, id string) (permission.Snapshot, error) {
	s, err := p.q.Policy(ctx, id)
	return permission.Snapshot{Version: s.Version, Grants: s.Grants, Masks: s.Masks, RowFilters: s.RowFilters}, err
}

// permissionDirectory resolves users through the access read model.
type permissionDirectory struct{ q accessproj.Queries }

func (d permissionDirectory) User(ctx context.Context, nameOrID string) (string, []string, error) {
	return d.q.UserRoles(ctx, nameOrID)
}

// accessAnalyser adapts sqlparse's access analysis to the guard.
type accessAnalyser struct{}

type accessAnalysis struct{ a *sqlparse.AccessAnalysis }

func (a accessAnalysis) Reads() map[string][]string { return a.a.Tables }
func (a accessAnalysis) Functions() []string        { return a.a.Functions }
func (a accessAnalysis) Rewrite(views map[string]string) (string, error) {
	return a.a.Rewrite(views)
}

func (accessAnalyser) Analyse(dialect, defaultSchema string, columns func(string) []string, sql string) (permission.Analysis, error) {
	a, err := sqlparse.AnalyseAccess(sqlparse.LineageOptions{Dialect: dialect, DefaultSchema: defaultSchema, Columns: columns}, sql)
	if err != nil {
		return nil, err
	}
	return accessAnalysis{a}, nil
}

func (accessAnalyser) View(dialect, qualifier, table string, cols []permission.ViewColumn, predicates []string) (string, error) {
	vc := make([]sqlparse.ViewColumn, len(cols))
	for i, c := range cols {
		vc[i] = sqlparse.ViewColumn(c)
	}
	return sqlparse.View(dialect, qualifier, table, vc, predicates)
}

func (accessAnalyser) CheckPredicate(dialect, predicate string) error {
	return sqlparse.CheckPredicate(dialect, predicate)
}

// permissions wires the data-permission guard and policy commands.
func (c *core) permissions() (*permission.Guard, *permission.Service) {
	guard := permission.NewGuard(permissionSources{lineageSources{dsproj.Queries{Pool: c.pool}, catproj.Queries{Pool: c.pool}}},
		permissionCatalog{catproj.Queries{Pool: c.pool}}, permissionPolicies{accessproj.Queries{Pool: c.pool}}, accessAnalyser{})
	return guard, permission.NewService(c.repo, permissionDirectory{accessproj.Queries{Pool: c.pool}}, guard)
}

// consoleGuard checks query-console statements: exports need export, the rest query.
type consoleGuard struct{ g *permission.Guard }

func (c consoleGuard) Check(ctx context.Context, who appdsvc.Caller, datasourceID, database, sql string, export bool) (string, error) {
	want := access.PrivQuery
	if export {
		want = access.PrivExport
	}
	return c.g.Check(ctx, permission.Who{UserID: who.UserID, Roles: who.Roles, Admin: who.Admin}, datasourceID, database, sql, want)
}

// gatewayGuard holds report-API calls to data permissions: an authenticated caller (token or API
// key) as themselves; an anonymous caller of a public interface through the interface's owner
// when the owner names a user, else with masks only.
type gatewayGuard struct {
	g     *permission.Guard
	users permissionDirectory
}

func (gg gatewayGuard) CheckCall(ctx context.Context, who appdsvc.CallerInfo, def dataservice.Definition, sql string, export bool) (string, error) {
	want := access.PrivQuery
	if export {
		want = access.PrivExport
	}
	w := permission.Who{UserID: who.UserID, Roles: who.Roles, Admin: slices.Contains(who.Roles, string(access.RoleAdmin))}
	if !who.Authenticated {
		w = permission.Who{Anonymous: true}
		if def.Owner != "" {
			if id, roles, err := gg.users.User(ctx, def.Owner); err == nil {
				w = permission.Who{UserID: id, Roles: roles, Admin: slices.Contains(roles, string(access.RoleAdmin))}
			}
		}
	}
	return gg.g.Check(ctx, w, def.DatasourceID, def.Database, sql, want)
}

// expireGrants records the expiry of grants whose time has passed, every half minute. Expired
// grants stop applying at their expiry whether or not this has run; replicas racing on one policy
// meet the store's version check and the loser retries on its next tick.
func expireGrants(ctx context.Context, q accessproj.Queries, svc *permission.Service) error {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		if ids, err := q.ExpiredGrantDatasources(ctx); err == nil {
			for _, ds := range ids {
				if n, err := svc.ExpireDue(ctx, ds); err != nil {
					slog.Warn("grant expiry not recorded", "datasource", ds, "err", err)
				} else if n > 0 {
					slog.Info("grants expired", "datasource", ds, "count", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
