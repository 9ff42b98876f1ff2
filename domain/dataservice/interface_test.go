package dataservice_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"assetflow/domain/dataservice"
	"assetflow/domain/fault"
)

func TestBindNamedParameters(t *testing.T) {
	t.Parallel()
	sql := `select ':notaparam', "a:b", x::text -- :nope
		from t /* :neither */ where d between :startDate and :endDate and (:storeId is null or s = :storeId)`
	if got := fmt.Sprint(dataservice.NamedParams(sql)); got != "[startDate endDate storeId]" {
		t.Fatalf("named params: %s", got)
	}
	values := map[string]any{"startDate": "2025-01-01", "endDate": "2025-01-31", "storeId": "S1'; drop table t; --"}
	pgSQL, pgArgs := dataservice.Bind(sql, true, func(n string) any { return values[n] })
	if !strings.Contains(pgSQL, "between $1 and $2 and ($3 is null or s = $3)") || len(pgArgs) != 3 || strings.Contains(pgSQL, "drop table") {
		t.Fatalf("pg bind: %s %v", pgSQL, pgArgs)
	}
	if !strings.Contains(pgSQL, "x::text") || !strings.Contains(pgSQL, "':notaparam'") {
		t.Fatalf("literals and casts changed: %s", pgSQL)
	}
	myStatement, myArgs := dataservice.Bind(sql, false, func(n string) any { return values[n] })
	if strings.Count(myStatement, "?") != 4 || len(myArgs) != 4 || myArgs[3] != values["storeId"] {
		t.Fatalf("mysql bind: %s %v", myStatement, myArgs)
	}
}

func validDefinition() dataservice.Definition {
	return dataservice.Definition{Code: "sales_daily_summary", Name: "每日销售汇总", DatasourceID: "datasource-1",
		Parameters:    []dataservice.Parameter{{Name: "startDate", Type: "date", Required: true}, {Name: "storeId"}},
		QueryTemplate: "select * from fact_sales where date >= :startDate and (:storeId is null or store_id = :storeId)"}
}

func TestDefinitionRules(t *testing.T) {
	t.Parallel()
	d, err := validDefinition().Normalize()
	if err != nil || d.Version != "1.0.0" || d.Method != "GET" || !d.AuthRequired || d.TimeoutMs != 20000 || d.Parameters[1].In != "query" {
		t.Fatalf("defaults: %+v %v", d, err)
	}
	bad := validDefinition()
	bad.Code = "Bad-Code"
	bad.QueryTemplate = "select * from t where a = :undeclared and b = '{{ x }}'"
	bad.SafeMode = true
	bad.IPWhitelist = []string{"10.0.0.0/8", "not-an-ip"}
	bad.Pagination = &dataservice.Pagination{Enabled: true, DefaultPageSize: 200, MaxPageSize: 100}
	_, err = bad.Normalize()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("want invalid, got %v", err)
	}
	got := map[string]int{}
	for _, d := range fe.Details {
		got[d.Field]++
	}
	if got["code"] != 1 || got["query_template"] != 2 || got["ip_whitelist"] != 1 || got["pagination.default_page_size"] != 1 {
		t.Fatalf("problems by field: %v", got)
	}
}

func TestInterfaceLifecycle(t *testing.T) {
	t.Parallel()
	i, err := dataservice.CreateInterface(validDefinition())
	if err != nil || i.ID() != "iface-sales_daily_summary@1.0.0" || i.Status != "draft" {
		t.Fatalf("create: %v %+v", err, i)
	}
	if err := i.SetStatus("deprecated"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("draft to deprecated: %v", err)
	}
	for _, s := range []string{"active", "deprecated", "active", "disabled"} {
		if err := i.SetStatus(s); err != nil || i.Status != s {
			t.Fatalf("to %s: %v", s, err)
		}
	}
	if err := i.SetStatus("deleted"); err != nil || i.Exists() {
		t.Fatalf("delete a disabled version: %v", err)
	}
}
