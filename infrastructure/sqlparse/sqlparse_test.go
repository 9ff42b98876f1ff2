package sqlparse_test

import (
	"errors"
	"testing"

	"assetflow/domain/fault"
	"assetflow/infrastructure/sqlparse"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		d        sqlparse.Dialect
		sql      string
		readOnly bool
		pageable bool
		limited  bool
	}{
		{"pg select", sqlparse.Postgres, "select * from t where a = 1 order by b", true, true, false},
		{"pg limited", sqlparse.Postgres, "select * from t limit 5", true, true, true},
		{"pg cte select", sqlparse.Postgres, "with x as (select 1) select * from x", true, true, false},
		{"pg cte delete", sqlparse.Postgres, "with x as (delete from t returning *) select * from x", false, false, false},
		{"pg select into", sqlparse.Postgres, "select * into newt from t", false, false, false},
		{"pg for update", sqlparse.Postgres, "select * from t for update", false, false, false},
		{"pg explain", sqlparse.Postgres, "explain select 1", true, false, false},
		{"pg explain analyze delete", sqlparse.Postgres, "explain analyze delete from t", false, false, false},
		{"pg show", sqlparse.Postgres, "show search_path", true, false, false},
		{"pg union", sqlparse.Postgres, "select 1 union all select 2", true, true, false},
		{"pg insert", sqlparse.Postgres, "insert into t values (1)", false, false, false},
		{"pg drop", sqlparse.Postgres, "drop table t", false, false, false},
		{"pg comment trick", sqlparse.Postgres, "select 1 -- ; drop table t", true, true, false},
		{"mysql select", sqlparse.MySQL, "select * from `select` where `from` = 1", true, true, false},
		{"mysql limited", sqlparse.MySQL, "select * from t limit 10, 5", true, true, true},
		{"mysql show", sqlparse.MySQL, "show tables", true, false, false},
		{"mysql describe", sqlparse.MySQL, "describe t", true, false, false},
		{"mysql explain", sqlparse.MySQL, "explain select * from t", true, false, false},
		{"mysql union", sqlparse.MySQL, "select 1 union select 2", true, true, false},
		{"mysql cte", sqlparse.MySQL, "with x as (select 1 as a) select * from x", true, true, false},
		{"mysql into outfile", sqlparse.MySQL, "select * from t into outfile '/tmp/x'", false, false, false},
		{"mysql update", sqlparse.MySQL, "update t set a = 1", false, false, false},
		{"mysql truncate", sqlparse.MySQL, "truncate table t", false, false, false},
		{"mysql for update", sqlparse.MySQL, "select * from t for update", false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, err := sqlparse.Single(tc.d, tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			if st.ReadOnly != tc.readOnly || (tc.readOnly && st.Pageable != tc.pageable) || st.Limited != tc.limited {
				t.Fatalf("%+v", st)
			}
			if err := sqlparse.CheckReadOnly(st); (err == nil) != tc.readOnly || (err != nil && !errors.Is(err, fault.ErrForbidden)) {
				t.Fatalf("read-only check: %v", err)
			}
		})
	}
}

func TestSingleAndSyntax(t *testing.T) {
	t.Parallel()
	if _, err := sqlparse.Single(sqlparse.Postgres, "select 1; drop table t"); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("two statements: %v", err)
	}
	if _, err := sqlparse.Single(sqlparse.MySQL, "selec 1"); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("syntax: %v", err)
	}
	if _, err := sqlparse.Single(sqlparse.Postgres, "  ;  "); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("empty: %v", err)
	}
}
