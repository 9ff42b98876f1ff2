package main

import (
	"database/sql"
	"encoding/json"

	"github.com/google/uuid"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func sqlOpenMaria() (*sql.DB, error) {
	return sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
}

func uuidString() string { return uuid.NewString() }
