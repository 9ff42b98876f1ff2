// Package quality runs the data-quality use cases: defining rules on catalog tables, checking
// them on demand or on schedules, and announcing failures and recoveries.
package quality

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	domain "assetflow/domain/quality"
)

// Aggregates loads and saves event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Column is a catalog column as checks need it.
type Column struct {
	Name string
	Type string
}

// Target is a catalog table as checks need it: where it lives, its columns and which of them
// carry a sensitive tag (their sample values are masked).
type Target struct {
	TableID      string
	DatasourceID string
	domain.Location
	// Status is active, dropped or deleted.
	Status    string
	Columns   []Column
	Sensitive map[string]bool
}

// HasColumn reports whether the table has the named column.
func (t Target) HasColumn(name string) bool {
	return slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Name == name })
}

// Tables resolves catalog tables.
type Tables interface {
	QualityTarget(ctx context.Context, tableID string) (Target, error)
}

// Source is a datasource a check runs against.
type Source interface {
	Measure(ctx context.Context, spec domain.MeasureSpec) (domain.Measurement, error)
	Samples(ctx context.Context, spec domain.MeasureSpec) ([]domain.Sample, error)
	GetTableSchema(ctx context.Context, db, table string) ([]datasource.Column, error)
}

// Sources opens datasources.
type Sources interface {
	OpenSource(ctx context.Context, datasourceID string) (Source, datasource.Type, error)
}

// ReadOnly checks that custom SQL only reads.
type ReadOnly interface {
	CheckReadOnly(t datasource.Type, sql string) error
}

// Service runs the rule use cases.
type Service struct {
	aggs      Aggregates
	tables    Tables
	sources   Sources
	readOnly  ReadOnly
	validCron func(string) error
	// Now is the clock (tests pin it).
	Now func() time.Time
}

// NewService wires the use cases.
func NewService(aggs Aggregates, tables Tables, sources Sources, readOnly ReadOnly, validCron func(string) error) *Service {
	if aggs == nil || tables == nil || sources == nil || readOnly == nil || validCron == nil {
		panic("quality.NewService: nil dependency")
	}
	return &Service{aggs: aggs, tables: tables, sources: sources, readOnly: readOnly, validCron: validCron, Now: time.Now}
}

// validate normalizes a definition and checks what it names: the table and column exist in the
// catalog, a referenced table too, and custom SQL only reads.
func (s *Service) validate(ctx context.Context, def domain.Definition) (domain.Definition, error) {
	def, err := def.Normalize(s.validCron)
	if err != nil {
		return def, err
	}
	var c fault.Collect
	t, err := s.tables.QualityTarget(ctx, def.TableID)
	switch {
	case fault.KindOf(err) == fault.KindNotFound:
		return def, fault.Field("table_id", "no such catalog table")
	case err != nil:
		return def, err
	case t.Status != "active":
		return def, fault.Field("table_id", "the table was "+t.Status+"; rules can only be defined on tables that exist")
	}
	if def.Column != "" {
		c.Check(t.HasColumn(def.Column), "column", fmt.Sprintf("table %s has no column %q", t.Table, def.Column))
	}
	p := def.Params
	if def.Type == domain.Referential || def.Type == domain.Reconciliation {
		ref, err := s.tables.QualityTarget(ctx, p.RefTableID)
		switch {
		case fault.KindOf(err) == fault.KindNotFound:
			c.Add("params.ref_table_id", "no such catalog table")
		case err != nil:
			return def, err
		case ref.Status != "active":
			c.Add("params.ref_table_id", "the referenced table was "+ref.Status)
		case def.Type == domain.Referential && ref.DatasourceID != t.DatasourceID:
			c.Add("params.ref_table_id", "the referenced table must be in the same datasource (use reconciliation across datasources)")
		case def.Type == domain.Referential:
			c.Check(ref.HasColumn(p.RefColumn), "params.ref_column", fmt.Sprintf("table %s has no column %q", ref.Table, p.RefColumn))
		default:
			for _, col := range p.Compare {
				c.Check(t.HasColumn(col) && ref.HasColumn(col), "params.compare", fmt.Sprintf("column %q is not in both tables", col))
			}
		}
	}
	if def.Type == domain.CustomSQL {
		_, typ, err := s.sources.OpenSource(ctx, t.DatasourceID)
		if err != nil {
			return def, err
		}
		if err := s.readOnly.CheckReadOnly(typ, p.SQL); err != nil {
			c.Add("params.sql", "the SQL must be one read-only statement: "+err.Error())
		}
	}
	return def, c.Err()
}

// Define creates a rule.
func (s *Service) Define(ctx context.Context, def domain.Definition, meta es.Metadata) (es.Ref, error) {
	def, err := s.validate(ctx, def)
	if err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, domain.DefineRule(domain.NewRuleID(), def), meta)
}

