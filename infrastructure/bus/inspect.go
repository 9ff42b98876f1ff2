package bus

import (
	"fmt"
	"sort"
	"strings"

	"github.com/IBM/sarama"
)

// KafkaInfo is what the monitor shows of the broker cluster.
type KafkaInfo struct {
	Brokers []string    `json:"brokers"`
	Topics  []TopicInfo `json:"topics"`
	Groups  []GroupLag  `json:"groups"`
	Error   string      `json:"error,omitempty"`
}

// TopicInfo is one topic's size.
type TopicInfo struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
	Messages   int64  `json:"messages"` // sum of end offsets
}

// GroupLag is a consumer group's distance from the end of its topic.
type GroupLag struct {
	Group string `json:"group"`
	Topic string `json:"topic"`
	Lag   int64  `json:"lag"`
}

// Inspect reads topics, partitions, end offsets and the lag of AssetFlow's consumer groups.
func Inspect(brokers []string) KafkaInfo {
	info := KafkaInfo{Brokers: brokers}
	client, err := sarama.NewClient(brokers, SaramaConfig("assetflow-monitor"))
	if err != nil {
		info.Error = err.Error()
		return info
	}
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		info.Error = err.Error()
		return info
	}
	info.Brokers = nil
	for _, b := range client.Brokers() {
		info.Brokers = append(info.Brokers, fmt.Sprintf("%d@%s", b.ID(), b.Addr()))
	}
	ends := map[string]map[int32]int64{}
	for _, t := range Topics() {
		parts, err := client.Partitions(t)
		if err != nil {
			continue
		}
		ti := TopicInfo{Name: t, Partitions: len(parts)}
		ends[t] = map[int32]int64{}
		for _, p := range parts {
			if off, err := client.GetOffset(t, p, sarama.OffsetNewest); err == nil {
				ends[t][p] = off
				ti.Messages += off
			}
		}
		info.Topics = append(info.Topics, ti)
	}
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		info.Error = err.Error()
		return info
	}
	var names []string
	for g := range groups {
		if strings.HasPrefix(g, "assetflow.projection.") {
			names = append(names, g)
		}
	}
	sort.Strings(names)
	for _, g := range names {
		topic := Topic(g[strings.LastIndex(g, ".")+1:])
		parts := make([]int32, 0, len(ends[topic]))
		for p := range ends[topic] {
			parts = append(parts, p)
		}
		offs, err := admin.ListConsumerGroupOffsets(g, map[string][]int32{topic: parts})
		if err != nil {
			continue
		}
		var lag int64
		for p, end := range ends[topic] {
			if b := offs.GetBlock(topic, p); b != nil && b.Offset >= 0 {
				lag += end - b.Offset
			} else {
				lag += end
			}
		}
		info.Groups = append(info.Groups, GroupLag{Group: g, Topic: topic, Lag: lag})
	}
	return info
}
