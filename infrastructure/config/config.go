// Package config reads AssetFlow's configuration from the environment, in one place.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration. Each field names its variable and default.
type Config struct {
	// DatabaseURL: ASSETFLOW_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/assetflow?sslmode=disable.
	// The database is created when missing.
	DatabaseURL string
	// HTTPAddr: ASSETFLOW_HTTP_ADDR, default 127.0.0.1:8080.
	HTTPAddr string
	// KafkaBrokers: ASSETFLOW_KAFKA_BROKERS, comma-separated; empty starts the embedded broker.
	KafkaBrokers []string
	// EmbeddedKafkaAddr: ASSETFLOW_EMBEDDED_KAFKA_ADDR, default 127.0.0.1:9092 (embedded broker only).
	EmbeddedKafkaAddr string
	// DataDir: ASSETFLOW_DATA_DIR, default ./var: embedded broker log, generated secret key.
	DataDir string
	// AdminPassword: ASSETFLOW_ADMIN_PASSWORD; the bootstrap admin's password. When unset and no
	// admin exists, a random one is generated and printed once.
	AdminPassword string
	// SecretKey: ASSETFLOW_SECRET_KEY, base64 of 32 bytes; signs tokens and encrypts datasource
	// credentials. When unset, one is generated under DataDir (single node only: replicas must share it).
	SecretKey []byte
	// SecretKeyPrevious: ASSETFLOW_SECRET_KEY_PREVIOUS, base64 of 32 bytes; a former key that can
	// still open credentials sealed before a rotation (see `assetflow secrets rotate`).
	SecretKeyPrevious []byte
	// TokenTTL: ASSETFLOW_TOKEN_TTL, default 12h.
	TokenTTL time.Duration
	// Demo: ASSETFLOW_DEMO, default true for `serve`: seed demo content on an empty store.
	Demo bool
	// DemoMariaDB: ASSETFLOW_DEMO_MARIADB, default root@tcp(127.0.0.1:3306)/; where the demo puts
	// its operational MariaDB copy when a server answers there.
	DemoMariaDB string
	// ReadYourWritesTimeout: ASSETFLOW_RYW_TIMEOUT, default 3s; how long a command waits for read models.
	ReadYourWritesTimeout time.Duration
	// FactBatchWindow: ASSETFLOW_FACT_BATCH_WINDOW, default 50ms; the loss bound of high-volume facts on a crash.
	FactBatchWindow time.Duration
	// BcryptCost: ASSETFLOW_BCRYPT_COST, default 10.
	BcryptCost int
	// QueryMaxConcurrent: ASSETFLOW_QUERY_MAX_CONCURRENT, default 3; console queries one user may
	// run at once on a replica.
	QueryMaxConcurrent int
	// ExportMaxRows: ASSETFLOW_EXPORT_MAX_ROWS, default 10000; the row cap of CSV exports (admins
	// may ask for up to 1,000,000).
	ExportMaxRows int
	// SyncMaxParallelism: ASSETFLOW_SYNC_MAX_PARALLELISM, default 8; bounds how many splits of one
	// table a sync run copies at once, whatever its task asks (1: every table in one pass).
	SyncMaxParallelism int
	// NodeID: ASSETFLOW_NODE_ID, default hostname:pid; names this replica in logs and metrics.
	NodeID string
	// PprofAddr: ASSETFLOW_PPROF_ADDR, off by default; serves Go's /debug/pprof profiles there
	// (bind it to 127.0.0.1: profiles show code paths and memory).
	PprofAddr string
}

// DefaultDatabaseURL is used when ASSETFLOW_DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/assetflow?sslmode=disable"