func (s *Service) load(ctx context.Context, id string) (*domain.Rule, error) {
	r := &domain.Rule{}
	if err := s.aggs.Load(ctx, id, r); err != nil {
		return nil, err
	}
	if !r.Exists() {
		return nil, fault.NotFound("quality rule", id)
	}
	return r, nil
}

// Update replaces a rule's definition.
func (s *Service) Update(ctx context.Context, id string, def domain.Definition, meta es.Metadata) (es.Ref, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if def, err = s.validate(ctx, def); err != nil {
		return es.Ref{}, err
	}
	if err := r.Update(def); err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, r, meta)
}

// Delete removes a rule; its results stay.
func (s *Service) Delete(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := r.Delete(); err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, r, meta)
}

// Triggers of a check.
const (
	TriggerManual   = "manual"
	TriggerSchedule = "schedule"
)

// Run checks a rule now and records the result. A check that cannot compute its metric is an
// errored result, not an error: only an unknown rule or a failure to record is.
func (s *Service) Run(ctx context.Context, id, trigger string, meta es.Metadata) (domain.Result, es.Ref, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return domain.Result{}, es.Ref{}, err
	}
	res := s.Evaluate(ctx, r.Def)
	res.Trigger = trigger
	// Two checks of one rule may finish together: the later records against the earlier.
	for attempt := 0; ; attempt++ {
		recorded, err := r.RecordCheck(res)
		if err != nil {
			return domain.Result{}, es.Ref{}, err
		}
		ref, err := s.aggs.Commit(ctx, r, meta)
		if err == nil || attempt == 2 || !errors.Is(err, fault.ErrConflict) {
			return recorded, ref, err
		}
		if r, err = s.load(ctx, id); err != nil {
			return domain.Result{}, es.Ref{}, err
		}
	}
}

// Evaluate checks a definition against its datasource without recording anything.
func (s *Service) Evaluate(ctx context.Context, def domain.Definition) domain.Result {
	start := s.Now()
	res := domain.Result{CheckID: uuid.NewString(), Threshold: def.Threshold}
	errored := func(format string, args ...any) domain.Result {
		res.Status, res.Error = domain.Errored, fmt.Sprintf(format, args...)
		res.DurationMs = s.Now().Sub(start).Milliseconds()
		return res
	}
	t, err := s.tables.QualityTarget(ctx, def.TableID)
	switch {
	case fault.KindOf(err) == fault.KindNotFound:
		return errored("the table is no longer in the catalog")
	case err != nil:
		return errored("cannot read the catalog: %v", err)
	case t.Status != "active":
		return errored("the table was %s", t.Status)
	case def.Column != "" && !t.HasColumn(def.Column):
		return errored("the column %q was dropped from %s", def.Column, t.Table)
	}
	src, _, err := s.sources.OpenSource(ctx, t.DatasourceID)
	if err != nil {
		return errored("cannot open the datasource: %v", err)
	}
	spec := domain.MeasureSpec{Kind: def.Type, Location: t.Location, Column: def.Column, Params: def.Params,
		Timeout: time.Duration(def.Params.Timeout()) * time.Second}
	switch def.Type {
	case domain.Schema:
		err = s.checkSchema(ctx, src, t, def, &res)
	case domain.Reconciliation:
		err = s.reconcile(ctx, src, t, def, spec, &res)
	default:
		if def.Type == domain.Referential {
			ref, rerr := s.tables.QualityTarget(ctx, def.Params.RefTableID)
			if rerr != nil || ref.Status != "active" {
				return errored("the referenced table is no longer in the catalog")
			}
			spec.Ref = ref.Location
		}
		var m domain.Measurement
		if m, err = src.Measure(ctx, spec); err == nil {
			res.Metric, res.Rows = m.Metric, m.Rows
		}
	}
	if err != nil {
		return errored("%s", describe(ctx, err, spec.Timeout))
	}
	if res.Metric == nil {
		return errored("the check produced no metric")
	}
	res.Status = domain.Failed
	if def.Threshold.Holds(*res.Metric) {
		res.Status = domain.Passed
	}
	if res.Status == domain.Failed && res.Samples == nil {
		res.Samples = s.samples(ctx, src, t, spec)
	}
	res.DurationMs = s.Now().Sub(start).Milliseconds()
	return res
}

func describe(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) || fault.KindOf(err) == fault.KindTimeout {
		return fmt.Sprintf("the check did not finish within %s", timeout)
	}
	if ctx.Err() != nil {
		return "the check was cancelled"
	}
	return err.Error()
}

