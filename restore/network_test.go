package restore_test

import (
	"math/rand/v2"
	"net/http"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/internal/testing/wanproxy"
	"github.com/argo-backup/argo-backup/remote"
)

// wanS3 is an in-process S3 server behind a wanproxy, so that the test
// can see at the server's door what moves, and when.
func wanS3(t *testing.T, o wanproxy.Options) (spec string, proxy *wanproxy.Proxy) {
	return behindProxy(t, remotetest.S3(t), o)
}

// behindProxy puts a wanproxy between the remote of spec (an in-process
// S3 or WebDAV server) and its clients.
func behindProxy(t *testing.T, spec string, o wanproxy.Options) (string, *wanproxy.Proxy) {
	t.Helper()
	m := regexp.MustCompile(`(?:endpoint|url)='http://([^'/]+)`).FindStringSubmatch(spec)
	if m == nil {
		t.Fatalf("no server address in %s", spec)
	}
	proxy, err := wanproxy.Start("127.0.0.1:0", "http://"+m[1], o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	return strings.Replace(spec, m[1], proxy.Addr(), 1), proxy
}

// randomFile writes n seeded random (incompressible) bytes, so that a
// 1 MiB part size cuts the stream into about n/1MiB parts.
func randomFile(t *testing.T, file string, n int) {
	t.Helper()
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	mustWrite(t, file, data, 0o644)
}

// partIndex is the part a request is for, or -1.
func partIndex(r *http.Request) int {
	if i, ok := remote.ParsePartFile(path.Base(r.URL.Path)); ok {
		return i
	}
	return -1
}

// With transfers (default 4) parts really move at once, in both directions,
// as the server sees it: a line with latency is kept busy. S3 and WebDAV
// both upload a part with PUT and download it with GET.
func TestTransfersMovePartsAtOnce(t *testing.T) {
	for _, r := range []struct {
		name string
		spec func(testing.TB) string
	}{{"s3", remotetest.S3}, {"webdav", remotetest.WebDAV}} {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			spec, proxy := behindProxy(t, r.spec(t), wanproxy.Options{Latency: 30 * time.Millisecond})
			w := newWorld(t, spec)
			randomFile(t, filepath.Join(w.source, "data"), 6<<20)
			rec := w.push(true)
			if len(rec.Parts) < 5 {
				t.Fatalf("%d parts, want at least 5", len(rec.Parts))
			}
			if got := proxy.Stats().MaxInFlightByMethod["PUT"]; got < 2 {
				t.Errorf("at most %d uploads at once at the server, want at least 2", got)
			}
			proxy.ResetStats()
			w.restore(rec.Snapshot)
			w.requireSameTree(rec.Snapshot)
			if got := proxy.Stats().MaxInFlightByMethod["GET"]; got < 2 {
				t.Errorf("at most %d downloads at once at the server, want at least 2", got)
			}
		})
	}
}

// Parts that arrive out of order are fed to btrfs receive in order: the
// server holds part 0 back until parts 1 and 2 have been sent.
func TestRestoreFeedsPartsInOrderWhenTheyArriveOutOfOrder(t *testing.T) {
	t.Parallel()
	var (
		holding atomic.Bool
		mu      sync.Mutex
		sent    []int
		later   = make(chan struct{}) // closed once parts 1 and 2 are sent
	)
	spec, _ := wanS3(t, wanproxy.Options{
		Before: func(r *http.Request) {
			if holding.Load() && r.Method == http.MethodGet && partIndex(r) == 0 {
				select {
				case <-later:
				case <-r.Context().Done():
				}
			}
		},
		After: func(r *http.Request) {
			i := partIndex(r)
			if !holding.Load() || r.Method != http.MethodGet || i < 0 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, i)
			if i == 1 || i == 2 {
				if slices.Contains(sent, 1) && slices.Contains(sent, 2) && !slices.Contains(sent[:len(sent)-1], i) {
					select {
					case <-later:
					default:
						close(later)
					}
				}
			}
		},
	})
	w := newWorld(t, spec)
	randomFile(t, filepath.Join(w.source, "data"), 4<<20)
	rec := w.push(true)
	holding.Store(true)
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
	mu.Lock()
	defer mu.Unlock()
	first := slices.Index(sent, 0)
	if first < 0 || first < slices.Index(sent, 1) || first < slices.Index(sent, 2) {
		t.Errorf("parts sent in the order %v, want 0 after 1 and 2", sent)
	}
}
