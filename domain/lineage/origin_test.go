package lineage

import (
	"testing"

	es "assetflow/domain/eventsourcing"
)

func TestOriginAssertRetiresWhatTheJobNoLongerSays(t *testing.T) {
	o := &Origin{}
	first := []Edge{{"a", "t", LevelTable, KindDirect}, {"a.x", "t.x", LevelColumn, KindDirect}}
	if err := o.Assert(OriginETL, "daily", first, true); err != nil {
		t.Fatal(err)
	}
	if len(o.Changes()) != 2 || o.ID() != OriginID(OriginETL, "daily") {
		t.Fatalf("first assert: %d changes, id %s", len(o.Changes()), o.ID())
	}
	o.Committed(2)
	// Same edges again: nothing to record.
	if err := o.Assert(OriginETL, "daily", first, true); err != nil || len(o.Changes()) != 0 {
		t.Fatalf("repeat: %v %d", err, len(o.Changes()))
	}
	// The job now reads b instead of a.
	second := []Edge{{"b", "t", LevelTable, KindDirect}, {"b.x", "t.x", LevelColumn, KindDirect}}
	if err := o.Assert(OriginETL, "daily", second, true); err != nil {
		t.Fatal(err)
	}
	var found, retired int
	for _, e := range o.Changes() {
		switch e.(type) {
		case EdgeFound:
			found++
		case EdgeRetired:
			retired++
		}
	}
	if found != 2 || retired != 2 || len(o.Edges()) != 2 || o.Edges()[0].From != "b" {
		t.Fatalf("found %d retired %d edges %v", found, retired, o.Edges())
	}
	// Rebuilt from its events the origin holds the same edges.
	again := &Origin{}
	es.Replay(again, 6, EdgeFound{Origin: "daily", Edge: first[0]}, EdgeFound{Origin: "daily", Edge: first[1]},
		EdgeRetired{Origin: "daily", Edge: first[0]}, EdgeRetired{Origin: "daily", Edge: first[1]},
		EdgeFound{Origin: "daily", Edge: second[0]}, EdgeFound{Origin: "daily", Edge: second[1]})
	if len(again.Edges()) != 2 || again.Edges()[1] != second[1] {
		t.Fatalf("replayed: %v", again.Edges())
	}
	// One-off assertions add without retiring.
	o.Committed(6)
	if err := o.Assert(OriginETL, "daily", []Edge{{"c", "t", LevelTable, KindDirect}}, false); err != nil || len(o.Changes()) != 1 || len(o.Edges()) != 3 {
		t.Fatalf("additive: %v %d %v", err, len(o.Changes()), o.Edges())
	}
}

func TestOriginAssertRejectsBadEdges(t *testing.T) {
	for _, e := range []Edge{{"", "t", LevelTable, KindDirect}, {"a", "t", "row", KindDirect}, {"a", "t", LevelTable, "maybe"}} {
		if err := (&Origin{}).Assert(OriginETL, "j", []Edge{e}, true); err == nil {
			t.Errorf("%v accepted", e)
		}
	}
	if err := (&Origin{}).Assert(OriginETL, " ", nil, true); err == nil {
		t.Error("blank job name accepted")
	}
}

func TestEdgesOf(t *testing.T) {
	r := Combine([]Statement{{Reads: []string{"ods.s"}, Writes: []string{"dw.t"}, Columns: []Pair{{"ods.s.a", "dw.t.a"}}, Indirect: []Pair{{"ods.s.k", "dw.t.a"}}}}, nil)
	edges := EdgesOf(r, func(t string) string { return "pg1." + t })
	want := []Edge{
		{"pg1.ods.s", "pg1.dw.t", LevelTable, KindDirect},
		{"pg1.ods.s.a", "pg1.dw.t.a", LevelColumn, KindDirect},
		{"pg1.ods.s.k", "pg1.dw.t.a", LevelColumn, KindIndirect},
	}
	if len(edges) != len(want) {
		t.Fatalf("%v", edges)
	}
	for i := range want {
		if edges[i] != want[i] {
			t.Errorf("edge %d: %v, want %v", i, edges[i], want[i])
		}
	}
}
