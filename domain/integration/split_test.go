package integration

import (
	"math"
	"slices"
	"testing"
)

func TestSplitCuts(t *testing.T) {
	cases := []struct {
		name                      string
		lo, hi, rows              int64
		chunk, parallelism, minRs int
		want                      []int64
	}{
		{"a million rows in four", 1, 1000000, 1000000, 10000, 4, 50000, []int64{250000, 500000, 750000}},
		{"too small for splits", 1, 60000, 60000, 5000, 4, 50000, nil},
		{"two splits fit", 1, 100000, 100000, 5000, 4, 50000, []int64{50000}},
		{"chunks decide when bigger", 1, 100000, 100000, 10000, 8, 1000, []int64{20000, 40000, 60000, 80000}},
		{"parallelism one", 1, 1000000, 1000000, 10000, 1, 50000, nil},
		{"no rows", 1, 1000000, 0, 10000, 4, 50000, nil},
		{"one key", 5, 5, 1000000, 10000, 4, 1, nil},
		{"narrow key range", 10, 12, 1000000, 10, 8, 1, []int64{11}},
		{"negative keys", -400, 399, 800, 10, 4, 100, []int64{-201, -1, 199}},
	}
	for _, c := range cases {
		got := SplitCuts(c.lo, c.hi, c.rows, c.chunk, c.parallelism, c.minRs)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// The whole int64 range cuts without overflow, in order.
	cuts := SplitCuts(math.MinInt64, math.MaxInt64, math.MaxInt64, 10000, 4, 1)
	if len(cuts) != 3 || !slices.IsSorted(cuts) || cuts[1] != -1 {
		t.Fatalf("full range cuts %v", cuts)
	}
}

func TestSplitRangesCoverTheKeyOnce(t *testing.T) {
	cuts := SplitCuts(1, 1000, 1000, 10, 4, 100)
	n := len(cuts) + 1
	owner := map[int64]int{}
	for key := int64(-5); key <= 1005; key++ {
		for k := 1; k <= n; k++ {
			after, through := SplitRange(cuts, k)
			if (after == nil || key > after.(int64)) && (through == nil || key <= through.(int64)) {
				if prev, ok := owner[key]; ok {
					t.Fatalf("key %d in splits %d and %d", key, prev, k)
				}
				owner[key] = k
			}
		}
		if _, ok := owner[key]; !ok {
			t.Fatalf("key %d in no split", key)
		}
	}
}

func TestSplitPlanRoundTrip(t *testing.T) {
	text := EncodeSplitPlan([]int64{10, 20, 30})
	cuts, ok, err := DecodeSplitPlan(text)
	if err != nil || !ok || !slices.Equal(cuts, []int64{10, 20, 30}) {
		t.Fatalf("%s: %v %v %v", text, cuts, ok, err)
	}
	if _, ok, err := DecodeSplitPlan(EncodeValues([]any{int64(7)})); ok || err != nil {
		t.Fatalf("an ordinary key read as a plan: %v %v", ok, err)
	}
	if _, ok, err := DecodeSplitPlan(`{"splits":[]}`); !ok || err == nil {
		t.Fatalf("an empty plan: %v %v", ok, err)
	}
	if SplitKey("db.t", 2, 4) != "db.t#split-2/4" {
		t.Fatal(SplitKey("db.t", 2, 4))
	}
	if !Splittable([]ColumnType{{Kind: TypeBigInt}}) || Splittable([]ColumnType{{Kind: TypeVarchar}}) || Splittable([]ColumnType{{Kind: TypeInt}, {Kind: TypeInt}}) {
		t.Fatal("splittable keys")
	}
}
