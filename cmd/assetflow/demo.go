package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	appaccess "assetflow/application/access"
	appcat "assetflow/application/catalog"
	appdsvc "assetflow/application/dataservice"
	appds "assetflow/application/datasource"
	appint "assetflow/application/integration"
	applineage "assetflow/application/lineage"
	"assetflow/application/page"
	"assetflow/application/permission"
	appquality "assetflow/application/quality"
	"assetflow/domain/dataservice"
	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/integration"
	domquality "assetflow/domain/quality"
	accessproj "assetflow/projections/access"
	catproj "assetflow/projections/catalog"
	dsvcproj "assetflow/projections/dataservice"
	dsproj "assetflow/projections/datasource"
	intproj "assetflow/projections/integration"
	qualityproj "assetflow/projections/quality"
	"assetflow/projections/runner"
)

// The demo workspace: on a store without datasources, `serve` (ASSETFLOW_DEMO, on by default)
// builds a sales data warehouse in PostgreSQL (and an operational copy in MariaDB when it is
// reachable), registers both, collects and classifies their metadata, records the ETL lineage,
// defines quality rules (one fails on purpose), publishes the sales_daily_summary report API with
// an API key, syncs the MariaDB copy into the warehouse, and creates an analyst who reads customer
// PII masked. Each step looks for what it
// makes first, so a restart after an interruption finishes the job without doubling anything.

const (
	demoPGDatabase    = "assetflow_demo"
	demoMariaDatabase = "assetflow_demo_ops"
	demoDW            = "demo_dw"
	demoOps           = "demo_ops"
	demoAnalyst       = "analyst"
	// DemoAnalystPassword is documented in the README; the account only reads masked demo data.
	demoAnalystPassword = "Analyst-Demo-1"
)

type demo struct {
	cfgURL     string
	mariaDSN   string
	access     *appaccess.Service
	users      accessproj.Queries
	sources    *appds.Service
	sourcesQ   dsproj.Queries
	collector  *appcat.Collector
	curator    *appcat.Curator
	catalog    catproj.Queries
	lineage    *applineage.Service
	quality    *appquality.Service
	qualityQ   qualityproj.Queries
	interfaces *appdsvc.Interfaces
	ifaceQ     dsvcproj.Queries
	perms      *permission.Service
	sync       *appint.Service
	syncQ      intproj.Queries
	waiter     *runner.Waiter
	meta       es.Metadata
}

