package sqlparse

import (
	"reflect"
	"strings"
	"testing"
)

func catalogColumns(table string) []string {
	switch table {
	case "public.customers", "shop.customers":
		return []string{"id", "name", "phone"}
	case "public.orders", "shop.orders":
		return []string{"id", "customer_id", "amount"}
	}
	return nil
}

func TestAnalyseAccessReads(t *testing.T) {
	cases := []struct {
		dialect, sql string
		want         map[string][]string
	}{
		{"postgres", "select phone from customers", map[string][]string{"public.customers": {"phone"}}},
		{"postgres", "select * from customers", map[string][]string{"public.customers": {"id", "name", "phone"}}},
		{"postgres", "select count(*) from customers", map[string][]string{"public.customers": nil}},
		{"postgres", "select c from customers c", map[string][]string{"public.customers": {"id", "name", "phone"}}},
		{"postgres", "with c as (select * from customers) select name from c", map[string][]string{"public.customers": {"id", "name", "phone"}}},
		{"postgres", "select name from customers where phone like '138%'", map[string][]string{"public.customers": {"name", "phone"}}},
		{"postgres", "select o.amount from orders o join customers c on c.id = o.customer_id", map[string][]string{"public.customers": {"id"}, "public.orders": {"amount", "customer_id"}}},
		{"postgres", "select x from (select lower(phone) as x from customers) s", map[string][]string{"public.customers": {"phone"}}},
		{"postgres", "select secret from customers", map[string][]string{"public.customers": {"secret"}}},
		{"postgres", "select a from unknown_t", map[string][]string{"public.unknown_t": {"a"}}},
		{"mysql", "select phone from customers", map[string][]string{"shop.customers": {"phone"}}},
		{"mysql", "select * from customers c join orders o on o.customer_id = c.id", map[string][]string{"shop.customers": {"id", "name", "phone"}, "shop.orders": {"amount", "customer_id", "id"}}},
		{"mysql", "select name from customers union select phone from customers", map[string][]string{"shop.customers": {"name", "phone"}}},
	}
	for _, c := range cases {
		schema := "public"
		if c.dialect == "mysql" {
			schema = "shop"
		}
		got, err := AnalyseAccess(LineageOptions{Dialect: c.dialect, DefaultSchema: schema, Columns: catalogColumns}, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if !reflect.DeepEqual(got.Tables, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.sql, got.Tables, c.want)
		}
	}
}

func TestAnalyseAccessRefuses(t *testing.T) {
	for _, sql := range []string{"select 1; select 2", "delete from customers", "show tables", "select * from customers for update", "selec 1"} {
		if _, err := AnalyseAccess(LineageOptions{Dialect: "postgres", DefaultSchema: "public"}, sql); err == nil {
			t.Errorf("%s: analysed", sql)
		}
	}
}

func TestRewritePutsViewsInPlace(t *testing.T) {
	view := func(d string) string {
		v, err := View(d, "public", "customers", []ViewColumn{{Name: "id"}, {Name: "phone", Mask: "partial", KeepLast: 4}}, []string{"id > 0"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct{ dialect, sql, want string }{
		{"postgres", "select phone from customers", `select phone from (SELECT "id", CASE WHEN "phone" IS NULL THEN NULL ELSE lpad(substr(CAST("phone" AS varchar), greatest(length(CAST("phone" AS varchar)) - 4, 0) + 1), length(CAST("phone" AS varchar)), '*') END AS "phone" FROM "public"."customers" WHERE (id > 0)) AS "customers"`},
		{"postgres", "select c.phone from public.customers c", `select c.phone from (SELECT`},
		{"mysql", "select phone from customers", "SELECT `phone` FROM (SELECT `id`,CASE WHEN `phone` IS NULL THEN NULL ELSE CONCAT("},
	}
	for _, c := range cases {
		a, err := AnalyseAccess(LineageOptions{Dialect: c.dialect, DefaultSchema: "public", Columns: catalogColumns}, c.sql)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Rewrite(map[string]string{"public.customers": view(c.dialect)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %s…", c.sql, got, c.want)
		}
	}
}

func TestCheckPredicate(t *testing.T) {
	for _, ok := range []string{"region = 'east'", "id in (select id from allowed)", "a > 1 and b < 2"} {
		if err := CheckPredicate("postgres", ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"1=1) union select * from salaries where (1=1", "1=1; drop table x", "1=1) --", "", "region = "} {
		if err := CheckPredicate("postgres", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		if err := CheckPredicate("mysql", bad); err == nil {
			t.Errorf("mysql %q accepted", bad)
		}
	}
}
