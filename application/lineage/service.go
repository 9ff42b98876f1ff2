// Package lineage runs the lineage use cases: analysing SQL that moved data (ETL logs, console
// statements, view definitions) and recording the edges each origin asserts.
package lineage

import (
	"context"
	"fmt"
	"strings"

	"assetflow/domain/dataservice"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	domain "assetflow/domain/lineage"
)

// Request is SQL to analyse. Columns answers a table's columns (as the SQL names it) from the
// catalog so that SELECT * expands; nil or an empty answer leaves "table.*".
type Request struct {
	Dialect       string
	DefaultSchema string
	SQL           string
	Columns       func(table string) []string
}

// Analyser reads SQL; statements that fail come back in the result's Errors, with an error.
type Analyser interface {
	Analyse(Request) (domain.Result, error)
}

// Source is what lineage needs of a datasource: the name nodes are prefixed with, the dialect its
// SQL is written in, and the schema unqualified names belong to.
type Source struct {
	Name          string
	Dialect       string
	DefaultSchema string
}

// mysqlGrammar: the dialect is parsed with the MySQL grammar ("?" placeholders).
func (s Source) mysqlGrammar() bool { return s.Dialect == "mysql" || s.Dialect == "starrocks" }

// backtickNames: the dialect quotes names with backticks (Hive and Spark read "x" as a string).
func (s Source) backtickNames() bool {
	return s.mysqlGrammar() || s.Dialect == "hive" || s.Dialect == "sparksql"
}

// Sources resolves a datasource id and the catalog's columns of its tables.
type Sources interface {
	LineageSource(ctx context.Context, id string) (Source, error)
	// TableColumns lists a catalogued table's columns; qualifier is the schema or database the
	// SQL named ("" when it named none).
	TableColumns(ctx context.Context, datasourceID, qualifier, table string) ([]string, error)
}

// Aggregates loads and commits event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Service records lineage.
type Service struct {
	analyser Analyser
	sources  Sources
	aggs     Aggregates
}

// NewService wires the use cases.
func NewService(a Analyser, s Sources, aggs Aggregates) *Service {
	if a == nil || s == nil || aggs == nil {
		panic("lineage.NewService: nil dependency")
	}
	return &Service{analyser: a, sources: s, aggs: aggs}
}

// Preview analyses SQL without recording anything.
func (s *Service) Preview(dialect, defaultSchema, sql string) (domain.Result, error) {
	return s.analyser.Analyse(Request{Dialect: dialect, DefaultSchema: defaultSchema, SQL: sql})
}

// ETLLog is SQL a scheduler ran for a job.
type ETLLog struct {
	JobName       string `json:"job_name"`
	Dialect       string `json:"dialect"`
	DatasourceID  string `json:"datasource_id"`
	DefaultSchema string `json:"default_schema"`
	SQL           string `json:"sql"`
}

// Ingested is what an ingestion changed.
type Ingested struct {
	Ref       es.Ref        `json:"-"`
	Origin    string        `json:"origin"`
	Result    domain.Result `json:"lineage"`
	Edges     int           `json:"edges"`
	Found     int           `json:"found"`
	Retired   int           `json:"retired"`
	Unchanged bool          `json:"unchanged"`
}

// IngestETL analyses a job's SQL and makes the job's edges exactly the ones it asserts now:
// edges its earlier SQL asserted and this one does not are retired. Unparsable SQL changes nothing.
func (s *Service) IngestETL(ctx context.Context, log ETLLog, meta es.Metadata) (Ingested, error) {
	log.JobName = strings.TrimSpace(log.JobName)
	if log.JobName == "" {
		return Ingested{}, fault.Field("job_name", "required")
	}
	if len(log.JobName) > 200 {
		return Ingested{}, fault.Field("job_name", "at most 200 characters")
	}
	if strings.TrimSpace(log.SQL) == "" {
		return Ingested{}, fault.Field("sql", "required")
	}
	return s.record(ctx, origin{kind: domain.OriginETL, name: log.JobName, replace: true}, log.Dialect, log.DatasourceID, log.DefaultSchema, log.SQL, meta)
}

// RecordStatement records the lineage of a one-off statement run against a datasource (an
// INSERT ... SELECT or CREATE TABLE AS in the query console). All of a datasource's console
// statements are one origin that only adds edges.
func (s *Service) RecordStatement(ctx context.Context, datasourceID, datasourceName, sql string, meta es.Metadata) (Ingested, error) {
	return s.record(ctx, origin{kind: domain.OriginConsole, name: datasourceName}, "", datasourceID, "", sql, meta)
}

