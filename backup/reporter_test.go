package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/argo-backup/argo-backup/manifest"
)

var (
	t0   = time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	home = Subvolume{Name: "home", Path: "/home", SnapshotDir: "/nonexistent/snapshots"}
)

func newTestReporter(t *testing.T) *Reporter {
	dir := t.TempDir()
	return &Reporter{State: State{Dir: dir}, Host: "desk", MetricsFile: filepath.Join(dir, "textfile", "argo.prom")}
}

func readStatus(t *testing.T, r *Reporter) *JobStatus {
	t.Helper()
	st, err := r.State.ReadStatus()
	if err != nil {
		t.Fatal(err)
	}
	j := st.Subvolumes["home"]
	if j == nil {
		t.Fatal("status file has no entry for home")
	}
	return j
}

func TestStatusRecordsSuccessThenFailure(t *testing.T) {
	r := newTestReporter(t)
	ctx := context.Background()
	rec := &manifest.Record{Snapshot: "home.20261110T020000Z", PlainBytes: 5000, StoredBytes: 2000}
	r.Pushed(ctx, home, t0, t0.Add(90*time.Second), rec, nil)
	j := readStatus(t, r)
	if !j.LastSuccess.Equal(t0.Add(90*time.Second)) || j.LastDuration != 90 || j.BytesSent != 5000 || j.BytesStored != 2000 || j.Failing() {
		t.Errorf("after a success: %+v", j)
	}

	r.Pushed(ctx, home, t0.Add(time.Hour), t0.Add(time.Hour+time.Second), nil, errors.New("remote unreachable"))
	j = readStatus(t, r)
	if !j.Failing() || j.LastError != "remote unreachable" || j.FailuresTotal != 1 || j.BytesSent != 5000 {
		t.Errorf("after a failure: %+v", j)
	}
	if !j.LastSuccess.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("a failure changed the last success to %v", j.LastSuccess)
	}
}

func TestMetricsFile(t *testing.T) {
	r := newTestReporter(t)
	ctx := context.Background()
	rec := &manifest.Record{Snapshot: "home.20261110T020000Z", PlainBytes: 5000, StoredBytes: 2000}
	r.Pushed(ctx, home, t0, t0.Add(90*time.Second), rec, nil)
	r.Pushed(ctx, home, t0, t0.Add(time.Second), nil, errors.New("boom"))
	got := readMetrics(t, r.MetricsFile)
	for _, want := range []struct {
		name  string
		kind  dto.MetricType
		value float64
	}{
		{"argo_backup_last_success_timestamp_seconds", dto.MetricType_GAUGE, float64(t0.Add(90 * time.Second).Unix())},
		{"argo_backup_last_duration_seconds", dto.MetricType_GAUGE, 1},
		{"argo_backup_last_bytes_sent", dto.MetricType_GAUGE, 5000},
		{"argo_backup_last_bytes_stored", dto.MetricType_GAUGE, 2000},
		{"argo_backup_failures_total", dto.MetricType_COUNTER, 1},
	} {
		mf, ok := got[want.name]
		if !ok {
			t.Errorf("metrics file lacks %s", want.name)
			continue
		}
		if mf.GetType() != want.kind || len(mf.Metric) != 1 {
			t.Errorf("%s: type %v with %d series, want %v with one", want.name, mf.GetType(), len(mf.Metric), want.kind)
			continue
		}
		m := mf.Metric[0]
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		if len(m.Label) != 1 || m.Label[0].GetName() != "subvolume" || m.Label[0].GetValue() != "home" || v != want.value {
			t.Errorf("%s = %v %v, want {subvolume=\"home\"} %v", want.name, m.Label, v, want.value)
		}
	}
	if fi, err := os.Stat(r.MetricsFile); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("metrics file mode: %v %v, want 0644 for node_exporter", fi.Mode(), err)
	}
}

// readMetrics parses a metrics file as node_exporter's textfile collector
// would.
func readMetrics(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("metrics file %s does not parse: %v", path, err)
	}
	return mfs
}

func TestOnFailureGetsTheJobInItsEnvironment(t *testing.T) {
	r := newTestReporter(t)
	out := filepath.Join(t.TempDir(), "hook.out")
	r.OnFailure = `printf '%s|%s|%s' "$ARGO_BACKUP_SUBVOLUME" "$ARGO_BACKUP_ERROR" "$ARGO_BACKUP_HOST" > ` + out
	r.Pushed(context.Background(), home, t0, t0, nil, errors.New("disk full"))
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("on_failure did not run: %v", err)
	}
	if got, want := string(data), "home|disk full|desk"; got != want {
		t.Errorf("on_failure saw %q, want %q", got, want)
	}
}

func TestOnFailureIsNotRunAfterSuccessOrCancel(t *testing.T) {
	r := newTestReporter(t)
	out := filepath.Join(t.TempDir(), "hook.out")
	r.OnFailure = "touch " + out
	r.Pushed(context.Background(), home, t0, t0, &manifest.Record{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Pushed(ctx, home, t0, t0, nil, context.Canceled)
	if _, err := os.Stat(out); err == nil {
		t.Error("on_failure ran for a success or a cancelled push")
	}
	if j := readStatus(t, r); j.Failing() || j.FailuresTotal != 0 {
		t.Errorf("a cancelled push was counted as a failure: %+v", j)
	}
}

func TestOnFailureThatHangsOrFailsIsNotFatal(t *testing.T) {
	r := newTestReporter(t)
	r.HookTimeout = 200 * time.Millisecond
	for _, cmd := range []string{"exit 3", "sleep 30"} {
		r.OnFailure = cmd
		start := time.Now()
		r.Pushed(context.Background(), home, t0, t0, nil, errors.New("boom"))
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("on_failure %q held the job for %v", cmd, d)
		}
	}
	if j := readStatus(t, r); j.FailuresTotal != 2 {
		t.Errorf("failures_total = %d, want 2", j.FailuresTotal)
	}
}