// FromEnv reads the configuration; Validate reports every problem at once.
func FromEnv() (Config, error) {
	var errs []error
	c := Config{
		DatabaseURL:       env("ASSETFLOW_DATABASE_URL", DefaultDatabaseURL),
		HTTPAddr:          env("ASSETFLOW_HTTP_ADDR", "127.0.0.1:8080"),
		EmbeddedKafkaAddr: env("ASSETFLOW_EMBEDDED_KAFKA_ADDR", "127.0.0.1:9092"),
		DataDir:           env("ASSETFLOW_DATA_DIR", "./var"),
		AdminPassword:     os.Getenv("ASSETFLOW_ADMIN_PASSWORD"),
		NodeID:            os.Getenv("ASSETFLOW_NODE_ID"),
		PprofAddr:         os.Getenv("ASSETFLOW_PPROF_ADDR"),
	}
	for _, b := range strings.Split(os.Getenv("ASSETFLOW_KAFKA_BROKERS"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.KafkaBrokers = append(c.KafkaBrokers, b)
		}
	}
	if k := os.Getenv("ASSETFLOW_SECRET_KEY"); k != "" {
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(key) != 32 {
			errs = append(errs, errors.New("ASSETFLOW_SECRET_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)"))
		}
		c.SecretKey = key
	}
	if k := os.Getenv("ASSETFLOW_SECRET_KEY_PREVIOUS"); k != "" {
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(key) != 32 {
			errs = append(errs, errors.New("ASSETFLOW_SECRET_KEY_PREVIOUS must be base64 of exactly 32 bytes"))
		}
		c.SecretKeyPrevious = key
	}
	c.TokenTTL = duration(&errs, "ASSETFLOW_TOKEN_TTL", 12*time.Hour)
	c.ReadYourWritesTimeout = duration(&errs, "ASSETFLOW_RYW_TIMEOUT", 3*time.Second)
	c.FactBatchWindow = duration(&errs, "ASSETFLOW_FACT_BATCH_WINDOW", 50*time.Millisecond)
	c.Demo = boolean(&errs, "ASSETFLOW_DEMO", true)
	c.DemoMariaDB = env("ASSETFLOW_DEMO_MARIADB", "root@tcp(127.0.0.1:3306)/")
	c.BcryptCost = integer(&errs, "ASSETFLOW_BCRYPT_COST", 10)
	c.QueryMaxConcurrent = integer(&errs, "ASSETFLOW_QUERY_MAX_CONCURRENT", 3)
	c.ExportMaxRows = integer(&errs, "ASSETFLOW_EXPORT_MAX_ROWS", 10000)
	c.SyncMaxParallelism = integer(&errs, "ASSETFLOW_SYNC_MAX_PARALLELISM", 8)
	if c.NodeID == "" {
		h, _ := os.Hostname()
		c.NodeID = fmt.Sprintf("%s:%d", h, os.Getpid())
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate checks the values that FromEnv could parse.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("ASSETFLOW_HTTP_ADDR %q: %w", c.HTTPAddr, err))
	}
	if len(c.KafkaBrokers) == 0 {
		if _, _, err := net.SplitHostPort(c.EmbeddedKafkaAddr); err != nil {
			errs = append(errs, fmt.Errorf("ASSETFLOW_EMBEDDED_KAFKA_ADDR %q: %w", c.EmbeddedKafkaAddr, err))
		}
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("ASSETFLOW_DATABASE_URL must be a postgres:// URL"))
	}
	if c.BcryptCost < 4 || c.BcryptCost > 16 {
		errs = append(errs, fmt.Errorf("ASSETFLOW_BCRYPT_COST must be 4-16"))
	}
	if c.QueryMaxConcurrent < 1 || c.QueryMaxConcurrent > 100 {
		errs = append(errs, fmt.Errorf("ASSETFLOW_QUERY_MAX_CONCURRENT must be 1-100"))
	}
	if c.ExportMaxRows < 1 || c.ExportMaxRows > 1000000 {
		errs = append(errs, fmt.Errorf("ASSETFLOW_EXPORT_MAX_ROWS must be 1-1000000"))
	}
	if c.SyncMaxParallelism < 1 || c.SyncMaxParallelism > 8 {
		errs = append(errs, fmt.Errorf("ASSETFLOW_SYNC_MAX_PARALLELISM must be 1-8"))
	}
	if c.FactBatchWindow <= 0 || c.FactBatchWindow > 5*time.Second {
		errs = append(errs, fmt.Errorf("ASSETFLOW_FACT_BATCH_WINDOW must be in (0, 5s]"))
	}
	return errors.Join(errs...)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func duration(errs *[]error, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: %w", name, err))
		return def
	}
	return d
}

func boolean(errs *[]error, name string, def bool) bool {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: %w", name, err))
		return def
	}
	return b
}

func integer(errs *[]error, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: %w", name, err))
		return def
	}
	return n
}
