package datasource_test

import (
	"errors"
	"testing"

	"assetflow/domain/datasource"
	"assetflow/domain/fault"
)

func TestConfigRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		cfg    datasource.Config
		fields []string
	}{
		{"mariadb with defaults", datasource.Config{Name: "m", Type: "mariadb", Host: "db", Username: "u"}, nil},
		{"unknown type", datasource.Config{Name: "m", Type: "oracle", Host: "db"}, []string{"type"}},
		{"no host", datasource.Config{Name: "m", Type: "mysql", Username: "u"}, []string{"host"}},
		{"port", datasource.Config{Name: "m", Type: "mysql", Host: "db", Port: 70000, Username: "u"}, []string{"port"}},
		{"pg needs a database", datasource.Config{Name: "p", Type: "postgresql", Host: "db", Username: "u"}, []string{"database"}},
		{"bad name", datasource.Config{Name: "", Type: "trino", Host: "db", Username: "u"}, []string{"name"}},
		{"bad tls", datasource.Config{Name: "m", Type: "mysql", Host: "db", Username: "u", TLSMode: "maybe"}, []string{"tls_mode"}},
		{"bad param", datasource.Config{Name: "m", Type: "mysql", Host: "db", Username: "u", Params: map[string]string{"a b": "c"}}, []string{"params"}},
		{"host with path", datasource.Config{Name: "m", Type: "mysql", Host: "db/x", Username: "u"}, []string{"host"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.cfg.Normalize()
			if len(tc.fields) == 0 {
				if err != nil || got.Port != 3306 || got.TLSMode != "disable" || got.Params == nil {
					t.Fatalf("normalize: %+v %v", got, err)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || len(fe.Details) != len(tc.fields) {
				t.Fatalf("want fields %v, got %v", tc.fields, err)
			}
			for i, f := range tc.fields {
				if fe.Details[i].Field != f {
					t.Fatalf("detail %d is %s, want %s", i, fe.Details[i].Field, f)
				}
			}
		})
	}
}

func TestDatasourceLifecycle(t *testing.T) {
	t.Parallel()
	cfg := datasource.Config{Name: "sales", Type: "postgresql", Host: "db", Database: "sales", Username: "u"}
	d, err := datasource.Register("datasource-1", cfg, "u1", "alice", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes()) != 2 || d.Config.Port != 5432 {
		t.Fatalf("register: %+v", d)
	}
	changed := cfg
	changed.Type = "mysql"
	if err := d.Update(changed, false, false); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("type change: %v", err)
	}
	cfg.Host = "db2"
	if err := d.Update(cfg, false, false); err != nil || d.Config.Host != "db2" {
		t.Fatalf("update: %v", err)
	}
	err = d.Remove([]string{"report API sales_daily"}, false)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.KindConflict || fe.Details[0].Message != "report API sales_daily" {
		t.Fatalf("remove in use: %v", err)
	}
	if err := d.Remove([]string{"report API sales_daily"}, true); err != nil || d.Exists() {
		t.Fatalf("cascade: %v", err)
	}
	if err := d.Update(cfg, false, false); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("update after removal: %v", err)
	}
}
