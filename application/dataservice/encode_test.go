package dataservice

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestEncodeRowsMatchesEncodingJSON(t *testing.T) {
	rows := []map[string]any{
		{"id": int64(1), "name": "Li \"Lei\"\n\t\\", "amount": 12.5, "ok": true, "none": nil, "tiny": 1e-9, "big": 1e22, "zero": 0.0},
		{"id": int64(-9007199254740991), "name": "长\u2028\x01" + string([]byte{0xff}), "amount": math.Pi, "ok": false, "none": "x", "tiny": 0.5, "big": 3.0, "zero": math.Copysign(0, -1)},
		{"id": int64(2), "name": "<a>&"},
	}
	cols := []string{"id", "name", "amount", "ok", "none", "tiny", "big", "zero", "id"}
	got, err := EncodeRows(cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), `[{"id":1,"name":`) {
		t.Errorf("keys not in column order: %s", got)
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	want, _ := json.Marshal(rows)
	_ = json.Unmarshal(want, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func BenchmarkEncodeRows(b *testing.B) {
	rows := make([]map[string]any, 50)
	for i := range rows {
		rows[i] = map[string]any{"id": int64(i), "name": "name " + strings.Repeat("x", i%20), "amount": float64(i) * 1.5, "region": "华东"}
	}
	cols := []string{"id", "name", "amount", "region"}
	b.Run("EncodeRows", func(b *testing.B) {
		for b.Loop() {
			_, _ = EncodeRows(cols, rows)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(rows)
		}
	})
}