// apiTable stands for a report API while its query is analysed as a view's.
const apiTable = "assetflow_report_api"

// RecordReportAPI records a report API version's query as edges from the tables and columns it
// reads to the node "api:<code>" and its fields "api:<code>.<field>". Each version is an origin
// whose edges follow its query; sql is the query with its :parameters.
func (s *Service) RecordReportAPI(ctx context.Context, code, version, datasourceID, sql string, meta es.Metadata) (Ingested, error) {
	src, err := s.sources.LineageSource(ctx, datasourceID)
	if err != nil {
		return Ingested{}, err
	}
	dollar := !src.mysqlGrammar()
	bound, _ := dataservice.Bind(strings.TrimRight(strings.TrimSpace(sql), ";"), dollar, func(string) any { return nil })
	o := origin{kind: domain.OriginReport, name: code + "@" + version, replace: true, target: "api:" + code}
	return s.record(ctx, o, "", datasourceID, "", "create view "+apiTable+" as "+bound, meta)
}

// ForgetReportAPI retires every edge of a deleted report API version.
func (s *Service) ForgetReportAPI(ctx context.Context, code, version string, meta es.Metadata) (Ingested, error) {
	return s.assert(ctx, origin{kind: domain.OriginReport, name: code + "@" + version, replace: true}, nil, domain.Result{}, meta)
}

