package integration

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
)

// Parallel splits: a table with a single integer primary key that is big enough is copied as
// several keyset passes at once, each over its own range of the key. The ranges are cut once, when
// the table's pass begins, and stored in the table's progress mark (the plan), so a resumed pass
// keeps them; each split keeps its own marks under SplitKey.
const (
	// DefaultParallelism is how many splits a table is copied in when the task leaves it to the
	// engine (parallelism 0) and the target has no preference of its own.
	DefaultParallelism = 4
	// MaxParallelism bounds a task's parallelism (each split holds a source and a target
	// connection while it runs).
	MaxParallelism = 8
	// DefaultMinSplitRows is the fewest rows a split is planned for: a smaller table is copied in
	// one pass.
	DefaultMinSplitRows = 50000
)

// SplitCuts divides the integer key range [lo, hi] of a table of about rows rows into at most
// parallelism splits of at least max(minRows, 2 × chunkRows) rows each. It returns the cuts: split
// k (1-based, of len(cuts)+1) holds the keys above cuts[k-2] (k > 1) up to cuts[k-1] inclusive
// (k ≤ len(cuts)); the first split has no lower bound and the last no upper one, so rows outside
// [lo, hi] still belong to a split. nil means one pass.
func SplitCuts(lo, hi, rows int64, chunkRows, parallelism, minRows int) []int64 {
	if parallelism < 2 || hi <= lo || rows <= 0 {
		return nil
	}
	per := int64(max(minRows, 2*chunkRows, 1))
	n := uint64(min(int64(parallelism), rows/per))
	span := uint64(hi - lo) // two's complement: right even when hi - lo overflows int64
	if n > span {
		n = span
	}
	if n < 2 {
		return nil
	}
	cuts := make([]int64, 0, n-1)
	for k := uint64(1); k < n; k++ {
		h, l := bits.Mul64(span, k)
		q, _ := bits.Div64(h, l, n)
		cuts = append(cuts, lo+int64(q))
	}
	return cuts
}

// SplitRange is the key range of split k (1-based) of a plan: after (nil: from the start) and
// through (nil: to the end).
func SplitRange(cuts []int64, k int) (after, through any) {
	if k > 1 {
		after = cuts[k-2]
	}
	if k <= len(cuts) {
		through = cuts[k-1]
	}
	return after, through
}

// SplitKey names split k of n of a table in the progress table.
func SplitKey(progressKey string, k, n int) string {
	return fmt.Sprintf("%s#split-%d/%d", progressKey, k, n)
}

const planPrefix = `{"splits":`

// EncodeSplitPlan is the plan as the table's mark stores it (in last_key).
func EncodeSplitPlan(cuts []int64) string {
	b, _ := json.Marshal(struct {
		Splits []int64 `json:"splits"`
	}{cuts})
	return string(b)
}

// DecodeSplitPlan reads a mark's last_key as a plan; ok is false for an ordinary key.
func DecodeSplitPlan(s string) (cuts []int64, ok bool, err error) {
	if !strings.HasPrefix(s, planPrefix) {
		return nil, false, nil
	}
	var p struct {
		Splits []int64 `json:"splits"`
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, true, fmt.Errorf("read the stored split plan %q: %w", s, err)
	}
	if len(p.Splits) == 0 {
		return nil, true, fmt.Errorf("the stored split plan %q has no cuts", s)
	}
	return p.Splits, true, nil
}

// Splittable reports whether a key can be split: one integer column.
func Splittable(key []ColumnType) bool {
	if len(key) != 1 {
		return false
	}
	switch key[0].Kind {
	case TypeSmallInt, TypeInt, TypeBigInt:
		return true
	}
	return false
}