// demoSalesSQL builds the warehouse: dimensions, orders and lines, a staging copy, the daily fact
// and a monthly report table; about 125,000 rows. Two percent of customers lack an email: the
// quality rule on it fails on purpose.
const demoSalesSQL = `
create table if not exists stores (id text primary key, name text not null, city text not null, region text not null, opened_on date not null);
comment on table stores is '门店';
create table if not exists products (id int primary key, sku text not null, name text not null, category text not null, price numeric(10,2) not null);
comment on table products is '商品';
create table if not exists customers (id int primary key, name text not null, phone text, email text, id_card text, city text, created_at timestamptz not null);
comment on table customers is '客户';
comment on column customers.phone is '手机号';
comment on column customers.id_card is '身份证号';
create table if not exists orders (id bigint primary key, customer_id int not null, store_id text not null, order_date date not null, status text not null, amount numeric(12,2) not null);
comment on table orders is '订单';
create table if not exists order_lines (id bigint primary key, order_id bigint not null, product_id int not null, qty int not null, price numeric(10,2) not null);
comment on table order_lines is '订单明细';
create table if not exists stg_orders (id bigint, customer_id int, store_id text, order_date date, status text, amount numeric(12,2), loaded_at timestamptz);
comment on table stg_orders is '订单贴源层';
create table if not exists fact_sales (date date not null, store_id text not null, order_id bigint not null, amount numeric(12,2) not null);
comment on table fact_sales is '销售事实表';
create table if not exists rpt_sales_monthly (month text not null, region text not null, total_amount numeric(14,2) not null, order_count bigint not null);
comment on table rpt_sales_monthly is '月度区域销售报表';
insert into stores select 'S' || lpad(g::text, 2, '0'), (array['静安','浦东','徐汇','天河','福田','西湖','武侯','江北','鼓楼','南山'])[1 + g % 10] || '店' || g,
  (array['上海','上海','上海','广州','深圳','杭州','成都','重庆','南京','深圳'])[1 + g % 10], (array['华东','华东','华东','华南','华南','华东','西南','西南','华东','华南'])[1 + g % 10],
  date '2018-01-01' + g * 37 from generate_series(1, 20) g on conflict do nothing;
insert into products select g, 'SKU-' || lpad(g::text, 5, '0'), (array['咖啡豆','绿茶','酸奶','面包','牛奶','果汁','坚果','巧克力'])[1 + g % 8] || ' ' || g,
  (array['饮品','饮品','乳品','烘焙','乳品','饮品','零食','零食'])[1 + g % 8], round((5 + (g * 7919 % 200) / 3.0)::numeric, 2) from generate_series(1, 300) g on conflict do nothing;
insert into customers select g, (array['王','李','张','刘','陈','杨','赵','黄'])[1 + g % 8] || (array['伟','芳','娜','敏','静','磊','洋','勇'])[1 + (g / 8) % 8],
  '13' || lpad(((g * 7919) % 1000000000)::text, 9, '0'), case when g % 50 = 0 then null else 'user' || g || '@example.cn' end,
  '1101011990' || lpad((g % 10000)::text, 4, '0') || lpad((g % 9999)::text, 4, '0'), (array['上海','广州','深圳','杭州','成都','南京'])[1 + g % 6],
  timestamptz '2024-01-01' + g * interval '1 hour' from generate_series(1, 5000) g on conflict do nothing;
insert into orders select g, 1 + (g * 31) % 5000, 'S' || lpad((1 + g % 20)::text, 2, '0'), date '2025-01-01' + (g % 181), (array['paid','paid','paid','shipped','refunded'])[1 + g % 5],
  round((20 + (g * 7919 % 50000) / 100.0)::numeric, 2) from generate_series(1, 30000) g on conflict do nothing;
insert into order_lines select g, 1 + (g - 1) / 2, 1 + (g * 13) % 300, 1 + g % 4, round((5 + (g * 31 % 200) / 3.0)::numeric, 2) from generate_series(1, 60000) g on conflict do nothing;
insert into stg_orders select o.*, now() from orders o where not exists (select 1 from stg_orders);
insert into fact_sales select order_date, store_id, id, amount from stg_orders where status <> 'refunded' and not exists (select 1 from fact_sales);
insert into rpt_sales_monthly select to_char(f.date, 'YYYY-MM'), s.region, sum(f.amount), count(*) from fact_sales f join stores s on s.id = f.store_id
  where not exists (select 1 from rpt_sales_monthly) group by 1, 2;`

// demoETL is the warehouse's load, as its ETL jobs would log it: staging → fact → report.
var demoETL = []applineage.ETLLog{
	{JobName: "ods_load_orders", SQL: `insert into stg_orders (id, customer_id, store_id, order_date, status, amount, loaded_at)
		select id, customer_id, store_id, order_date, status, amount, now() from orders`},
	{JobName: "dwd_fact_sales", SQL: `insert into fact_sales (date, store_id, order_id, amount)
		select order_date, store_id, id, amount from stg_orders where status <> 'refunded'`},
	{JobName: "ads_sales_monthly", SQL: `insert into rpt_sales_monthly (month, region, total_amount, order_count)
		select to_char(f.date, 'YYYY-MM'), s.region, sum(f.amount), count(*) from fact_sales f join stores s on s.id = f.store_id group by 1, 2`},
}

