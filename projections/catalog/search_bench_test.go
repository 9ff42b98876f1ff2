package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"assetflow/application/page"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/catalog"
)

// BenchmarkCatalogSearch100k measures catalog search over 100,000 tables (5 columns each) with
// full-text terms, name filters and pages. The read model is filled with generate_series in the
// shape the projection writes, which is what search cost depends on.
func BenchmarkCatalogSearch100k(b *testing.B) {
	pool := pgtest.NewPool(b, catalog.Projection{}.Migration())
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `insert into catalog_tables (id, datasource_id, datasource_name, database, name, comment, last_changed_at,
		first_synced_at, own_synced_at, column_count, search)
		select 'table-' || i, 'ds-' || (i % 20), 'source ' || (i % 20), 'db_' || (i % 200), 'tbl_' || i || '_' || md5(i::text),
		'业务表 ' || (i % 997), now() - (i || ' seconds')::interval, now(), now(), 5,
		lower('tbl_' || i || '_' || md5(i::text) || ' 业务表 ' || (i % 997) || ' db_' || (i % 200) ||
			' id 主键 customer_' || (i % 5000) || ' 客户 amount 金额 created_at 创建时间 region_' || (i % 31))
		from generate_series(1, 100000) i`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `analyze catalog_tables`); err != nil {
		b.Fatal(err)
	}
	q := catalog.Queries{Pool: pool}
	filters := []catalog.TableFilter{
		{Q: "customer_4242"}, {Q: "客户"}, {Q: "region_7"}, {Name: "tbl_99"}, {Q: "md5"}, {Database: "db_17"},
		{Q: "业务表 42"}, {Name: "nosuchtable"}, {Q: "amount", DatasourceID: "ds-3"}, {},
	}
	pg, _ := page.New(1, 20)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := filters[i%len(filters)]
		start := time.Now()
		if _, err := q.Tables(ctx, f, pg); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if testing.Verbose() {
		per := map[int][]time.Duration{}
		for i, l := range lat {
			per[i%len(filters)] = append(per[i%len(filters)], l)
		}
		for i, ls := range per {
			slices.Sort(ls)
			b.Logf("%+v: p50 %s max %s", filters[i], ls[len(ls)/2], ls[len(ls)-1])
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	_ = fmt.Sprint()
}
