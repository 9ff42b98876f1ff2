// Package lineage runs the lineage use cases: analysing SQL that moved data (ETL logs, console
// statements, view definitions) and recording the edges each origin asserts.
package lineage

import (
	"context"
	"fmt"
	"strings"

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
	return s.record(ctx, domain.OriginETL, log.JobName, log.Dialect, log.DatasourceID, log.DefaultSchema, log.SQL, true, meta)
}

// RecordStatement records the lineage of a one-off statement (e.g. an INSERT ... SELECT run in
// the query console); such origins only add edges.
func (s *Service) RecordStatement(ctx context.Context, kind, name, datasourceID, sql string, meta es.Metadata) (Ingested, error) {
	return s.record(ctx, kind, name, "", datasourceID, "", sql, false, meta)
}

func (s *Service) record(ctx context.Context, kind, name, dialect, datasourceID, schema, sql string, replace bool, meta es.Metadata) (Ingested, error) {
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
	edges := domain.EdgesOf(res, qualify)
	o := &domain.Origin{}
	if err := s.aggs.Load(ctx, domain.OriginID(kind, name), o); err != nil {
		return Ingested{}, fmt.Errorf("load lineage origin %s: %w", name, err)
	}
	if err := o.Assert(kind, name, edges, replace); err != nil {
		return Ingested{}, err
	}
	out := Ingested{Origin: kind + ":" + name, Result: res, Edges: len(edges)}
	for _, e := range o.Changes() {
		switch e.(type) {
		case domain.EdgeFound:
			out.Found++
		case domain.EdgeRetired:
			out.Retired++
		}
	}
	if len(o.Changes()) == 0 {
		out.Unchanged = true
		out.Ref = es.Ref{StreamID: o.ID(), Version: o.Version()}
		return out, nil
	}
	ref, err := s.aggs.Commit(ctx, o, meta)
	if err != nil {
		return Ingested{}, fmt.Errorf("record lineage of %s: %w", name, err)
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
