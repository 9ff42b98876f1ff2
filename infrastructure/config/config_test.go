package config

import (
	"strings"
	"testing"
)

func TestFromEnvDefaultsAndErrors(t *testing.T) {
	t.Setenv("ASSETFLOW_DATABASE_URL", "")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.EmbeddedKafkaAddr != "127.0.0.1:9092" || len(c.KafkaBrokers) != 0 || c.DatabaseURL != DefaultDatabaseURL ||
		c.SyncMaxParallelism != 8 {
		t.Fatalf("defaults: %+v", c)
	}
	t.Setenv("ASSETFLOW_HTTP_ADDR", "nope")
	t.Setenv("ASSETFLOW_SECRET_KEY", "c2hvcnQ=")
	t.Setenv("ASSETFLOW_TOKEN_TTL", "forever")
	t.Setenv("ASSETFLOW_KAFKA_BROKERS", "k1:9092, k2:9092")
	t.Setenv("ASSETFLOW_SYNC_MAX_PARALLELISM", "9")
	c, err = FromEnv()
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"ASSETFLOW_HTTP_ADDR", "ASSETFLOW_SECRET_KEY", "ASSETFLOW_TOKEN_TTL", "ASSETFLOW_SYNC_MAX_PARALLELISM"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if len(c.KafkaBrokers) != 2 || c.KafkaBrokers[1] != "k2:9092" {
		t.Fatalf("brokers: %v", c.KafkaBrokers)
	}
}
