package backup

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// metric is one family in the metrics file.
type metric struct {
	name, help, kind string
	value            func(*JobStatus) (float64, bool)
}

var metrics = []metric{
	{"argo_backup_last_success_timestamp_seconds", "Unix time of the last successful backup.", "gauge",
		func(j *JobStatus) (float64, bool) {
			return float64(j.LastSuccess.UnixMilli()) / 1000, !j.LastSuccess.IsZero()
		}},
	{"argo_backup_last_duration_seconds", "Duration of the last backup run, successful or not.", "gauge",
		func(j *JobStatus) (float64, bool) { return j.LastDuration, true }},
	{"argo_backup_last_bytes_sent", "Bytes of the last committed backup's send stream.", "gauge",
		func(j *JobStatus) (float64, bool) { return float64(j.BytesSent), true }},
	{"argo_backup_last_bytes_stored", "Bytes the last committed backup stores on the remote.", "gauge",
		func(j *JobStatus) (float64, bool) { return float64(j.BytesStored), true }},
	{"argo_backup_failures_total", "Failed backup runs.", "counter",
		func(j *JobStatus) (float64, bool) { return float64(j.FailuresTotal), true }},
	{"argo_backup_chain_depth", "Incremental streams a restore of the newest backup replays after the full.", "gauge",
		func(j *JobStatus) (float64, bool) { return float64(j.ChainDepth), true }},
}

// writeMetrics writes st in the Prometheus text format for node_exporter's
// textfile collector, atomically (the collector may read at any moment).
func writeMetrics(path string, st *Status) error {
	var b bytes.Buffer
	names := make([]string, 0, len(st.Subvolumes))
	for name := range st.Subvolumes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, m := range metrics {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.kind)
		for _, name := range names {
			if v, ok := m.value(st.Subvolumes[name]); ok {
				fmt.Fprintf(&b, "%s{subvolume=%s} %s\n", m.name, quoteLabel(name), strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return err
	}
	return os.Chmod(path, 0o644) // node_exporter does not run as root
}

func quoteLabel(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