// demoReportAPI is the seed's sales_daily_summary, public so that the first call needs nothing.
const demoReportAPI = `{
  "code": "sales_daily_summary", "name": "每日销售汇总", "description": "按日期和门店维度汇总销售额与订单量。", "version": "1.0.0",
  "tags": ["sales", "report"], "owner": "BI-Team", "visibility": "public", "method": "GET", "auth_required": false,
  "rate_limit": {"rps": 50, "burst": 200},
  "parameters": [
    {"name": "startDate", "in": "query", "type": "date", "required": true, "format": "yyyy-MM-dd", "description": "开始日期", "example": "2025-01-01"},
    {"name": "endDate", "in": "query", "type": "date", "required": true, "format": "yyyy-MM-dd", "description": "结束日期", "example": "2025-01-31"},
    {"name": "storeId", "in": "query", "type": "string", "required": false, "description": "门店ID", "max_length": 10},
    {"name": "page", "in": "query", "type": "integer", "default": 1, "minimum": 1},
    {"name": "pageSize", "in": "query", "type": "integer", "default": 50, "maximum": 1000}
  ],
  "fields": [
    {"name": "date", "title": "日期", "data_type": "string", "display": true, "export": true},
    {"name": "store_id", "title": "门店", "data_type": "string", "display": true, "export": true},
    {"name": "total_amount", "title": "销售额", "data_type": "decimal", "display": true, "export": true},
    {"name": "order_count", "title": "订单量", "data_type": "integer", "display": true, "export": true}
  ],
  "query_type": "sql", "safe_mode": true, "timeout_ms": 20000,
  "query_template": "select to_char(date, 'YYYY-MM-DD') as date, store_id, sum(amount) as total_amount, count(order_id) as order_count from fact_sales where date between :startDate and :endDate and (:storeId::text is null or store_id = :storeId) group by date, store_id order by date, store_id",
  "pagination": {"enabled": true, "default_page_size": 50, "max_page_size": 1000},
  "cache": {"enabled": true, "ttl_seconds": 60}, "audit": true
}`

// wanted reports whether the demo belongs in this workspace: not when someone registered
// datasources of their own, and not again after the demo datasource was removed.
func wantDemo(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (bool, error) {
	var other, removed bool
	err := q.QueryRow(ctx, `select
		exists (select 1 from events where type = 'datasource.registered' and payload->>'name' not in ($1, $2)),
		exists (select 1 from events r where r.type = 'datasource.removed' and r.stream_id in
			(select stream_id from events where type = 'datasource.registered' and payload->>'name' = $1))`, demoDW, demoOps).Scan(&other, &removed)
	return !other && !removed, err
}

// seed builds whatever of the demo is missing. A step that cannot be done (MariaDB absent) is
// logged and skipped.
func (d *demo) seed(ctx context.Context) error {
	start := time.Now()
	dw, err := d.warehouse(ctx)
	if err != nil {
		return fmt.Errorf("demo warehouse: %w", err)
	}
	ops, err := d.operational(ctx)
	if err != nil {
		slog.Info("demo: no MariaDB operational copy", "reason", err)
	}
	dwID, err := d.datasource(ctx, demoDW, "postgresql", dw)
	if err != nil {
		return err
	}
	if err := d.collect(ctx, dwID, ""); err != nil {
		return err
	}
	if err := d.reportAPI(ctx, dwID); err != nil {
		return err
	}
	if ops != nil {
		opsID, err := d.datasource(ctx, demoOps, "mariadb", ops)
		if err != nil {
			return err
		}
		if err := d.collect(ctx, opsID, demoMariaDatabase); err != nil {
			return err
		}
		if err := d.syncTask(ctx, opsID, dwID); err != nil {
			return err
		}
	}
	tables, err := d.tables(ctx, dwID)
	if err != nil {
		return err
	}
	if err := d.classify(ctx, tables); err != nil {
		return err
	}
	for _, job := range demoETL {
		job.DatasourceID = dwID
		if _, err := d.lineage.IngestETL(ctx, job, d.meta); err != nil {
			return fmt.Errorf("demo lineage %s: %w", job.JobName, err)
		}
	}
	if err := d.rules(ctx, tables); err != nil {
		return err
	}
	if err := d.analyst(ctx, dwID); err != nil {
		return err
	}
	slog.Info("demo workspace ready", "took", time.Since(start).Round(time.Millisecond), "datasource", dwID)
	return nil
}

// warehouse creates the demo database on the platform's PostgreSQL server and fills it.
func (d *demo) warehouse(ctx context.Context) (*target, error) {
	cfg, err := pgx.ParseConfig(d.cfgURL)
	if err != nil {
		return nil, err
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, `select exists (select 1 from pg_database where datname = $1)`, demoPGDatabase).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		if _, err := admin.Exec(ctx, `create database `+demoPGDatabase); err != nil {
			var dup interface{ SQLState() string }
			if !errors.As(err, &dup) || dup.SQLState() != "42P04" { // created by another replica meanwhile
				return nil, err
			}
		}
	}
	dwCfg := cfg.Copy()
	dwCfg.Database = demoPGDatabase
	conn, err := pgx.ConnectConfig(ctx, dwCfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `select pg_advisory_lock(4242)`); err != nil {
		return nil, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `select pg_advisory_unlock(4242)`) //nolint:errcheck
	if _, err := conn.Exec(ctx, demoSalesSQL); err != nil {
		return nil, fmt.Errorf("fill %s: %w", demoPGDatabase, err)
	}
	return &target{host: dwCfg.Host, port: int(dwCfg.Port), database: demoPGDatabase, user: dwCfg.User, password: dwCfg.Password}, nil
}

