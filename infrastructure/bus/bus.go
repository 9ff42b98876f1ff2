// Package bus connects AssetFlow to Kafka through watermill and sarama, and runs the embedded
// Kafka-protocol broker (kfake) when no external cluster is configured.
package bus

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Contexts are the bounded contexts; each has the topic assetflow.<context>.
var Contexts = []string{"datasource", "catalog", "dataservice", "quality", "lineage", "access", "integration", "monitor"}

// PoisonTopic receives messages a handler failed on after its retries.
const PoisonTopic = "assetflow.poison"

// Partitions of each topic on the embedded broker.
const Partitions = 8

// Topic returns the topic of a context.
func Topic(context string) string { return "assetflow." + context }

// ETLLogsTopic is where schedulers push the SQL their jobs ran, for lineage: JSON
// {job_name, dialect?, datasource_id?, default_schema?, sql}.
const ETLLogsTopic = "assetflow.etl-logs"

// Topics returns every context topic plus the poison and ETL-log topics.
func Topics() []string {
	out := make([]string, 0, len(Contexts)+2)
	for _, c := range Contexts {
		out = append(out, Topic(c))
	}
	return append(out, PoisonTopic, ETLLogsTopic)
}

// MetaStreamID is the watermill metadata key holding the stream id, used as the Kafka message key
// so one stream's events stay in one partition, in order.
const MetaStreamID = "stream_id"

// MetaEventType and MetaPosition carry the event's type and global position beside the payload, so
// a consumer can pass over an event without decoding it.
const (
	MetaEventType = "event_type"
	MetaPosition  = "position"
)

// Embedded is the in-process Kafka-protocol broker for single-node use.
type Embedded struct {
	cluster *kfake.Cluster
	Addr    string
}

// StartEmbedded starts kfake on addr (host must be 127.0.0.1), persisting under dataDir/kafka.
func StartEmbedded(addr, dataDir string) (*Embedded, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka address %q: %w", addr, err)
	}
	if host != "127.0.0.1" && host != "localhost" {
		return nil, fmt.Errorf("embedded kafka listens on 127.0.0.1 only, not %q", host)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka port %q: %w", portStr, err)
	}
	opts := []kfake.Opt{kfake.Ports(port), kfake.SeedTopics(Partitions, Topics()...), kfake.ClusterID("assetflow-embedded"),
		kfake.GroupMinSessionTimeout(time.Second)}
	if dataDir != "" {
		dir := filepath.Join(dataDir, "kafka")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("embedded kafka data dir: %w", err)
		}
		opts = append(opts, kfake.DataDir(dir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka on %s: %w", addr, err)
	}
	return &Embedded{cluster: c, Addr: fmt.Sprintf("127.0.0.1:%d", port)}, nil
}

// Close stops the broker. Close publishers and subscribers first.
func (e *Embedded) Close() { e.cluster.Close() }

// SaramaConfig is the one sarama configuration used against the embedded broker and real clusters.
func SaramaConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = sarama.V2_8_0_0
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Retry.Max = 10
	c.Producer.Idempotent = false
	c.Producer.Partitioner = sarama.NewHashPartitioner
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	c.Consumer.Return.Errors = true
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Interval = 200 * time.Millisecond
	c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	c.Consumer.Group.Session.Timeout = 10 * time.Second
	c.Consumer.Group.Heartbeat.Interval = time.Second
	return c
}

// Logger adapts slog to watermill at Info: watermill's debug and trace output is enormous.
func Logger() watermill.LoggerAdapter {
	return watermill.NewSlogLogger(slog.Default())
}

// Marshaler keys messages by stream id.
func Marshaler() kafka.MarshalerUnmarshaler {
	return kafka.NewWithPartitioningMarshaler(func(_ string, msg *message.Message) (string, error) {
		return msg.Metadata.Get(MetaStreamID), nil
	})
}

// NewPublisher returns a synchronous watermill-kafka publisher.
func NewPublisher(brokers []string, clientID string) (message.Publisher, error) {
	p, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers: brokers, Marshaler: Marshaler(), OverwriteSaramaConfig: SaramaConfig(clientID),
	}, Logger())
	if err != nil {
		return nil, fmt.Errorf("kafka publisher: %w", err)
	}
	return p, nil
}

// NewSubscriber returns a consumer-group subscriber starting at the oldest offset for new groups.
func NewSubscriber(brokers []string, group string) (message.Subscriber, error) {
	s, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers: brokers, Unmarshaler: Marshaler(), OverwriteSaramaConfig: SaramaConfig(group),
		ConsumerGroup: group, NackResendSleep: 100 * time.Millisecond, ReconnectRetrySleep: 500 * time.Millisecond,
	}, Logger())
	if err != nil {
		return nil, fmt.Errorf("kafka subscriber %s: %w", group, err)
	}
	return s, nil
}
