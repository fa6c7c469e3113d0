package restore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
	"github.com/argo-backup/argo-backup/remote"
)

// Through Google Drive too, transfers (default 4) move parts at once in
// both directions, as the fake Drive sees it on a line with latency and a
// cap per connection. Drive uploads a 1 MiB part as one multipart request
// (bigger ones as resumable chunks); the fake counts either as a part
// upload, and a media GET as a part download.
func TestDriveTransfersMovePartsAtOnce(t *testing.T) {
	w, srv := newDriveWorld(t)
	srv.SetNetwork(drivefake.Network{Latency: 30 * time.Millisecond, ConnRate: 8 << 20})
	randomFile(t, filepath.Join(w.source, "data"), 6<<20)
	rec := w.push(true)
	if len(rec.Parts) < 5 {
		t.Fatalf("%d parts, want at least 5", len(rec.Parts))
	}
	up, _ := srv.MaxTransfers()
	t.Logf("at most %d part uploads at once", up)
	if up < 2 {
		t.Errorf("at most %d part uploads at once at the fake Drive, want at least 2", up)
	}
	srv.ResetTraffic()
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
	_, down := srv.MaxTransfers()
	t.Logf("at most %d part downloads at once", down)
	if down < 2 {
		t.Errorf("at most %d part downloads at once at the fake Drive, want at least 2", down)
	}
}

// A bandwidth limit holds within 10% through Google Drive, upload and
// download each at its own rate, measured by the bytes at the fake
// Drive's side of the line over a push and a restore of a few seconds
// each. Not parallel: the limit is process-wide (and so is the fake).
func TestDriveBwLimitHolds(t *testing.T) {
	w, srv := newDriveWorld(t)
	randomFile(t, filepath.Join(w.source, "data"), 6<<20)
	const up, down = 2 << 20, 3 << 20
	limit, err := remote.ParseBwLimit("2M:3M")
	must(t, err)

	// As argo-backup does for each command: a fresh limit, whose token
	// buckets start empty. One left over from the push would have filled
	// its download bucket (rclone's burst is 4 MiB) while idle.
	stop := remote.LimitBandwidth(w.ctx, limit)
	defer stop()
	srv.ResetTraffic()
	rec := w.push(true)
	requireSteadyRate(t, "push", srv.UploadMeter(), up)

	start := time.Now()
	remote.LimitBandwidth(w.ctx, limit)
	srv.ResetTraffic()
	w.restore(rec.Snapshot)
	requireAverageRate(t, "restore", srv.DownloadMeter(), time.Since(start), down)
	w.requireSameTree(rec.Snapshot)
}

// requireSteadyRate fails unless at least 5 MiB went through the meter and
// the rate from its first quarter to its end, as the fake saw it, is
// within 10% of rate. The first quarter is left out: rclone's token bucket
// may have filled while the push got ready (lock, snapshot) and let a
// burst through. For uploads: the fake reads what arrives at once.
func requireSteadyRate(t *testing.T, what string, m []drivefake.Sample, rate float64) {
	t.Helper()
	requireMoved(t, what, m)
	last := m[len(m)-1]
	from := m[0]
	for _, s := range m {
		if s.Bytes >= last.Bytes/4 {
			from = s
			break
		}
	}
	secs := last.At.Sub(from.At).Seconds()
	requireRate(t, what, float64(last.Bytes-from.Bytes)/secs, secs, rate)
}

// requireAverageRate fails unless at least 5 MiB went through the meter
// at rate within 10% over took, a command's wall time from the moment its
// limit was set (with an empty token bucket, so that no more than the
// limit can pass). For downloads, whose bytes the fake's own clock cannot
// time: the client's kernel takes up to hundreds of KiB per connection
// into its receive buffer before rclone's limiter reads them, so the fake
// sees bursts.
func requireAverageRate(t *testing.T, what string, m []drivefake.Sample, took time.Duration, rate float64) {
	t.Helper()
	requireMoved(t, what, m)
	requireRate(t, what, float64(m[len(m)-1].Bytes)/took.Seconds(), took.Seconds(), rate)
}

func requireMoved(t *testing.T, what string, m []drivefake.Sample) {
	t.Helper()
	if len(m) == 0 || m[len(m)-1].Bytes < 5<<20 {
		t.Fatalf("%s: %d samples, under 5 MiB moved: the test proves nothing", what, len(m))
	}
}

func requireRate(t *testing.T, what string, got, secs, rate float64) {
	t.Helper()
	t.Logf("%s: %.0f bytes/s at the fake Drive over %.1f s, limit %.0f", what, got, secs, rate)
	if got < rate*0.9 || got > rate*1.1 {
		t.Errorf("%s: %.0f bytes/s at the fake Drive over %.1f s, want %.0f within 10%%", what, got, secs, rate)
	}
}