// operational copies customers and orders into MariaDB, when a MariaDB answers at mariaDSN.
func (d *demo) operational(ctx context.Context) (*target, error) {
	mc, err := mysql.ParseDSN(d.mariaDSN)
	if err != nil {
		return nil, err
	}
	host, portText, err := net.SplitHostPort(mc.Addr)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portText)
	db, err := sql.Open("mysql", d.mariaDSN)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		return nil, err
	}
	for _, stmt := range []string{
		`create database if not exists ` + demoMariaDatabase + ` character set utf8mb4`,
		`create table if not exists ` + demoMariaDatabase + `.customers (id int primary key, name varchar(40) not null, phone varchar(20), email varchar(80), city varchar(20), created_at datetime not null) comment='客户（业务库）'`,
		`create table if not exists ` + demoMariaDatabase + `.orders (id bigint primary key, customer_id int not null, store_id varchar(8) not null, order_date date not null, status varchar(16) not null, amount decimal(12,2) not null, updated_at datetime not null) comment='订单（业务库）'`,
		`insert ignore into ` + demoMariaDatabase + `.customers select seq, concat('客户', seq), concat('139', lpad(seq * 7919 % 100000000, 8, '0')), concat('ops', seq, '@example.cn'), elt(1 + seq % 3, '上海', '广州', '杭州'), '2024-06-01' + interval seq hour from ` + demoMariaDatabase + `.seq_1_to_2000`,
		`insert ignore into ` + demoMariaDatabase + `.orders select seq, 1 + seq * 31 % 2000, concat('S', lpad(1 + seq % 20, 2, '0')), '2025-06-01' + interval (seq % 30) day, elt(1 + seq % 3, 'paid', 'paid', 'shipped'), 20 + seq * 7919 % 50000 / 100, now() from ` + demoMariaDatabase + `.seq_1_to_10000`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("MariaDB demo: %w", err)
		}
	}
	return &target{host: host, port: port, database: demoMariaDatabase, user: mc.User, password: mc.Passwd}, nil
}

// datasource registers one demo datasource unless one of that name exists.
func (d *demo) datasource(ctx context.Context, name, typ string, c *target) (string, error) {
	list, err := d.sourcesQ.List(ctx, dsproj.Filter{Keyword: name}, pageAll())
	if err != nil {
		return "", err
	}
	for _, s := range list.Items {
		if s.Name == name {
			return s.ID, nil
		}
	}
	desc := "演示数据仓库：门店、商品、客户、订单、销售事实与报表"
	if typ == "mariadb" {
		desc = "演示业务库：客户与订单（MariaDB）"
	}
	in := appds.Input{Password: c.password}
	in.Name, in.Type, in.Host, in.Port, in.Database, in.Username, in.Description = name, datasource.Type(typ), c.host, c.port, c.database, c.user, desc
	ref, err := d.sources.Register(ctx, in, d.meta)
	if err != nil {
		return "", fmt.Errorf("demo datasource %s: %w", name, err)
	}
	if _, err := d.waiter.Await(ctx, ref, dsproj.Name); err != nil {
		return "", err
	}
	return ref.StreamID, nil
}

