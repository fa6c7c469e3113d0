package drivefake_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/object"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
)

// The network knobs hold as rclone sees them: each request waits the
// latency, and a transfer moves at the connection's rate in both
// directions, measured at the server by the byte meters; also on the
// connections rclone opened before the network was set.
func TestNetwork(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "net")
	put(t, f, "small", []byte("opens connections at loopback speed"))
	const latency, rate = 200 * time.Millisecond, 2 * mib
	s.SetNetwork(drivefake.Network{Latency: latency, ConnRate: rate})
	s.ResetTraffic()
	data := randomBytes(2 * mib)

	obj := put(t, f, "big", data)
	requireRate(t, "upload", s.UploadMeter(), rate)
	start := time.Now()
	if _, err := f.List(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("a listing took %v, want at least the latency %v", d, latency)
	}
	s.ResetTraffic()
	if got := read(t, obj); len(got) != len(data) {
		t.Fatalf("read %d bytes back, want %d", len(got), len(data))
	}
	requireRate(t, "download", s.DownloadMeter(), rate)
}

// requireRate fails unless the meter moved at least 1 MiB, at rate within
// 10%, from its first sample to its last. The first sample's bytes are
// left out: they were in flight before it was taken.
func requireRate(t *testing.T, what string, m []drivefake.Sample, rate float64) {
	t.Helper()
	if len(m) < 2 || m[len(m)-1].Bytes < mib {
		t.Fatalf("%s: the meter has %d samples: nothing moved", what, len(m))
	}
	first, last := m[0], m[len(m)-1]
	got := float64(last.Bytes-first.Bytes) / last.At.Sub(first.At).Seconds()
	t.Logf("%s: %.0f bytes/s at the server, want %.0f", what, got, rate)
	if got < rate*0.9 || got > rate*1.1 {
		t.Errorf("%s: %.0f bytes/s at the server, want %.0f within 10%%", what, got, rate)
	}
}

// Content requests in flight are counted by kind, whatever shape an
// upload takes: three concurrent uploads in resumable chunks count as
// three, three concurrent downloads as three; metadata requests never.
func TestMaxTransfers(t *testing.T) {
	s := drivefake.Start(t)
	// rclone's pacer starts a request every 100 ms at most: with 400 ms
	// of latency three requests overlap.
	s.SetNetwork(drivefake.Network{Latency: 400 * time.Millisecond})
	f := newFs(t, s, "transfers", "upload_cutoff=256k", "chunk_size=256k")
	data := randomBytes(mib / 2) // two chunks of a resumable upload each

	objs := make([]fs.Object, 3)
	parallel(t, len(objs), func(i int) (err error) {
		objs[i], err = f.Put(context.Background(), bytes.NewReader(data),
			object.NewStaticObjectInfo(fmt.Sprintf("file%d", i), modTime, int64(len(data)), true, nil, nil))
		return err
	})
	if up, down := s.MaxTransfers(); up != 3 || down != 0 {
		t.Errorf("uploading 3 files at once: at most %d uploads and %d downloads at once, want 3 and 0", up, down)
	}
	if m := s.UploadMeter(); m[len(m)-1].Bytes != 3*int64(len(data)) {
		t.Errorf("upload meter counted %d bytes, want %d (the chunks' content)", m[len(m)-1].Bytes, 3*len(data))
	}
	if chunks := count(s.Requests(), "POST /upload/drive/v3/files?upload_id"); chunks != 6 {
		t.Errorf("%d chunk requests, want 6: the files were not uploaded in resumable chunks", chunks)
	}

	s.ResetTraffic()
	parallel(t, len(objs), func(i int) error {
		rc, err := objs[i].Open(context.Background())
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err == nil && !bytes.Equal(got, data) {
			err = fmt.Errorf("%s read back differs", objs[i].Remote())
		}
		return err
	})
	if up, down := s.MaxTransfers(); up != 0 || down != 3 {
		t.Errorf("downloading 3 files at once: at most %d uploads and %d downloads at once, want 0 and 3", up, down)
	}
}

// parallel runs fn(0..n-1) at once and fails t with the first error; fn
// must not call t.Fatal.
func parallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
