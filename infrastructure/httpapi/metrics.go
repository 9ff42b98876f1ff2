package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the Prometheus series AssetFlow exports on /metrics.
type Metrics struct {
	Registry       *prometheus.Registry
	HTTPDuration   *prometheus.HistogramVec
	EventsAppended prometheus.Counter
	RelayLag       prometheus.Gauge
	RelayActive    prometheus.Gauge
	ProjectionLag  *prometheus.GaugeVec
	EventsApplied  *prometheus.CounterVec
	APICalls       *prometheus.CounterVec
	APILatency     *prometheus.HistogramVec
}

// NewMetrics registers the series on a fresh registry (no globals).
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "assetflow_http_request_duration_seconds", Help: "HTTP request latency by route, method and status class.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		EventsAppended: prometheus.NewCounter(prometheus.CounterOpts{Name: "assetflow_events_appended_total", Help: "Events appended to the store by this process."}),
		RelayLag:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "assetflow_relay_lag_events", Help: "Events stored but not yet published by the active relay."}),
		RelayActive:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "assetflow_relay_active", Help: "1 when this replica runs the active relay."}),
		ProjectionLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "assetflow_projection_lag_events", Help: "Store head position minus the highest position the projection applied in this process.",
		}, []string{"projection"}),
		EventsApplied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetflow_projection_events_applied_total", Help: "Events applied per projection."}, []string{"projection"}),
		APICalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assetflow_report_api_calls_total",
			Help: "Report API (/data-api) calls by code, version, status and cache result."}, []string{"code", "version", "status", "cache"}),
		APILatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "assetflow_report_api_latency_seconds",
			Help: "Report API latency by code.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"code"}),
	}
	m.Registry.MustRegister(m.HTTPDuration, m.EventsAppended, m.RelayLag, m.RelayActive, m.ProjectionLag, m.EventsApplied, m.APICalls, m.APILatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
