package backup

import (
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
)

// metric is one family in the metrics file.
type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*JobStatus) (float64, bool)
}

func newMetric(name, help string, kind prometheus.ValueType, value func(*JobStatus) (float64, bool)) metric {
	return metric{prometheus.NewDesc(name, help, []string{"subvolume"}, nil), kind, value}
}

var metrics = []metric{
	newMetric("argo_backup_last_success_timestamp_seconds", "Unix time of the last successful backup.", prometheus.GaugeValue,
		func(j *JobStatus) (float64, bool) {
			return float64(j.LastSuccess.UnixMilli()) / 1000, !j.LastSuccess.IsZero()
		}),
	newMetric("argo_backup_last_duration_seconds", "Duration of the last backup run, successful or not.", prometheus.GaugeValue,
		func(j *JobStatus) (float64, bool) { return j.LastDuration, true }),
	newMetric("argo_backup_last_bytes_sent", "Bytes of the last committed backup's send stream.", prometheus.GaugeValue,
		func(j *JobStatus) (float64, bool) { return float64(j.BytesSent), true }),
	newMetric("argo_backup_last_bytes_stored", "Bytes the last committed backup stores on the remote.", prometheus.GaugeValue,
		func(j *JobStatus) (float64, bool) { return float64(j.BytesStored), true }),
	newMetric("argo_backup_failures_total", "Failed backup runs.", prometheus.CounterValue,
		func(j *JobStatus) (float64, bool) { return float64(j.FailuresTotal), true }),
	newMetric("argo_backup_chain_depth", "Incremental streams a restore of the newest backup replays after the full.", prometheus.GaugeValue,
		func(j *JobStatus) (float64, bool) { return float64(j.ChainDepth), true }),
}

// statusCollector turns status.json into metrics: the values are already
// computed, so they are constant metrics, read once per write.
type statusCollector struct{ st *Status }

func (c statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metrics {
		ch <- m.desc
	}
}

func (c statusCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range metrics {
		for name, j := range c.st.Subvolumes {
			if v, ok := m.value(j); ok {
				ch <- prometheus.MustNewConstMetric(m.desc, m.kind, v, name)
			}
		}
	}
}

// writeMetrics writes st in the Prometheus text format for node_exporter's
// textfile collector. WriteToTextfile writes atomically (the collector may
// read at any moment) and world-readable (node_exporter does not run as
// root).
func writeMetrics(path string, st *Status) error {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(statusCollector{st}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return prometheus.WriteToTextfile(path, reg)
}