// collect collects a datasource's metadata (one database of a server, or all the connection
// sees) unless the catalog holds it already, and waits.
func (d *demo) collect(ctx context.Context, datasourceID, database string) error {
	if ids, err := d.catalog.ActiveTableIDs(ctx, datasourceID); err == nil && len(ids) > 0 {
		return nil
	}
	runID, _, err := d.collector.Start(ctx, appcat.CollectRequest{DatasourceID: datasourceID, Database: database}, false, d.meta)
	if err != nil {
		return fmt.Errorf("demo collection: %w", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if r, err := d.catalog.Run(ctx, runID); err == nil && r.Status != "running" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("demo collection %s did not finish", runID)
}

// tables maps the warehouse's table names (schema public) to catalog ids.
func (d *demo) tables(ctx context.Context, datasourceID string) (map[string]string, error) {
	res, err := d.catalog.Tables(ctx, catproj.TableFilter{DatasourceID: datasourceID, Status: "active"}, pageAll())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range res.Items {
		if t.Schema == "public" { // ods holds the synced copies of the MariaDB tables
			out[t.Name] = t.ID
		}
	}
	return out, nil
}

// classify tags customer PII sensitive and the layers of the warehouse.
func (d *demo) classify(ctx context.Context, tables map[string]string) error {
	for _, tag := range []appcat.TagInput{
		{Name: "PII", Color: "#F56C6C", Description: "个人敏感信息", Sensitive: true},
		{Name: "核心指标", Color: "#409EFF", Description: "经营分析核心表"},
	} {
		if ok, err := d.catalog.TagDefined(ctx, tag.Name); err != nil {
			return err
		} else if !ok {
			ref, err := d.curator.DefineTag(ctx, tag, d.meta)
			if err != nil {
				return fmt.Errorf("demo tag %s: %w", tag.Name, err)
			}
			if _, err := d.waiter.Await(ctx, ref, catproj.Name); err != nil {
				return err
			}
		}
	}
	if err := d.categorize(ctx, tables); err != nil {
		return err
	}
	tags := []struct{ table, column, tag string }{
		{"customers", "phone", "PII"}, {"customers", "email", "PII"}, {"customers", "id_card", "PII"},
		{"fact_sales", "", "核心指标"}, {"rpt_sales_monthly", "", "核心指标"},
	}
	for _, t := range tags {
		id, ok := tables[t.table]
		if !ok {
			continue
		}
		if _, err := d.curator.Tag(ctx, id, t.column, []string{t.tag}, d.meta); err != nil && fault.KindOf(err) != fault.KindConflict {
			return fmt.Errorf("demo tag %s.%s: %w", t.table, t.column, err)
		}
	}
	return nil
}

// categorize files the warehouse's tables under 销售域 by layer: 维度 (stores, products,
// customers), 明细 (orders, order lines, staging) and 指标 (fact and report tables).
func (d *demo) categorize(ctx context.Context, tables map[string]string) error {
	existing, err := d.catalog.Categories(ctx)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, c := range existing {
		ids[c.Name] = c.ID
	}
	ensure := func(name, parent, desc string) (string, error) {
		if id, ok := ids[name]; ok {
			return id, nil
		}
		ref, err := d.curator.CreateCategory(ctx, appcat.CategoryInput{Name: name, ParentID: parent, Description: desc}, d.meta)
		if err != nil {
			return "", fmt.Errorf("demo category %s: %w", name, err)
		}
		if _, err := d.waiter.Await(ctx, ref, catproj.Name); err != nil {
			return "", err
		}
		ids[name] = ref.StreamID
		return ref.StreamID, nil
	}
	root, err := ensure("销售域", "", "门店销售相关的数据资产")
	if err != nil {
		return err
	}
	layers := []struct {
		name, desc string
		tables     []string
	}{
		{"维度", "门店、商品、客户", []string{"stores", "products", "customers"}},
		{"明细", "订单、订单明细与贴源层", []string{"orders", "order_lines", "stg_orders"}},
		{"指标", "销售事实与报表", []string{"fact_sales", "rpt_sales_monthly"}},
	}
	for _, l := range layers {
		id, err := ensure(l.name, root, l.desc)
		if err != nil {
			return err
		}
		for _, t := range l.tables {
			if tid, ok := tables[t]; ok {
				if _, err := d.curator.Classify(ctx, tid, "", id, d.meta); err != nil {
					return fmt.Errorf("demo classify %s: %w", t, err)
				}
			}
		}
	}
	return nil
}

// rules defines the warehouse's quality rules once and checks each.
func (d *demo) rules(ctx context.Context, tables map[string]string) error {
	existing, err := d.qualityQ.Rules(ctx, qualityproj.RuleFilter{Keyword: "演示"}, pageAll())
	if err != nil {
		return err
	}
	if existing.Total > 0 {
		return nil
	}
	defs := []domquality.Definition{
		{Name: "演示：客户邮箱空值率 ≤ 1%", TableID: tables["customers"], Column: "email", Type: domquality.NullRate, Threshold: domquality.Threshold{Max: ptr(0.01)}, Severity: domquality.Critical, Schedule: "0 * * * *",
			Description: "营销触达依赖邮箱；演示数据中 2% 的客户缺少邮箱，此规则会失败。"},
		{Name: "演示：订单金额非负", TableID: tables["orders"], Column: "amount", Type: domquality.Range, Params: domquality.Params{Min: ptr(0.0)}, Threshold: domquality.Threshold{Max: ptr(0.0)}, Severity: domquality.Critical},
		{Name: "演示：订单号唯一", TableID: tables["orders"], Column: "id", Type: domquality.Unique, Threshold: domquality.Threshold{Max: ptr(0.0)}, Severity: domquality.Critical},
		{Name: "演示：销售事实表行数", TableID: tables["fact_sales"], Type: domquality.RowCount, Threshold: domquality.Threshold{Min: ptr(1.0)}, Severity: domquality.Warning, Schedule: "*/30 * * * *"},
	}
	for _, def := range defs {
		if def.TableID == "" {
			continue
		}
		ref, err := d.quality.Define(ctx, def, d.meta)
		if err != nil {
			return fmt.Errorf("demo rule %s: %w", def.Name, err)
		}
		if _, _, err := d.quality.Run(ctx, ref.StreamID, appquality.TriggerManual, d.meta); err != nil {
			return fmt.Errorf("demo rule %s: %w", def.Name, err)
		}
	}
	return nil
}

// reportAPI publishes sales_daily_summary under the 销售日报 report, with an API key for programs.
func (d *demo) reportAPI(ctx context.Context, datasourceID string) error {
	if _, err := d.ifaceQ.Interface(ctx, "sales_daily_summary", ""); err == nil {
		return nil
	}
	var def dataservice.Definition
	if err := json.Unmarshal([]byte(demoReportAPI), &def); err != nil {
		return err
	}
	rep, err := d.interfaces.SaveReport(ctx, "", appdsvc.ReportInput{Name: "销售日报", Description: "门店每日销售", Owner: "BI-Team"}, d.meta)
	if err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	if _, err := d.waiter.Await(ctx, rep, dsvcproj.Name); err != nil {
		return err
	}
	def.DatasourceID, def.ReportID = datasourceID, rep.StreamID
	if _, err := d.interfaces.Create(ctx, def, d.meta); err != nil && fault.KindOf(err) != fault.KindConflict {
		return fmt.Errorf("demo report API: %w", err)
	}
	ref, err := d.interfaces.SetStatus(ctx, def.Code, def.Version, "active", d.meta)
	if err != nil {
		return fmt.Errorf("demo report API publish: %w", err)
	}
	if _, err := d.waiter.Await(ctx, ref, dsvcproj.Name); err != nil {
		return err
	}
	_, err = d.access.CreateAPIKey(ctx, appaccess.CreateAPIKey{Name: "demo-bi"}, d.meta.ActorID, d.meta.ActorName, d.meta)
	return err
}

// syncTask copies the operational MariaDB tables into the warehouse's ods schema, incrementally by
// id every hour, and runs once.
func (d *demo) syncTask(ctx context.Context, opsID, dwID string) error {
	existing, err := d.syncQ.Tasks(ctx, intproj.TaskFilter{Keyword: "演示"}, pageAll())
	if err != nil || existing.Total > 0 {
		return err
	}
	ref, err := d.sync.Create(ctx, integration.Spec{Name: "演示：业务库同步到数仓", Description: "MariaDB 业务库的客户与订单按 id 增量同步到数仓 ods 层",
		Scope: "whole_database", SourceDatasourceID: opsID, SourceDatabases: []string{demoMariaDatabase}, TargetDatasourceID: dwID,
		TargetDatabase: "ods", Mode: "incremental", IncrementalColumn: "id", WriteMode: "upsert", Schedule: "0 * * * *"}, d.meta)
	if err != nil {
		return fmt.Errorf("demo sync task: %w", err)
	}
	if _, err := d.waiter.Await(ctx, ref, intproj.Name); err != nil {
		return err
	}
	if _, _, err := d.sync.Start(ctx, ref.StreamID, appint.TriggerManual, d.meta); err != nil {
		return fmt.Errorf("demo sync run: %w", err)
	}
	return nil
}

// analyst creates the demo analyst: the warehouse to query, customer PII masked, orders of the
// 华东 stores only.
func (d *demo) analyst(ctx context.Context, datasourceID string) error {
	if _, _, err := d.users.UserRoles(ctx, demoAnalyst); err == nil {
		return nil
	}
	ref, err := d.access.CreateUser(ctx, appaccess.CreateUser{Username: demoAnalyst, Password: demoAnalystPassword, DisplayName: "演示分析师",
		Roles: []string{"analyst"}}, d.meta)
	if err != nil {
		return fmt.Errorf("demo analyst: %w", err)
	}
	if _, err := d.waiter.Await(ctx, ref, accessproj.Name); err != nil {
		return err
	}
	who := permission.Who{UserID: d.meta.ActorID, Admin: true}
	p := datasourceID + ".public"
	if _, _, err := d.perms.Grant(ctx, who, permission.GrantInput{SubjectType: "user", Subject: demoAnalyst, Object: p, Privilege: "query", Effect: "allow"}, d.meta); err != nil {
		return fmt.Errorf("demo grant: %w", err)
	}
	for _, m := range []permission.MaskInput{
		{Object: p + ".customers.phone", Mask: "partial", KeepLast: 4},
		{Object: p + ".customers.email", Mask: "hash"},
		{Object: p + ".customers.id_card", Mask: "partial", KeepLast: 4},
	} {
		if _, _, err := d.perms.SetMask(ctx, who, m, d.meta); err != nil {
			return fmt.Errorf("demo mask: %w", err)
		}
	}
	_, _, err = d.perms.SetRowFilter(ctx, who, permission.RowFilterInput{Object: p + ".orders", SubjectType: "user", Subject: demoAnalyst,
		Predicate: "store_id in (select id from stores where region = '华东')"}, d.meta)
	return err
}

func ptr[T any](v T) *T { return &v }

// target is where a demo datasource connects.
type target struct {
	host           string
	port           int
	database, user string
	password       string
}

// pageAll is the largest page, for the demo's look-ups.
func pageAll() page.Request { return page.Request{Number: 1, Size: page.MaxSize} }
