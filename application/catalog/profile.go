package catalog

import (
	"context"

	domain "assetflow/domain/catalog"
	es "assetflow/domain/eventsourcing"
)

// ProfileTarget is what profiling needs to know of a catalog table.
type ProfileTarget struct {
	DatasourceID, Database, Schema, Name string
	Columns                              []domain.Column
	Masked                               map[string]bool
	Rows                                 *int64
	SizeBytes                            *int64
}

// Targets resolves catalog tables for profiling.
type Targets interface {
	ProfileTarget(ctx context.Context, tableID string) (ProfileTarget, error)
}

// Profiler takes table profiles.
type Profiler struct {
	sources  Sources
	targets  Targets
	recorder Recorder
	// SampleRows caps rows read per profile; default 100,000.
	SampleRows int
}

// NewProfiler wires profiling.
func NewProfiler(sources Sources, targets Targets, recorder Recorder) *Profiler {
	if sources == nil || targets == nil || recorder == nil {
		panic("catalog.NewProfiler: nil dependency")
	}
	return &Profiler{sources: sources, targets: targets, recorder: recorder, SampleRows: 100000}
}

// Profile reads a sample of the table, records the profile and returns it. Columns tagged with a
// sensitive tag report counts only.
func (p *Profiler) Profile(ctx context.Context, tableID string, meta es.Metadata) (domain.TableProfiled, es.Ref, error) {
	t, err := p.targets.ProfileTarget(ctx, tableID)
	if err != nil {
		return domain.TableProfiled{}, es.Ref{}, err
	}
	src, _, err := p.sources.Open(ctx, t.DatasourceID)
	if err != nil {
		return domain.TableProfiled{}, es.Ref{}, err
	}
	prof, err := src.Profile(ctx, domain.ProfileSpec{Database: t.Database, Schema: t.Schema, Table: t.Name, Columns: t.Columns,
		Masked: t.Masked, SampleRows: p.SampleRows})
	if err != nil {
		return domain.TableProfiled{}, es.Ref{}, err
	}
	prof.TableID = tableID
	prof.SizeBytes = t.SizeBytes
	if prof.Sampled && t.Rows != nil && *t.Rows > prof.Rows {
		prof.Rows = *t.Rows // the sample was capped: report the source's own estimate
	}
	ref, err := p.recorder.Record(ctx, tableID, domain.StreamTable, prof, meta)
	return prof, ref, err
}
