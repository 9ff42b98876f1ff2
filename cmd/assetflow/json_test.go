package main

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func sqlOpenMaria() (*sql.DB, error) {
	return sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
}

func uuidString() string { return uuid.NewString() }

// mariaDatabase creates a MariaDB database of the test's own, named from prefix, runs setup in it
// and drops it when the test ends; it returns the root connection (multi-statement) and the name.
func mariaDatabase(t testing.TB, prefix, setup string) (*sql.DB, string) {
	t.Helper()
	root, err := sqlOpenMaria()
	if err != nil {
		t.Fatal(err)
	}
	name := "aft_" + prefix + "_" + strings.ReplaceAll(uuidString(), "-", "")[:10]
	t.Cleanup(func() {
		_, _ = root.Exec("drop database if exists " + name)
		root.Close()
	})
	if _, err := root.Exec("create database " + name + "; use " + name + "; " + setup); err != nil {
		t.Fatal(err)
	}
	return root, name
}
