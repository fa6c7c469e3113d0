package drivefake

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// What a request moves: file content up, file content down, or neither
// (metadata, listings, starting a resumable session, token refreshes).
type transferKind int

const (
	noTransfer transferKind = iota
	upload
	download
)

// kindOf tells a part upload from the rest. Drive takes content in three
// shapes: a multipart or media upload (one request), or the chunks of a
// resumable session (requests with upload_id and a body); the request that
// opens a session, and one that asks how much of it arrived, carry none.
func kindOf(r *http.Request) transferKind {
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(r.URL.Path, "/upload/"):
		t := q.Get("uploadType")
		if t == "multipart" || t == "media" || (q.Get("upload_id") != "" && r.ContentLength != 0) {
			return upload
		}
	case r.Method == http.MethodGet && q.Get("alt") == "media":
		return download
	}
	return noTransfer
}

// Sample is a point on a byte meter: by At, Bytes of file content (and
// multipart framing) had crossed the fake's side of the line in one
// direction since the meter was reset.
type Sample struct {
	At    time.Time
	Bytes int64
}

// traffic counts transfers in flight and meters their bytes over time,
// seen from the server. Its own lock: it is taken on every read and write
// of content.
type traffic struct {
	mu       sync.Mutex
	inFlight [3]int
	most     [3]int
	up, down []Sample
}

func (t *traffic) enter(k transferKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight[k]++
	t.most[k] = max(t.most[k], t.inFlight[k])
}

func (t *traffic) leave(k transferKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight[k]--
}

// add records n more bytes in direction k.
func (t *traffic) add(k transferKind, n int) {
	if n <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := &t.up
	if k == download {
		m = &t.down
	}
	var total int64
	if len(*m) > 0 {
		total = (*m)[len(*m)-1].Bytes
	}
	*m = append(*m, Sample{At: time.Now(), Bytes: total + int64(n)})
}

// MaxTransfers reports the most part uploads and downloads the fake was
// serving at once since it started or ResetTraffic. A request counts from
// its arrival (latency included) until its handler returns.
func (s *Server) MaxTransfers() (uploads, downloads int) {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	return s.traffic.most[upload], s.traffic.most[download]
}

// UploadMeter returns the upload byte meter since the start or
// ResetTraffic: one Sample per read of a request body, in order.
func (s *Server) UploadMeter() []Sample {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	return append([]Sample(nil), s.traffic.up...)
}

// DownloadMeter is UploadMeter for the bodies of media downloads, one
// Sample per write into the connection. Its total is exact, its times
// are not what the client sees: the client's kernel buffers up to
// hundreds of KiB per connection before the client reads them, so a
// throttled reader shows here as bursts.
func (s *Server) DownloadMeter() []Sample {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	return append([]Sample(nil), s.traffic.down...)
}

// ResetTraffic zeroes MaxTransfers (down to what is in flight now) and the
// meters, e.g. between the push and the restore of a test.
func (s *Server) ResetTraffic() {
	t := &s.traffic
	t.mu.Lock()
	defer t.mu.Unlock()
	t.most = t.inFlight
	t.up, t.down = nil, nil
}

// meteredBody counts an upload's body as the handler reads it.
type meteredBody struct {
	io.ReadCloser
	t *traffic
}

func (b meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.t.add(upload, n)
	return n, err
}