// samples reads offending rows, the checked column first, masking sensitive columns. A failure
// to read them leaves the failed result without samples.
func (s *Service) samples(ctx context.Context, src Source, t Target, spec domain.MeasureSpec) []domain.Sample {
	spec.Samples = spec.Params.SamplesWanted()
	if spec.Column != "" {
		spec.SampleColumns = append(spec.SampleColumns, spec.Column)
	}
	for _, c := range t.Columns {
		if len(spec.SampleColumns) >= 10 {
			break
		}
		if c.Name != spec.Column {
			spec.SampleColumns = append(spec.SampleColumns, c.Name)
		}
	}
	rows, err := src.Samples(ctx, spec)
	if err != nil {
		return nil
	}
	for _, r := range rows {
		for name, v := range r {
			if t.Sensitive[name] && v != nil {
				r[name] = "***"
			}
		}
	}
	return rows
}

// checkSchema compares the live table definition with the expected columns; the metric is the
// number of mismatches, each one a sample.
func (s *Service) checkSchema(ctx context.Context, src Source, t Target, def domain.Definition, res *domain.Result) error {
	db := t.Database
	if t.Schema != "" {
		db = t.Schema
	}
	cols, err := src.GetTableSchema(ctx, db, t.Table)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("table %s has no columns (was it dropped?)", t.Table)
	}
	live := map[string]string{}
	for _, c := range cols {
		live[c.Name] = c.Type
	}
	var mismatches []domain.Sample
	expected := map[string]bool{}
	for _, want := range def.Params.Columns {
		expected[want.Name] = true
		got, ok := live[want.Name]
		switch {
		case !ok:
			mismatches = append(mismatches, domain.Sample{"column": want.Name, "expected": want.Type, "actual": nil, "problem": "missing"})
		case want.Type != "" && !sameType(want.Type, got):
			mismatches = append(mismatches, domain.Sample{"column": want.Name, "expected": want.Type, "actual": got, "problem": "type"})
		}
	}
	if def.Params.ExactColumns {
		for _, c := range cols {
			if !expected[c.Name] {
				mismatches = append(mismatches, domain.Sample{"column": c.Name, "expected": nil, "actual": c.Type, "problem": "unexpected"})
			}
		}
	}
	m := float64(len(mismatches))
	res.Metric, res.Samples = &m, mismatches
	if len(mismatches) == 0 {
		res.Samples = []domain.Sample{}
	}
	return nil
}

// sameType compares type names loosely: case, spacing and a length or precision the expectation
// leaves out ("varchar" accepts "varchar(64)").
func sameType(want, got string) bool {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
	w, g := norm(want), norm(got)
	if w == g {
		return true
	}
	if !strings.Contains(w, "(") {
		if i := strings.IndexByte(g, '('); i > 0 {
			return strings.TrimSpace(g[:i]) == w
		}
	}
	return false
}

// reconcile compares the row count and per-column aggregates of the same table in two places;
// the metric is the number of aggregates that differ, each one a sample.
func (s *Service) reconcile(ctx context.Context, src Source, t Target, def domain.Definition, spec domain.MeasureSpec, res *domain.Result) error {
	other, err := s.tables.QualityTarget(ctx, def.Params.RefTableID)
	if err != nil || other.Status != "active" {
		return fmt.Errorf("the other table is no longer in the catalog")
	}
	otherSrc, _, err := s.sources.OpenSource(ctx, other.DatasourceID)
	if err != nil {
		return fmt.Errorf("cannot open the other datasource: %w", err)
	}
	spec.Kind = domain.Aggregates
	left, err := src.Measure(ctx, spec)
	if err != nil {
		return err
	}
	spec.Location = other.Location
	right, err := otherSrc.Measure(ctx, spec)
	if err != nil {
		return fmt.Errorf("the other table: %w", err)
	}
	names := make([]string, 0, len(left.Values))
	for n := range left.Values {
		names = append(names, n)
	}
	slices.Sort(names)
	diffs := []domain.Sample{}
	for _, n := range names {
		l, r := left.Values[n], right.Values[n]
		if !sameValue(l, r) {
			diffs = append(diffs, domain.Sample{"aggregate": n, "left": l, "right": r})
		}
	}
	m := float64(len(diffs))
	res.Metric, res.Rows, res.Samples = &m, left.Rows, diffs
	return nil
}

// sameValue compares aggregates from two engines: numerically when both are numbers (engines
// print decimals differently), else as text.
func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y float64
	if _, err := fmt.Sscan(*a, &x); err == nil {
		if _, err := fmt.Sscan(*b, &y); err == nil && fmt.Sprint(x) != "NaN" {
			return x == y
		}
	}
	return strings.TrimSpace(*a) == strings.TrimSpace(*b)
}
