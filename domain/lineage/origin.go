package lineage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Levels and kinds of edges.
const (
	LevelTable   = "table"
	LevelColumn  = "column"
	KindDirect   = "direct"
	KindIndirect = "indirect"
)

// Edge is one lineage edge between two nodes. Nodes are dotted names: a table is
// "<datasource>.<schema>.<table>" (or as the SQL wrote it when no datasource is known), a column
// adds ".<column>".
type Edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Level string `json:"level"`
	Kind  string `json:"kind"`
}

// EdgeFound: an origin (an ETL job, a view, a sync task, a report API) asserts an edge.
type EdgeFound struct {
	Origin     string `json:"origin"`
	OriginKind string `json:"origin_kind"`
	Edge
}

// EdgeRetired: the origin no longer asserts the edge (its SQL changed).
type EdgeRetired struct {
	Origin     string `json:"origin"`
	OriginKind string `json:"origin_kind"`
	Edge
}

func (EdgeFound) EventType() string   { return "lineage.edge_found" }
func (EdgeRetired) EventType() string { return "lineage.edge_retired" }

// StreamOrigin is the stream type of origins.
const StreamOrigin = "lineage-origin"

// Events lists every event type of the context.
func Events() []es.Event { return []es.Event{EdgeFound{}, EdgeRetired{}} }

// Origin kinds.
const (
	OriginETL     = "etl"
	OriginConsole = "console"
	OriginView    = "view"
	OriginSync    = "sync"
	OriginReport  = "report_api"
)

// Origin is the set of edges one source of lineage currently asserts.
type Origin struct {
	es.Root
	name  string
	kind  string
	edges map[Edge]bool
}

func (*Origin) StreamType() string { return StreamOrigin }

// OriginID is the stream id of an origin: kind and name hashed, so any job name is a valid id.
func OriginID(kind, name string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + name))
	return StreamOrigin + "-" + hex.EncodeToString(sum[:12])
}

// Edges are the edges the origin asserts now, sorted.
func (o *Origin) Edges() []Edge {
	out := make([]Edge, 0, len(o.edges))
	for e := range o.edges {
		out = append(out, e)
	}
	sortEdges(out)
	return out
}

func sortEdges(es []Edge) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Level != b.Level {
			return a.Level > b.Level // table before column
		}
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
}

// Assert replaces the origin's edges: new edges are found, edges no longer asserted are retired.
// With replace false (one-off statements, e.g. from the query console) nothing is retired.
func (o *Origin) Assert(kind, name string, edges []Edge, replace bool) error {
	if strings.TrimSpace(name) == "" {
		return fault.Field("job_name", "required")
	}
	if o.ID() == "" {
		o.SetID(OriginID(kind, name))
	}
	want := map[Edge]bool{}
	for _, e := range edges {
		if err := e.validate(); err != nil {
			return err
		}
		want[e] = true
	}
	var found, retired []Edge
	for e := range want {
		if !o.edges[e] {
			found = append(found, e)
		}
	}
	if replace {
		for e := range o.edges {
			if !want[e] {
				retired = append(retired, e)
			}
		}
	}
	sortEdges(found)
	sortEdges(retired)
	for _, e := range retired {
		es.Record(o, EdgeRetired{Origin: name, OriginKind: kind, Edge: e})
	}
	for _, e := range found {
		es.Record(o, EdgeFound{Origin: name, OriginKind: kind, Edge: e})
	}
	return nil
}

func (e Edge) validate() error {
	if e.From == "" || e.To == "" {
		return fault.Field("edges", "an edge needs both ends")
	}
	if e.Level != LevelTable && e.Level != LevelColumn {
		return fault.Field("edges", fmt.Sprintf("level %q is neither table nor column", e.Level))
	}
	if e.Kind != KindDirect && e.Kind != KindIndirect {
		return fault.Field("edges", fmt.Sprintf("kind %q is neither direct nor indirect", e.Kind))
	}
	return nil
}

// Transition applies an event.
func (o *Origin) Transition(ev es.Event) {
	if o.edges == nil {
		o.edges = map[Edge]bool{}
	}
	switch v := ev.(type) {
	case EdgeFound:
		o.name, o.kind = v.Origin, v.OriginKind
		o.edges[v.Edge] = true
	case EdgeRetired:
		delete(o.edges, v.Edge)
	}
}

// EdgesOf turns an analysis into edges; qualify maps a table name as the SQL wrote it to a node
// name (e.g. prefixing the datasource). Table edges come from each statement's reads and writes;
// column edges from the column pairs.
func EdgesOf(r Result, qualify func(table string) string) []Edge {
	if qualify == nil {
		qualify = func(t string) string { return t }
	}
	col := func(c string) string {
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			return c
		}
		return qualify(c[:i]) + c[i:]
	}
	var out []Edge
	for _, p := range r.Tables {
		out = append(out, Edge{From: qualify(p[0]), To: qualify(p[1]), Level: LevelTable, Kind: KindDirect})
	}
	for _, p := range r.ColumnLineage {
		out = append(out, Edge{From: col(p[0]), To: col(p[1]), Level: LevelColumn, Kind: KindDirect})
	}
	for _, p := range r.Indirect {
		out = append(out, Edge{From: col(p[0]), To: col(p[1]), Level: LevelColumn, Kind: KindIndirect})
	}
	return out
}
