package sqlparse

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// etlMix is a realistic mix of ETL statements: the PostgreSQL-grammar cases of the test suite
// (CTEs, joins, subqueries, windows, MERGE, scripts), each analysed as a whole.
func etlMix() []string {
	var out []string
	for _, c := range pgCases {
		out = append(out, c.sql)
	}
	return out
}

// BenchmarkLineageParse measures the analyser (parse + lineage) on the mix; statements/s is the
// figure docs/benchmarks.md reports.
func BenchmarkLineageParse(b *testing.B) {
	mix := etlMix()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Lineage(LineageOptions{Dialect: "postgres"}, mix[i%len(mix)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
}

// BenchmarkLineageParseBaseline is the parser alone on the same mix: the floor the analysis adds to.
func BenchmarkLineageParseBaseline(b *testing.B) {
	mix := etlMix()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := pg.Parse(mix[i%len(mix)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
}

// BenchmarkLineageParseHive measures the Hive path (token rewrite, then the same parser).
func BenchmarkLineageParseHive(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Lineage(LineageOptions{Dialect: "hive"}, hiveCases[i%len(hiveCases)].sql); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
}

// BenchmarkLineageParseMySQL measures the TiDB path.
func BenchmarkLineageParseMySQL(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Lineage(LineageOptions{Dialect: "mysql"}, mysqlCases[i%len(mysqlCases)].sql); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
}
