package lineage

import (
	"slices"
	"testing"
)

func TestCombine(t *testing.T) {
	res := Combine([]Statement{
		{Reads: []string{"u"}, Writes: []string{"t"}, Columns: []Pair{{"u.a", "t.a"}}},
		{Reads: []string{"s"}, Writes: []string{"tmp"}, Columns: []Pair{{"s.a", "tmp.a"}}, Indirect: []Pair{{"s.k", "tmp.a"}, {"s.a", "tmp.a"}}},
		{Reads: []string{"tmp", "u"}, Writes: []string{"out"}, Columns: []Pair{{"tmp.a", "out.a"}, {"s.a", "tmp.a"}}},
		{Reads: []string{"out"}}, // a read after the last write makes out an intermediate
	}, nil)
	check := func(what string, got, want []string) {
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}
	check("sources", res.Sources, []string{"s", "u"})
	check("targets", res.Targets, []string{"t"})
	check("intermediates", res.Intermediates, []string{"out", "tmp"})
	if !slices.Equal(res.ColumnLineage, []Pair{{"s.a", "tmp.a"}, {"tmp.a", "out.a"}, {"u.a", "t.a"}}) {
		t.Errorf("column lineage: %q", res.ColumnLineage)
	}
	if !slices.Equal(res.Indirect, []Pair{{"s.k", "tmp.a"}}) {
		t.Errorf("indirect (direct edges excluded): %q", res.Indirect)
	}
	if res.Errors == nil {
		t.Error("errors must encode as [] not null")
	}
}

func TestCombineEmpty(t *testing.T) {
	res := Combine(nil, []string{"statement 1: syntax error"})
	if len(res.Sources)+len(res.Targets)+len(res.Intermediates)+len(res.ColumnLineage) != 0 || len(res.Errors) != 1 {
		t.Fatalf("%+v", res)
	}
	if res.Sources == nil || res.ColumnLineage == nil || res.Indirect == nil {
		t.Fatal("empty lists must be non-nil")
	}
}
