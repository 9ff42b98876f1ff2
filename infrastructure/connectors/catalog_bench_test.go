package connectors_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"assetflow/domain/datasource"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/postgres/pgtest"
)

// Catalog benchmarks: ListTablesInfo + ListColumns over 10,000 tables of 20 columns, beside the
// raw information_schema queries run by the engine's own command-line client in the same run.

const benchTables, benchColumns = 10000, 20

var (
	benchOnce       sync.Map // engine -> *benchFixture
	benchCleanups   []func()
	benchCleanupsMu sync.Mutex
)

type benchFixture struct {
	once     sync.Once
	settings connectors.Settings
	db       string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchCleanups {
		f()
	}
	os.Exit(code)
}

func benchPostgres(b *testing.B) *benchFixture {
	v, _ := benchOnce.LoadOrStore("pg", &benchFixture{})
	f := v.(*benchFixture)
	f.once.Do(func() {
		name := "afbench_catalog"
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, pgtest.ServerURL()+"/postgres?sslmode=disable")
		if err != nil {
			f.err = err
			return
		}
		defer admin.Close(ctx)
		_, _ = admin.Exec(ctx, "drop database if exists "+name+" with (force)")
		if _, f.err = admin.Exec(ctx, "create database "+name); f.err != nil {
			return
		}
		benchCleanupsMu.Lock()
		benchCleanups = append(benchCleanups, func() {
			c, err := pgx.Connect(ctx, pgtest.ServerURL()+"/postgres?sslmode=disable")
			if err == nil {
				_, _ = c.Exec(ctx, "drop database if exists "+name+" with (force)")
				c.Close(ctx)
			}
		})
		benchCleanupsMu.Unlock()
		if f.err = pgtest.CreateWideTables(ctx, pgtest.ServerURL()+"/"+name+"?sslmode=disable", benchTables, benchColumns); f.err != nil {
			return
		}
		f.settings = connectors.Settings{Type: datasource.PostgreSQL, Host: "127.0.0.1", Port: 5432, Database: name, Username: "postgres"}
		f.db = "public"
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f
}

func benchMariaDB(b *testing.B) *benchFixture {
	v, _ := benchOnce.LoadOrStore("maria", &benchFixture{})
	f := v.(*benchFixture)
	f.once.Do(func() {
		name := "afbench_catalog"
		admin, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
		if err != nil {
			f.err = err
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("drop database if exists " + name)
		if _, f.err = admin.Exec("create database " + name); f.err != nil {
			return
		}
		benchCleanupsMu.Lock()
		benchCleanups = append(benchCleanups, func() {
			if c, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"); err == nil {
				_, _ = c.Exec("drop database if exists " + name)
				c.Close()
			}
		})
		benchCleanupsMu.Unlock()
		for start := 0; start < benchTables; start += 500 {
			var batch strings.Builder
			batch.WriteString("use " + name + ";")
			for i := start; i < start+500; i++ {
				batch.WriteString(pgtest.WideTableDDL(i, benchColumns))
			}
			if _, f.err = admin.Exec(batch.String()); f.err != nil {
				return
			}
		}
		f.settings = connectors.Settings{Type: datasource.MariaDB, Host: "127.0.0.1", Port: 3306, Database: name, Username: "root"}
		f.db = name
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f
}

func benchCatalog(b *testing.B, f *benchFixture) {
	c, err := connectors.Open(f.settings)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tables, err := c.ListTablesInfo(ctx, f.db)
		if err != nil || len(tables) != benchTables {
			b.Fatalf("tables: %d %v", len(tables), err)
		}
		cols, err := c.ListColumns(ctx, f.db)
		if err != nil || len(cols) != benchTables*benchColumns {
			b.Fatalf("columns: %d %v", len(cols), err)
		}
	}
}

func benchCLI(b *testing.B, name string, args ...string) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(name, args...)
		cmd.Stdout = nil
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v %s", name, err, out[:min(len(out), 300)])
		}
	}
}

func BenchmarkCatalogPostgres(b *testing.B) { benchCatalog(b, benchPostgres(b)) }

func BenchmarkCatalogPostgresRawPsqlBaseline(b *testing.B) {
	f := benchPostgres(b)
	benchCLI(b, "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", f.settings.Database, "-At", "-o", "/dev/null",
		"-c", "select table_name, table_type from information_schema.tables where table_schema = 'public'",
		"-c", "select table_name, ordinal_position, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'public'")
}

func BenchmarkCatalogMariaDB(b *testing.B) { benchCatalog(b, benchMariaDB(b)) }

func BenchmarkCatalogMariaDBRawClientBaseline(b *testing.B) {
	f := benchMariaDB(b)
	benchCLI(b, "sh", "-c", "mariadb -h 127.0.0.1 -uroot -N -e \"select table_name, table_comment, table_type, table_rows from information_schema.tables where table_schema = '"+f.db+
		"'; select table_name, ordinal_position, column_name, column_type, column_comment, column_key, is_nullable, column_default from information_schema.columns where table_schema = '"+f.db+"'\" > /dev/null")
}