// RecordView records a catalogued view's definition: the view is the target of its own query.
// qualifier is the view's schema (or database, on engines without schemas).
func (s *Service) RecordView(ctx context.Context, tableID, datasourceID, qualifier, name, definition string, meta es.Metadata) (Ingested, error) {
	src, err := s.sources.LineageSource(ctx, datasourceID)
	if err != nil {
		return Ingested{}, err
	}
	quote := func(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
	if src.backtickNames() {
		quote = func(id string) string { return "`" + strings.ReplaceAll(id, "`", "``") + "`" }
	}
	view := quote(name)
	if qualifier != "" {
		view = quote(qualifier) + "." + view
	}
	sql := "create view " + view + " as " + strings.TrimRight(strings.TrimSpace(definition), ";")
	return s.record(ctx, origin{kind: domain.OriginView, name: tableID, replace: true}, "", datasourceID, "", sql, meta)
}

// ForgetView retires the edges of a dropped or deleted view (a no-op for tables).
func (s *Service) ForgetView(ctx context.Context, tableID string, meta es.Metadata) (Ingested, error) {
	return s.assert(ctx, origin{kind: domain.OriginView, name: tableID, replace: true}, nil, domain.Result{}, meta)
}

// origin says who asserts the edges and whether its assertion replaces what it said before;
// target, when set, names the node the analysed view stands for.
type origin struct {
	kind, name string
	replace    bool
	target     string
}

func (s *Service) record(ctx context.Context, o origin, dialect, datasourceID, schema, sql string, meta es.Metadata) (Ingested, error) {
	qualify := func(t string) string { return t }
	var columns func(string) []string
	if datasourceID != "" {
		src, err := s.sources.LineageSource(ctx, datasourceID)
		if fault.KindOf(err) == fault.KindNotFound {
			return Ingested{}, fault.Field("datasource_id", "no such datasource")
		}
		if err != nil {
			return Ingested{}, err
		}
		if dialect == "" {
			dialect = src.Dialect
		}
		if schema == "" {
			schema = src.DefaultSchema
		}
		qualify = func(t string) string { return src.Name + "." + t }
		columns = s.catalogColumns(ctx, datasourceID)
	}
	if dialect == "" {
		return Ingested{}, fault.Field("dialect", "required when no datasource_id is given")
	}
	res, err := s.analyser.Analyse(Request{Dialect: dialect, DefaultSchema: schema, SQL: sql, Columns: columns})
	if err != nil {
		if fault.KindOf(err) == fault.KindInvalid && len(res.Errors) == 0 {
			return Ingested{}, err
		}
		details := make([]fault.Detail, 0, len(res.Errors))
		for _, e := range res.Errors {
			details = append(details, fault.Detail{Field: "sql", Message: e})
		}
		return Ingested{}, &fault.Error{Kind: fault.KindInvalid, Message: "the SQL could not be parsed; no lineage was recorded", Details: details}
	}
	if o.target != "" {
		inner := qualify
		qualify = func(t string) string {
			if strings.HasSuffix(t, apiTable) {
				return o.target
			}
			return inner(t)
		}
	}
	edges := domain.EdgesOf(res, qualify)
	if !o.replace && len(edges) == 0 {
		return Ingested{Origin: o.kind + ":" + o.name, Result: res, Unchanged: true}, nil // e.g. a plain SELECT
	}
	return s.assert(ctx, o, edges, res, meta)
}

func (s *Service) assert(ctx context.Context, o origin, edges []domain.Edge, res domain.Result, meta es.Metadata) (Ingested, error) {
	agg := &domain.Origin{}
	if err := s.aggs.Load(ctx, domain.OriginID(o.kind, o.name), agg); err != nil {
		return Ingested{}, fmt.Errorf("load lineage origin %s: %w", o.name, err)
	}
	if err := agg.Assert(o.kind, o.name, edges, o.replace); err != nil {
		return Ingested{}, err
	}
	out := Ingested{Origin: o.kind + ":" + o.name, Result: res, Edges: len(edges)}
	for _, e := range agg.Changes() {
		switch e.(type) {
		case domain.EdgeFound:
			out.Found++
		case domain.EdgeRetired:
			out.Retired++
		}
	}
	if len(agg.Changes()) == 0 {
		out.Unchanged = true
		out.Ref = es.Ref{StreamID: agg.ID(), Version: agg.Version()}
		return out, nil
	}
	ref, err := s.aggs.Commit(ctx, agg, meta)
	if err != nil {
		return Ingested{}, fmt.Errorf("record lineage of %s: %w", o.name, err)
	}
	out.Ref = ref
	return out, nil
}

// catalogColumns answers table columns from the catalog, each table asked once per analysis. A
// catalog failure leaves the table unexpanded rather than failing the ingestion.
func (s *Service) catalogColumns(ctx context.Context, datasourceID string) func(string) []string {
	seen := map[string][]string{}
	return func(table string) []string {
		if cols, ok := seen[table]; ok {
			return cols
		}
		qualifier, name := "", table
		if i := strings.LastIndexByte(table, '.'); i >= 0 {
			qualifier, name = table[:i], table[i+1:]
			if j := strings.LastIndexByte(qualifier, '.'); j >= 0 {
				qualifier = qualifier[j+1:]
			}
		}
		cols, err := s.sources.TableColumns(ctx, datasourceID, qualifier, name)
		if err != nil {
			cols = nil
		}
		seen[table] = cols
		return cols
	}
}

// SyncedTable is one table a sync task copied: where from, where to, and its columns (copied by
// name).
type SyncedTable struct {
	SourceDatasourceID string
	SourceQualifier    string
	SourceTable        string
	TargetDatasourceID string
	TargetQualifier    string
	TargetTable        string
	// Columns and TargetColumns pair each copied column with its name in the target.
	Columns       []string
	TargetColumns []string
}

// RecordSync records a completed sync run's tables as table and column edges from source to
// target; the task is the origin, and its edges are the tables of its latest completed run. An
// empty qualifier is the datasource's default schema or database.
func (s *Service) RecordSync(ctx context.Context, taskID string, tables []SyncedTable, meta es.Metadata) (Ingested, error) {
	names := map[string]Source{}
	node := func(datasourceID, qualifier, table string) (string, error) {
		src, ok := names[datasourceID]
		if !ok {
			var err error
			if src, err = s.sources.LineageSource(ctx, datasourceID); err != nil {
				return "", err
			}
			names[datasourceID] = src
		}
		if qualifier == "" {
			qualifier = src.DefaultSchema
		}
		if qualifier == "" {
			return src.Name + "." + table, nil
		}
		return src.Name + "." + qualifier + "." + table, nil
	}
	var edges []domain.Edge
	for _, t := range tables {
		from, err := node(t.SourceDatasourceID, t.SourceQualifier, t.SourceTable)
		if err != nil {
			return Ingested{}, err
		}
		to, err := node(t.TargetDatasourceID, t.TargetQualifier, t.TargetTable)
		if err != nil {
			return Ingested{}, err
		}
		edges = append(edges, domain.Edge{From: from, To: to, Level: domain.LevelTable, Kind: domain.KindDirect})
		for i, c := range t.Columns {
			target := c
			if i < len(t.TargetColumns) {
				target = t.TargetColumns[i]
			}
			edges = append(edges, domain.Edge{From: from + "." + c, To: to + "." + target, Level: domain.LevelColumn, Kind: domain.KindDirect})
		}
	}
	return s.assert(ctx, origin{kind: domain.OriginSync, name: taskID, replace: true}, edges, domain.Result{}, meta)
}
