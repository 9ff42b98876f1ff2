package dataservice

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Aggregates loads and saves event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Reports answers whether a report exists and how many interfaces it holds.
type Reports interface {
	ReportExists(ctx context.Context, id string) (bool, int64, error)
}

// Interfaces runs the report-API management use cases.
type Interfaces struct {
	aggs     Aggregates
	sources  Datasources
	reports  Reports
	recorder Recorder
}

// NewInterfaces wires management.
func NewInterfaces(aggs Aggregates, sources Datasources, reports Reports, recorder Recorder) *Interfaces {
	if aggs == nil || sources == nil || reports == nil || recorder == nil {
		panic("dataservice.NewInterfaces: nil dependency")
	}
	return &Interfaces{aggs: aggs, sources: sources, reports: reports, recorder: recorder}
}

func (s *Interfaces) checkRefs(ctx context.Context, def dataservice.Definition) error {
	if def.DatasourceID != "" {
		if _, _, err := s.sources.OpenQuerier(ctx, def.DatasourceID); fault.KindOf(err) == fault.KindNotFound {
			return fault.Field("datasource_id", "no such datasource")
		}
	}
	if def.ReportID != "" {
		ok, _, err := s.reports.ReportExists(ctx, def.ReportID)
		if err != nil {
			return err
		}
		if !ok {
			return fault.Field("report_id", "no such report")
		}
	}
	return nil
}

// Create records a draft version; the same code and version cannot exist twice.
func (s *Interfaces) Create(ctx context.Context, def dataservice.Definition, meta es.Metadata) (es.Ref, error) {
	i, err := dataservice.CreateInterface(def)
	if err != nil {
		return es.Ref{}, err
	}
	if err := s.checkRefs(ctx, i.Def); err != nil {
		return es.Ref{}, err
	}
	existing := &dataservice.Interface{}
	if err := s.aggs.Load(ctx, i.ID(), existing); err != nil {
		return es.Ref{}, err
	}
	if existing.Exists() {
		return es.Ref{}, &fault.Error{Kind: fault.KindConflict, Message: "interface " + i.Def.Code + " version " + i.Def.Version + " already exists",
			Details: []fault.Detail{{Field: "version", Message: "bump the version (e.g. " + nextVersion(i.Def.Version) + ") or edit the existing one"}}}
	}
	if existing.Version() > 0 { // a deleted version is created again on its own stream
		for _, e := range i.Changes() {
			es.Record(existing, e)
		}
		i = existing
	}
	return s.aggs.Commit(ctx, i, meta)
}

func nextVersion(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return "1.1.0"
	}
	n := 0
	for _, c := range parts[1] {
		n = n*10 + int(c-'0')
	}
	return parts[0] + "." + itoa(n+1) + ".0"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (s *Interfaces) load(ctx context.Context, code, version string) (*dataservice.Interface, error) {
	i := &dataservice.Interface{}
	if err := s.aggs.Load(ctx, dataservice.InterfaceStream(code, version), i); err != nil {
		return nil, err
	}
	if !i.Exists() {
		return nil, fault.NotFound("interface", code+"@"+version)
	}
	return i, nil
}

// Update replaces a version's definition.
func (s *Interfaces) Update(ctx context.Context, code, version string, def dataservice.Definition, meta es.Metadata) (es.Ref, error) {
	i, err := s.load(ctx, code, version)
	if err != nil {
		return es.Ref{}, err
	}
	if err := i.Update(def); err != nil {
		return es.Ref{}, err
	}
	if err := s.checkRefs(ctx, i.Def); err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, i, meta)
}

// SetStatus publishes, deprecates, disables or deletes a version.
func (s *Interfaces) SetStatus(ctx context.Context, code, version, status string, meta es.Metadata) (es.Ref, error) {
	i, err := s.load(ctx, code, version)
	if err != nil {
		return es.Ref{}, err
	}
	if err := i.SetStatus(status); err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, i, meta)
}

// Copy starts a new version (or, with a new code, a new interface) from an existing definition.
func (s *Interfaces) Copy(ctx context.Context, code, version, newCode, newVersion string, meta es.Metadata) (es.Ref, error) {
	i, err := s.load(ctx, code, version)
	if err != nil {
		return es.Ref{}, err
	}
	def := i.Def
	if newCode != "" {
		def.Code = newCode
	}
	if newVersion == "" && newCode == "" {
		newVersion = nextVersion(def.Version)
	}
	if newVersion != "" {
		def.Version = newVersion
	}
	return s.Create(ctx, def, meta)
}

// ReportInput creates or edits a report.
type ReportInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Owner       string `json:"owner"`
}

// SaveReport creates (id "") or edits a report.
func (s *Interfaces) SaveReport(ctx context.Context, id string, in ReportInput, meta es.Metadata) (es.Ref, error) {
	in.Name = strings.TrimSpace(in.Name)
	var v fault.Collect
	v.Check(in.Name != "" && len([]rune(in.Name)) <= 128, "name", "name must have 1-128 characters")
	v.Check(len([]rune(in.Description)) <= 1000, "description", "description must have at most 1,000 characters")
	if err := v.Err(); err != nil {
		return es.Ref{}, err
	}
	if id == "" {
		id = "report-" + uuid.NewString()
	} else if ok, _, err := s.reports.ReportExists(ctx, id); err != nil {
		return es.Ref{}, err
	} else if !ok {
		return es.Ref{}, fault.NotFound("report", id)
	}
	return s.recorder.Record(ctx, id, dataservice.StreamReport, dataservice.ReportSaved{ReportID: id, Name: in.Name, Description: in.Description, Owner: in.Owner}, meta)
}

// DeleteReport removes a report that holds no interfaces.
func (s *Interfaces) DeleteReport(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	ok, n, err := s.reports.ReportExists(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if !ok {
		return es.Ref{}, fault.NotFound("report", id)
	}
	if n > 0 {
		return es.Ref{}, fault.Conflict("the report still holds interfaces; move or delete them first")
	}
	return s.recorder.Record(ctx, id, dataservice.StreamReport, dataservice.ReportDeleted{ReportID: id}, meta)
}
