package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"assetflow/infrastructure/postgres/pgtest"
)

func (s *server) loginAs(user, password string) string {
	s.t.Helper()
	code, out := s.call("POST", "/api/auth/login", "", map[string]string{"username": user, "password": password})
	if code != 200 {
		s.t.Fatalf("login %s: %d %v", user, code, out)
	}
	return out["data"].(map[string]any)["token"].(string)
}

// accessSeed is the same data in PostgreSQL and MariaDB: customers with a phone, a birthday and an
// ssn; contacts with an email, a phone and a note; orders; salaries nobody is granted.
const accessSeed = `
create table customers (id int primary key, name varchar(40), phone varchar(20), birthday date, ssn varchar(20));
insert into customers values (1, 'Li Lei', '13800001234', '1990-05-17', '110101199005170011'), (2, 'Han Mei', '13900005678', '1985-11-02', '110101198511020022');
create table contacts (id int primary key, email varchar(60), phone varchar(20), note varchar(60));
insert into contacts values (1, 'li@example.cn', '13800001234', 'vip'), (2, 'han@example.cn', '13900005678', 'new');
create table orders (id int primary key, customer_id int, amount int);
insert into orders values (1, 1, 50), (2, 1, 150), (3, 2, 80);
create table salaries (id int primary key, amount int);
insert into salaries values (1, 9000);`

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// TestDataPermissionsIntegration runs statements × grants on real PostgreSQL and MariaDB data and
// asserts, for each, the refusal or the exact (masked, filtered) rows, including attempts to read
// around the masks.
func TestDataPermissionsIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	ctx := context.Background()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	if _, err := openPool(t, src).Exec(ctx, accessSeed+`create schema other; create table other.secret (v int); insert into other.secret values (7);`); err != nil {
		t.Fatal(err)
	}
	maria, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	mdb := "acl_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	t.Cleanup(func() { _, _ = maria.Exec("drop database if exists " + mdb); maria.Close() })
	if _, err := maria.Exec("create database " + mdb + "; use " + mdb + ";" + accessSeed); err != nil {
		t.Fatal(err)
	}

	s := startServer(t, "ASSETFLOW_DATABASE_URL="+pgtest.NewDatabase(t), "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	admin := s.login()
	_, out := s.call("POST", "/api/datasources", admin, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	pgID := data(out)["id"].(string)
	_, out = s.call("POST", "/api/datasources", admin, map[string]any{"name": "maria", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": mdb, "username": "root"})
	myID := data(out)["id"].(string)
	s.collectNow(t, admin, map[string]any{"datasource_id": pgID})
	s.collectNow(t, admin, map[string]any{"datasource_id": myID})
	for _, u := range []string{"ana", "bob", "carl", "dave"} {
		if code, out := s.call("POST", "/api/system/users", admin, map[string]any{"username": u, "password": "Pass-word-123", "roles": []string{"analyst"}}); code != 201 {
			t.Fatalf("create %s: %d %v", u, code, out)
		}
	}
	must := func(path string, body map[string]any) string {
		t.Helper()
		code, out := s.call("POST", path, admin, body)
		if code != 201 {
			t.Fatalf("%s %v: %d %v", path, body, code, out)
		}
		return data(out)["id"].(string)
	}
	grant := func(subjectType, subject, object, privilege, effect string) string {
		return must("/api/access/grants", map[string]any{"subject_type": subjectType, "subject": subject, "object": object, "privilege": privilege, "effect": effect})
	}
	for _, ds := range []struct{ id, db string }{{pgID, "public"}, {myID, mdb}} {
		p := ds.id + "." + ds.db
		grant("user", "ana", p+".customers", "query", "allow")
		grant("user", "ana", p+".customers.ssn", "query", "deny")
		grant("user", "ana", p+".contacts", "export", "allow")
		grant("role", "analyst", p+".orders", "query", "allow")
		grant("user", "carl", p, "query", "allow")
		grant("user", "carl", p+".salaries", "query", "deny")
		grant("user", "dave", p, "query", "deny")
		grant("user", "dave", p+".orders", "query", "allow")
		must("/api/access/masks", map[string]any{"object": p + ".customers.phone", "mask": "partial", "keep_last": 4})
		must("/api/access/masks", map[string]any{"object": p + ".customers.birthday", "mask": "year"})
		must("/api/access/masks", map[string]any{"object": p + ".contacts.email", "mask": "hash"})
		must("/api/access/masks", map[string]any{"object": p + ".contacts.phone", "mask": "full"})
		must("/api/access/masks", map[string]any{"object": p + ".contacts.note", "mask": "null"})
		must("/api/access/row-filters", map[string]any{"object": p + ".orders", "subject_type": "user", "subject": "ana", "predicate": "amount < 100"})
	}
	tokens := map[string]string{}
	for _, u := range []string{"ana", "bob", "carl", "dave"} {
		tokens[u] = s.loginAs(u, "Pass-word-123")
	}

	const deny, refused = "DENY", "REFUSED"
	masked := `[["*******1234"],["*******5678"]]`
	contacts := fmt.Sprintf(`[[1,"%s","****",null],[2,"%s","****",null]]`, sha("li@example.cn"), sha("han@example.cn"))
	type tc struct {
		user, sql string
		want      string // JSON rows, or deny (403 naming every denied object in denies), or refused (any error)
		denies    []string
	}
	pgCases := []tc{
		{"ana", "select phone from customers order by id", masked, nil},
		{"ana", "select phone as p from customers order by id", masked, nil},
		{"ana", "select c.phone from customers c order by c.id", masked, nil},
		{"ana", "select customers.phone from public.customers order by id", masked, nil},
		{"ana", "select x from (select phone as x, id from customers) s order by id", masked, nil},
		{"ana", "with c as (select phone, id from customers) select phone from c order by id", masked, nil},
		{"ana", "select lower(phone) from customers order by id", masked, nil},
		{"ana", "select concat('', phone) from customers order by id", masked, nil},
		{"ana", "select coalesce(phone, 'x') from customers order by id", masked, nil},
		{"ana", "select substring(phone from 8) from customers order by id", `[["1234"],["5678"]]`, nil},
		{"ana", "select upper(name) || phone from customers where id = 2", `[["HAN MEI*******5678"]]`, nil},
		{"ana", "select string_agg(phone, ',' order by id) from customers", `[["*******1234,*******5678"]]`, nil},
		{"ana", "select phone from customers union select name from customers order by 1", `[["*******1234"],["*******5678"],["Han Mei"],["Li Lei"]]`, nil},
		{"ana", "select p from (select phone p from customers union all select phone from contacts) u order by 1", `[["****"],["****"],["*******1234"],["*******5678"]]`, nil},
		{"ana", "select name from customers where phone = '13800001234'", `[]`, nil},
		{"ana", "select count(*) from customers where phone like '138%'", `[[0]]`, nil},
		{"ana", "select name from customers where phone like '%1234'", `[["Li Lei"]]`, nil},
		{"ana", "select name from customers order by phone desc", `[["Han Mei"],["Li Lei"]]`, nil},
		{"ana", "select birthday from customers order by id", `[["1990-01-01"],["1985-01-01"]]`, nil},
		{"ana", "select extract(month from birthday) from customers order by id", `[["1"],["1"]]`, nil},
		{"ana", "select id, name from customers order by id", `[[1,"Li Lei"],[2,"Han Mei"]]`, nil},
		{"ana", "select count(*) from customers", `[[2]]`, nil},
		{"ana", "select * from contacts order by id", contacts, nil},
		{"ana", "select email from contacts where email = 'li@example.cn'", `[]`, nil},
		{"ana", "select amount from orders order by id", `[[50],[80]]`, nil},
		{"ana", "select sum(amount) from orders", `[[130]]`, nil},
		{"ana", "select o.amount, c.phone from orders o join customers c on c.id = o.customer_id order by o.id", `[[50,"*******1234"],[80,"*******5678"]]`, nil},
		{"ana", "select ssn from customers", deny, []string{".customers.ssn"}},
		{"ana", "select * from customers", deny, []string{".customers.ssn"}},
		{"ana", "select c from customers c", deny, []string{".customers.ssn"}},
		{"ana", "select md5(ssn) from customers", deny, []string{".customers.ssn"}},
		{"ana", "select name from customers where ssn like '1101%'", deny, []string{".customers.ssn"}},
		{"ana", "select name from customers order by ssn", deny, []string{".customers.ssn"}},
		{"ana", "select name from customers limit (select count(*) from salaries)", deny, []string{".salaries"}},
		{"ana", "select distinct on (ssn) name from customers", deny, []string{".customers.ssn"}},
		{"ana", "select name, row_number() over (order by ssn) from customers", deny, []string{".customers.ssn"}},
		{"ana", "select phone p from customers order by p", masked, nil},
		{"ana", "select amount from salaries", deny, []string{".salaries.amount"}},
		{"ana", "select * from salaries s join customers c on c.id = s.id", deny, []string{".salaries."}},
		{"ana", "select (select amount from salaries limit 1) from customers", deny, []string{".salaries.amount"}},
		{"ana", "select name from customers where exists (select 1 from salaries)", deny, []string{".salaries"}},
		{"ana", "with s as (select * from salaries) select 1 from s", deny, []string{".salaries"}},
		{"ana", "select v from other.secret", deny, []string{".other.secret"}},
		{"ana", "select table_name from information_schema.tables", deny, []string{".information_schema.tables"}},
		{"ana", "select usename from pg_catalog.pg_user", deny, []string{".pg_catalog.pg_user"}},
		{"ana", "select query_to_xml('select * from salaries', true, true, '')", deny, []string{"query_to_xml"}},
		{"ana", "select /* from customers */ amount from salaries", deny, []string{".salaries.amount"}},
		{"ana", "select amount from salaries -- from customers", deny, []string{".salaries.amount"}},
		{"ana", "select 1; select amount from salaries", refused, nil},
		{"ana", "update customers set name = 'x'", refused, nil},
		{"ana", "select cast(phone as bigint) from customers", refused, nil},
		{"carl", "select amount from salaries", deny, []string{".salaries.amount"}},
		{"carl", "select id from orders order by id", `[[1],[2],[3]]`, nil},
		{"carl", "select phone from customers where id = 1", `[["*******1234"]]`, nil},
		{"bob", "select 1", `[[1]]`, nil},
		{"bob", "select id from customers", deny, []string{".customers.id"}},
		{"dave", "select count(*) from orders", `[[3]]`, nil},
		{"dave", "select count(*) from customers", deny, []string{".customers"}},
	}
	myCases := []tc{
		{"ana", "select phone from customers order by id", masked, nil},
		{"ana", "select phone as p from customers order by id", masked, nil},
		{"ana", "select c.phone from customers c order by c.id", masked, nil},
		{"ana", "select x from (select phone as x, id from customers) s order by id", masked, nil},
		{"ana", "with c as (select id, phone from customers) select phone from c order by id", masked, nil},
		{"ana", "select lower(phone) from customers order by id", masked, nil},
		{"ana", "select concat('', phone) from customers order by id", masked, nil},
		{"ana", "select substring(phone, 8) from customers order by id", `[["1234"],["5678"]]`, nil},
		{"ana", "select phone from customers union select name from customers order by 1", `[["*******1234"],["*******5678"],["Han Mei"],["Li Lei"]]`, nil},
		{"ana", "select name from customers where phone = '13800001234'", `[]`, nil},
		{"ana", "select birthday from customers order by id", `[["1990-01-01"],["1985-01-01"]]`, nil},
		{"ana", "select * from contacts order by id", contacts, nil},
		{"ana", "select amount from orders order by id", `[[50],[80]]`, nil},
		{"ana", "select o.amount, c.phone from orders o join customers c on c.id = o.customer_id order by o.id", `[[50,"*******1234"],[80,"*******5678"]]`, nil},
		{"ana", "SELECT PHONE FROM CUSTOMERS ORDER BY ID", masked, nil},
		{"ana", "select ssn from customers", deny, []string{".customers.ssn"}},
		{"ana", "select * from customers", deny, []string{".customers.ssn"}},
		{"ana", "select amount from salaries", deny, []string{".salaries.amount"}},
		{"ana", "select name from customers where id in (select id from salaries)", deny, []string{".salaries.id"}},
		{"ana", "select table_name from information_schema.tables", deny, []string{".information_schema.tables"}},
		{"ana", "select load_file('/etc/passwd')", deny, []string{"load_file"}},
		{"ana", "select amount from salaries # from customers", deny, []string{".salaries.amount"}},
		{"ana", "select name from customers order by ssn", deny, []string{".customers.ssn"}},
		{"ana", "select phone p from customers order by p", masked, nil},
		{"ana", "select 1; select amount from salaries", refused, nil},
		{"carl", "select amount from salaries", deny, []string{".salaries.amount"}},
		{"dave", "select count(*) from orders", `[[3]]`, nil},
	}
	run := func(ds, db string, cases []tc) {
		for _, c := range cases {
			code, out := s.call("POST", "/api/dataservice/query", tokens[c.user], map[string]any{"datasource_id": ds, "sql": c.sql, "params": map[string]any{}})
			if d := data(out); d != nil {
				delete(d, "query_id") // a random UUID could hold a digit run that looks like a secret
			}
			raw, _ := json.Marshal(out)
			for _, secret := range []string{"13800001234", "13900005678", "0000123", "1990-05-17", "li@example.cn", "9000", "110101"} {
				if strings.Contains(string(raw), secret) && !strings.Contains(c.sql, secret) {
					t.Errorf("%s on %s: %s leaked %q: %s", c.user, db, c.sql, secret, raw)
				}
			}
			switch c.want {
			case deny:
				if code != 403 || out["code"] != "FORBIDDEN" {
					t.Errorf("%s on %s: %s: want 403 FORBIDDEN, got %d %s", c.user, db, c.sql, code, raw)
					continue
				}
				for _, d := range c.denies {
					if !strings.Contains(string(raw), d) {
						t.Errorf("%s on %s: %s: the refusal does not name %s: %s", c.user, db, c.sql, d, raw)
					}
				}
			case refused:
				if code < 400 {
					t.Errorf("%s on %s: %s: want a refusal, got %d %s", c.user, db, c.sql, code, raw)
				}
			default:
				if code != 200 {
					t.Errorf("%s on %s: %s: %d %s", c.user, db, c.sql, code, raw)
					continue
				}
				rows, _ := json.Marshal(data(out)["rows"])
				if got := normalizeRows(rows); got != c.want {
					t.Errorf("%s on %s: %s:\n got %s\nwant %s", c.user, db, c.sql, got, c.want)
				}
			}
		}
	}
	run(pgID, "postgresql", pgCases)
	run(myID, "mariadb", myCases)
	if n := len(pgCases) + len(myCases); n < 60 {
		t.Fatalf("only %d statements", n)
	}

	// A statement run in another schema is checked there.
	if code, out := s.call("POST", "/api/dataservice/query", tokens["carl"], map[string]any{"datasource_id": pgID, "database": "other", "sql": "select v from secret"}); code != 403 {
		t.Errorf("carl reading other.secret through the schema choice: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/dataservice/query", tokens["carl"], map[string]any{"datasource_id": pgID, "database": "public", "sql": "select count(*) from orders"}); code != 200 {
		t.Errorf("carl in public: %d %v", code, out)
	}

	// Exports need export: ana holds it on contacts only, and the file is masked too.
	if code, _, body := s.export(t, tokens["ana"], map[string]any{"datasource_id": pgID, "sql": "select phone from customers"}); code != 403 {
		t.Errorf("export without the export privilege: %d %s", code, body)
	}
	if code, _, body := s.export(t, tokens["ana"], map[string]any{"datasource_id": pgID, "sql": "select email, phone from contacts order by id"}); code != 200 ||
		!strings.Contains(string(body), sha("li@example.cn")) || strings.Contains(string(body), "13800001234") {
		t.Errorf("masked export: %d %s", code, body)
	}

	// The catalog shows each user only what they may see.
	tableNames := func(user, ds string) string {
		code, out := s.call("GET", "/api/catalog/tables?page_size=100&datasource_id="+ds, tokens[user], nil)
		if code != 200 {
			t.Fatalf("catalog as %s: %d %v", user, code, out)
		}
		var names []string
		for _, it := range out["data"].([]any) {
			m := it.(map[string]any)
			names = append(names, m["schema"].(string)+"."+m["name"].(string))
		}
		slices.Sort(names)
		return strings.Join(names, ",")
	}
	for _, c := range []struct{ user, want string }{
		{"ana", "public.contacts,public.customers,public.orders"},
		{"bob", "public.orders"},
		{"carl", "public.contacts,public.customers,public.orders"},
		{"dave", "public.orders"},
	} {
		if got := tableNames(c.user, pgID); got != c.want {
			t.Errorf("catalog of %s: %s, want %s", c.user, got, c.want)
		}
	}
	_, out = s.call("GET", "/api/catalog/tables?page_size=100&datasource_id="+pgID, admin, nil)
	ids := map[string]string{}
	for _, it := range out["data"].([]any) {
		m := it.(map[string]any)
		ids[m["name"].(string)] = m["id"].(string)
	}
	if code, out := s.call("GET", "/api/catalog/tables/"+ids["salaries"], tokens["ana"], nil); code != 404 {
		t.Errorf("ana reading the salaries entry: %d %v", code, out)
	}
	code, out := s.call("GET", "/api/catalog/tables/"+ids["customers"]+"/columns", tokens["ana"], nil)
	cols, _ := json.Marshal(out["data"])
	if code != 200 || strings.Contains(string(cols), `"ssn"`) || !strings.Contains(string(cols), `"name":"phone"`) || !strings.Contains(string(cols), `"mask":"partial"`) {
		t.Errorf("customers columns as ana: %d %s", code, cols)
	}
	if code, out := s.call("GET", "/api/dataservice/completions?datasource_id="+pgID, tokens["bob"], nil); code != 200 || strings.Contains(fmt.Sprint(out), "salaries") {
		t.Errorf("completions as bob: %d %v", code, out)
	}

	// Lineage keeps its shape but not the names of tables a user may not see.
	if code, out := s.call("POST", "/api/lineage/etl-logs", admin, map[string]any{"job_name": "pay", "datasource_id": pgID,
		"sql": "insert into orders (id, customer_id, amount) select id, id, amount from salaries"}); code >= 300 {
		t.Fatalf("etl log: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/lineage/graph?direction=up&node=pg.public.orders", tokens["bob"], nil)
	if g, _ := json.Marshal(out["data"]); code != 200 || strings.Contains(string(g), "salaries") || !strings.Contains(string(g), "restricted:1") {
		t.Errorf("lineage as bob: %d %s", code, g)
	}
	code, out = s.call("GET", "/api/lineage/graph?direction=up&node=pg.public.orders", tokens["carl"], nil)
	if g, _ := json.Marshal(out["data"]); code != 200 || strings.Contains(string(g), "salaries") {
		t.Errorf("lineage as carl: %d %s", code, g)
	}
	if code, out := s.call("GET", "/api/lineage/graph?direction=down&node=pg.public.salaries", tokens["bob"], nil); code != 404 {
		t.Errorf("lineage of salaries as bob: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/lineage/graph?direction=up&node=pg.public.orders", admin, nil)
	if g, _ := json.Marshal(out["data"]); code != 200 || !strings.Contains(string(g), "pg.public.salaries") {
		t.Errorf("lineage as admin: %d %s", code, g)
	}

	// Quality samples are rows too: restricted readers see them masked, or not at all.
	code, out = s.call("POST", "/api/quality/rules", admin, map[string]any{"name": "vip only", "table_id": ids["contacts"], "column": "email",
		"type": "allowed_values", "params": map[string]any{"values": []string{"li@example.cn"}}, "threshold": map[string]any{"max": 0}, "severity": "warning"})
	if code != 201 {
		t.Fatalf("quality rule: %d %v", code, out)
	}
	rule := data(out)["id"].(string)
	if code, out := s.call("POST", "/api/quality/rules/"+rule+"/run", admin, nil); code != 200 || !strings.Contains(fmt.Sprint(out), "han@example.cn") {
		t.Fatalf("quality run as admin: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/quality/rules/"+rule+"/results", tokens["ana"], nil)
	if res, _ := json.Marshal(out["data"]); code != 200 || strings.Contains(string(res), "han@example.cn") || !strings.Contains(string(res), sha("han@example.cn")) {
		t.Errorf("quality samples as ana: %d %s", code, res)
	}
	code, out = s.call("GET", "/api/quality/rules/"+rule+"/results", tokens["bob"], nil)
	if res, _ := json.Marshal(out["data"]); code != 200 || strings.Contains(string(res), "example.cn") || !strings.Contains(string(res), `"samples":[]`) {
		t.Errorf("quality samples as bob: %d %s", code, res)
	}

	if code, out := s.call("POST", "/api/system/users", admin, map[string]any{"username": "devi", "password": "Pass-word-123", "roles": []string{"developer"}}); code != 201 {
		t.Fatalf("create devi: %d %v", code, out)
	}
	devi := s.loginAs("devi", "Pass-word-123")
	custom := func(sql string) int {
		code, _ := s.call("POST", "/api/quality/rules", devi, map[string]any{"name": "custom " + sql, "table_id": ids["orders"], "type": "custom_sql",
			"params": map[string]any{"sql": sql}, "threshold": map[string]any{"max": 1e9}, "severity": "warning"})
		return code
	}
	if code := custom("select max(amount) from salaries"); code != 403 {
		t.Errorf("a developer measuring salaries through custom SQL: %d", code)
	}
	if code := custom("select count(*) from orders"); code != 403 {
		t.Errorf("a developer measuring orders without a grant (the orders grant is the analysts'): %d", code)
	}
	grant("user", "devi", pgID+".public.orders", "query", "allow")
	if code := custom("select count(*) from orders"); code != 201 {
		t.Errorf("a developer measuring orders with a grant: %d", code)
	}

	// Browsing the source live shows the same.
	code, out = s.call("GET", "/api/datasources/"+pgID+"/tables", tokens["bob"], nil)
	if live, _ := json.Marshal(out["data"]); code != 200 || !strings.Contains(string(live), `"orders"`) || strings.Contains(string(live), `"salaries"`) {
		t.Errorf("live tables as bob: %d %s", code, live)
	}
	if code, out := s.call("GET", "/api/datasources/"+pgID+"/tables/salaries/schema?database=public", tokens["bob"], nil); code != 404 {
		t.Errorf("live salaries schema as bob: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/datasources/"+pgID+"/tables/customers/schema?database=public", tokens["ana"], nil)
	if live, _ := json.Marshal(out["data"]); code != 200 || strings.Contains(string(live), `"ssn"`) || !strings.Contains(string(live), `"phone"`) {
		t.Errorf("live customers schema as ana: %d %s", code, live)
	}

	// Report APIs hold callers to the same permissions: ana reads masked phones and only her
	// orders; bob is refused; an anonymous caller of a public interface reads as its owner.
	_, out = s.call("POST", "/api/dataservice/reports", admin, map[string]any{"name": "客户", "owner": "crm"})
	report := data(out)["id"].(string)
	iface := func(name, visibility, owner, sql string, auth bool) {
		t.Helper()
		body := map[string]any{"code": name, "name": name, "version": "1.0.0", "report_id": report, "owner": owner, "visibility": visibility,
			"method": "GET", "auth_required": auth, "datasource_id": pgID, "query_type": "sql", "safe_mode": true, "timeout_ms": 5000,
			"query_template": sql, "fields": []map[string]any{}, "parameters": []map[string]any{}}
		if code, out := s.call("POST", "/api/dataservice/interfaces", admin, body); code != 201 {
			t.Fatalf("interface %s: %d %v", name, code, out)
		}
		if code, out := s.call("POST", "/api/dataservice/interfaces/"+name+"/publish", admin, nil); code != 200 {
			t.Fatalf("publish: %d %v", code, out)
		}
	}
	iface("acl_phones", "internal", "", "select id, phone from customers order by id", true)
	iface("acl_orders", "internal", "", "select sum(amount) as total from orders", true)
	iface("acl_public", "public", "carl", "select phone from customers where id = 1", false)
	gwRows := func(code, token string) (int, string) {
		headers := map[string]string{}
		if token != "" {
			headers["Authorization"] = "Bearer " + token
		}
		status, out, _ := s.gw(t, "GET", "/data-api/"+code, headers, "")
		rows, _ := json.Marshal(out["data"])
		return status, string(rows)
	}
	if code, rows := gwRows("acl_phones", tokens["ana"]); code != 200 || rows != `[{"id":1,"phone":"*******1234"},{"id":2,"phone":"*******5678"}]` {
		t.Errorf("acl_phones as ana: %d %s", code, rows)
	}
	if code, rows := gwRows("acl_phones", admin); code != 200 || !strings.Contains(rows, "13800001234") {
		t.Errorf("acl_phones as admin: %d %s", code, rows)
	}
	if code, rows := gwRows("acl_phones", tokens["bob"]); code != 403 {
		t.Errorf("acl_phones as bob: %d %s", code, rows)
	}
	if code, rows := gwRows("acl_orders", tokens["ana"]); code != 200 || rows != `[{"total":130}]` {
		t.Errorf("acl_orders as ana (row filter): %d %s", code, rows)
	}
	if code, rows := gwRows("acl_orders", tokens["bob"]); code != 200 || rows != `[{"total":280}]` {
		t.Errorf("acl_orders as bob: %d %s", code, rows)
	}
	if code, rows := gwRows("acl_public", ""); code != 200 || rows != `[{"phone":"*******1234"}]` {
		t.Errorf("acl_public anonymously (as carl, masked): %d %s", code, rows)
	}

	// Explain: which grant decides.
	code, out = s.call("GET", "/api/access/explain?user=ana&object="+pgID+".public.customers.ssn&privilege=query", admin, nil)
	if ex := data(out); code != 200 || ex["allowed"] != false || !strings.Contains(ex["reason"].(string), "deny query on "+pgID+".public.customers.ssn") {
		t.Errorf("explain ssn: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/access/explain?user=ana&object="+pgID+".public.customers.phone", admin, nil)
	if ex := data(out); code != 200 || ex["allowed"] != true || ex["mask"].(map[string]any)["mask"] != "partial" {
		t.Errorf("explain phone: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/access/explain?user=ana&object="+pgID+".public.orders", admin, nil)
	if ex := data(out); code != 200 || ex["allowed"] != true || len(ex["row_filters"].([]any)) != 1 {
		t.Errorf("explain orders: %d %v", code, out)
	}
	if code, out := s.call("GET", "/api/access/explain?user=carl&object="+pgID+".public.orders", tokens["ana"], nil); code != 403 {
		t.Errorf("ana explaining carl: %d %v", code, out)
	}

	// Bad input: each a clear error, and the policy unchanged.
	_, out = s.call("GET", "/api/access/grants?page_size=500", admin, nil)
	before := out["meta"].(map[string]any)["total"]
	p := pgID + ".public"
	for _, c := range []struct {
		path   string
		body   map[string]any
		status int
		field  string
	}{
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": p + ".nope", "privilege": "query", "effect": "allow"}, 400, "object"},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": p + ".customers.nope", "privilege": "query", "effect": "allow"}, 400, "object"},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": "datasource-nope.public", "privilege": "query", "effect": "allow"}, 400, "object"},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "nobody", "object": p, "privilege": "query", "effect": "allow"}, 400, "subject"},
		{"/api/access/grants", map[string]any{"subject_type": "role", "subject": "wizard", "object": p, "privilege": "query", "effect": "allow"}, 400, "subject"},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": p + ".customers", "privilege": "read", "effect": "maybe"}, 400, "privilege"},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": p + ".customers", "privilege": "query", "effect": "deny"}, 409, ""},
		{"/api/access/grants", map[string]any{"subject_type": "user", "subject": "ana", "object": p + ".customers", "privilege": "query", "effect": "allow", "expires_at": "2001-01-01T00:00:00Z"}, 400, "expires_at"},
		{"/api/access/masks", map[string]any{"object": p + ".customers.name", "mask": "partial"}, 400, "keep_last"},
		{"/api/access/masks", map[string]any{"object": p + ".customers", "mask": "full"}, 400, "object"},
		{"/api/access/masks", map[string]any{"object": p + ".customers.name", "mask": "blur"}, 400, "mask"},
		{"/api/access/row-filters", map[string]any{"object": p + ".orders", "subject_type": "user", "subject": "bob", "predicate": "amount <"}, 400, "predicate"},
		{"/api/access/row-filters", map[string]any{"object": p + ".orders", "subject_type": "user", "subject": "bob", "predicate": "1=1) union select * from salaries where (1=1"}, 400, "predicate"},
		{"/api/access/row-filters", map[string]any{"object": p + ".orders", "subject_type": "user", "subject": "bob", "predicate": "1=1; drop table orders"}, 400, "predicate"},
	} {
		code, out := s.call("POST", c.path, admin, c.body)
		raw, _ := json.Marshal(out)
		if code != c.status || out["success"] != false || (c.field != "" && !strings.Contains(string(raw), `"field":"`+c.field+`"`)) {
			t.Errorf("%s %v: want %d on %q, got %d %s", c.path, c.body, c.status, c.field, code, raw)
		}
	}
	_, out = s.call("GET", "/api/access/grants?page_size=500", admin, nil)
	if after := out["meta"].(map[string]any)["total"]; after != before {
		t.Errorf("refused grants changed the policy: %v grants before, %v after", before, after)
	}
	// An analyst cannot grant themselves anything.
	if code, out := s.call("POST", "/api/access/grants", tokens["bob"], map[string]any{"subject_type": "user", "subject": "bob", "object": p + ".salaries", "privilege": "query", "effect": "allow"}); code != 403 {
		t.Errorf("self-grant: %d %v", code, out)
	}

	// The request flow: bob asks, the owner approves, bob reads; a revocation stops him again.
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select count(*) from contacts"}); code != 403 {
		t.Errorf("bob on contacts before his request: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/access/requests", tokens["bob"], map[string]any{"object": p + ".contacts", "privilege": "query", "reason": "monthly report"})
	if code != 201 {
		t.Fatalf("request: %d %v", code, out)
	}
	req := data(out)["id"].(string)
	if code, out := s.call("POST", "/api/access/requests/"+req+"/approve", tokens["bob"], nil); code != 403 {
		t.Errorf("bob approving his own request: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/access/requests/"+req+"/approve", admin, map[string]any{"reason": "ok"})
	if code != 200 {
		t.Fatalf("approve: %d %v", code, out)
	}
	grantID := data(out)["grant_id"].(string)
	if code, out := s.call("POST", "/api/access/requests/"+req+"/reject", admin, map[string]any{"reason": "late"}); code != 409 {
		t.Errorf("reject after approve: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select phone from contacts order by id"}); code != 200 ||
		normalizeRows(mustJSON(data(out)["rows"])) != `[["****"],["****"]]` {
		t.Errorf("bob on contacts after approval: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select count(*) from customers"}); code != 403 {
		t.Errorf("bob on customers after the contacts grant: %d %v", code, out)
	}
	if code, out := s.call("DELETE", "/api/access/grants/"+grantID, admin, nil); code != 200 {
		t.Fatalf("revoke: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select count(*) from contacts"}); code != 403 {
		t.Errorf("bob on contacts after the revocation: %d %v", code, out)
	}

	// A grant stops at its expiry, with no event needed first.
	until := time.Now().Add(3 * time.Second)
	if code, out := s.call("POST", "/api/access/grants", admin, map[string]any{"subject_type": "user", "subject": "bob", "object": p + ".contacts",
		"privilege": "query", "effect": "allow", "expires_at": until.UTC().Format(time.RFC3339Nano)}); code != 201 {
		t.Fatalf("expiring grant: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select count(*) from contacts"}); code != 200 {
		t.Errorf("bob before the expiry: %d %v", code, out)
	}
	time.Sleep(time.Until(until) + 100*time.Millisecond)
	if code, out := s.call("POST", "/api/dataservice/query", tokens["bob"], map[string]any{"datasource_id": pgID, "sql": "select count(*) from contacts"}); code != 403 {
		t.Errorf("bob after the expiry: %d %v", code, out)
	}
}

// normalizeRows renders rows with numbers and dates the way the expectations write them: dates
// without a time, numeric strings as they are.
func normalizeRows(raw []byte) string {
	var rows [][]any
	_ = json.Unmarshal(raw, &rows)
	for _, r := range rows {
		for i, v := range r {
			if s, ok := v.(string); ok && len(s) > 10 && (strings.HasSuffix(s, "T00:00:00Z") || strings.HasSuffix(s, " 00:00:00Z")) {
				r[i] = s[:10]
			}
		}
	}
	if rows == nil {
		rows = [][]any{}
	}
	out, _ := json.Marshal(rows)
	return string(out)
}
