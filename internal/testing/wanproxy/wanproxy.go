// Package wanproxy is an HTTP proxy that makes a remote on 127.0.0.1 look
// like one across a real network: every request waits a fixed latency
// before it is forwarded, and every TCP connection from the client is
// capped at a rate, in each direction (a home line where one connection
// gets a fraction of the bandwidth, as with Google Drive). It also counts
// what passes, so that tests can see from the server's side how many
// requests were in flight at once.
//
// The benchmark (scripts/bench.sh, through cmd/wanproxy) and the tests of
// transfers and bwlimit use it; it is not part of argo-backup.
package wanproxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Options are the proxy's knobs.
type Options struct {
	Latency time.Duration // added to every request; 0: none
	// ConnRate caps each client connection, in bytes per second in each
	// direction; 0: no cap.
	ConnRate int64
	// Before, if set, runs before a request is forwarded (after the
	// latency) and may block it: tests use it to make responses arrive in
	// an order of their choosing.
	Before func(*http.Request)
	// After, if set, runs once the response to a request has been sent.
	After func(*http.Request)
	// Log, if set, gets a line per request once it is answered: when it
	// arrived and how long it took (ms since the proxy started), method,
	// path, status. For finding where a push's time goes on the line.
	Log io.Writer
}

// Proxy forwards to one HTTP server.
type Proxy struct {
	opt      Options
	server   *http.Server
	listener net.Listener

	inFlight, maxInFlight, requests atomic.Int64
	bytesIn, bytesOut               atomic.Int64 // from and to clients

	started time.Time

	mu             sync.Mutex
	methodInFlight map[string]int64
	methodMax      map[string]int64
}

// Start listens on addr ("127.0.0.1:0" for a free port) and forwards every
// request to target (e.g. "http://127.0.0.1:8080").
func Start(addr, target string, o Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{opt: o, listener: l, started: time.Now(), methodInFlight: map[string]int64{}, methodMax: map[string]int64{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	// The client's Host header stays: S3 signs it.
	p.server = &http.Server{Handler: p.handler(rp), ReadHeaderTimeout: time.Minute}
	go func() { _ = p.server.Serve(&throttledListener{Listener: l, p: p}) }()
	return p, nil
}

// Addr is the address the proxy listens on, host:port.
func (p *Proxy) Addr() string { return p.listener.Addr().String() }

// Close stops the proxy.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.server.Shutdown(ctx)
}

// Stats is what passed through the proxy so far.
type Stats struct {
	Requests    int64 // requests forwarded
	MaxInFlight int64 // most requests in flight at once
	BytesIn     int64 // bytes received from clients
	BytesOut    int64 // bytes sent to clients
	// MaxInFlightByMethod is MaxInFlight per HTTP method: PUT for uploads
	// (S3, WebDAV), GET for downloads.
	MaxInFlightByMethod map[string]int64
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	byMethod := map[string]int64{}
	for m, n := range p.methodMax {
		byMethod[m] = n
	}
	return Stats{Requests: p.requests.Load(), MaxInFlight: p.maxInFlight.Load(),
		BytesIn: p.bytesIn.Load(), BytesOut: p.bytesOut.Load(), MaxInFlightByMethod: byMethod}
}

// ResetStats zeroes the counts, e.g. between the phases of a test.
func (p *Proxy) ResetStats() {
	p.requests.Store(0)
	p.maxInFlight.Store(0)
	p.bytesIn.Store(0)
	p.bytesOut.Store(0)
	p.mu.Lock()
	clear(p.methodMax)
	p.mu.Unlock()
}

// enter and leave count requests in flight per method.
func (p *Proxy) enter(method string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.methodInFlight[method]++
	p.methodMax[method] = max(p.methodMax[method], p.methodInFlight[method])
}

func (p *Proxy) leave(method string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.methodInFlight[method]--
}

func (p *Proxy) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for {
			m := p.maxInFlight.Load()
			if n <= m || p.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		p.requests.Add(1)
		if p.opt.Log != nil {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			w = rec
			defer p.logRequest(r, rec, time.Now())
		}
		p.enter(r.Method)
		defer p.leave(r.Method)
		if p.opt.Latency > 0 {
			select {
			case <-time.After(p.opt.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if p.opt.Before != nil {
			p.opt.Before(r)
		}
		next.ServeHTTP(w, r)
		if p.opt.After != nil {
			p.opt.After(r)
		}
	})
}

// throttledListener caps every accepted connection at the proxy's rate.
type throttledListener struct {
	net.Listener
	p *Proxy
}

func (l *throttledListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newThrottledConn(c, l.p.opt.ConnRate, &l.p.bytesIn, &l.p.bytesOut), nil
}

// Throttle caps c at bytesPerSecond in each direction (0: no cap), as the
// proxy caps each of its client connections. It is for servers that get
// their connections some other way, such as drivefake's CONNECT tunnels.
func Throttle(c net.Conn, bytesPerSecond int64) net.Conn {
	return newThrottledConn(c, bytesPerSecond, new(atomic.Int64), new(atomic.Int64))
}

type throttledConn struct {
	net.Conn
	in, out   *atomic.Int64 // bytes read from and written to c
	rd, wr    *rate.Limiter
	closeOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
}

// burst is the most bytes a connection moves at once: small against a
// second's worth, so that the cap holds over short spans too.
const burst = 64 << 10

func newThrottledConn(c net.Conn, r int64, in, out *atomic.Int64) *throttledConn {
	t := &throttledConn{Conn: c, in: in, out: out}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	if r > 0 {
		t.rd = rate.NewLimiter(rate.Limit(r), burst)
		t.wr = rate.NewLimiter(rate.Limit(r), burst)
	}
	return t
}

func (c *throttledConn) Read(b []byte) (int, error) {
	if c.rd != nil && len(b) > burst {
		b = b[:burst]
	}
	n, err := c.Conn.Read(b)
	c.in.Add(int64(n))
	if c.rd != nil && n > 0 {
		if werr := c.rd.WaitN(c.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

func (c *throttledConn) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		chunk := b
		if c.wr != nil {
			chunk = b[:min(len(b), burst)]
			if err := c.wr.WaitN(c.ctx, len(chunk)); err != nil {
				return written, err
			}
		}
		n, err := c.Conn.Write(chunk)
		written += n
		c.out.Add(int64(n))
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

func (c *throttledConn) Close() error {
	c.closeOnce.Do(c.cancel)
	return c.Conn.Close()
}

// statusRecorder keeps the status a handler answered with, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets a streamed response through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequest writes one line of the request log.
func (p *Proxy) logRequest(r *http.Request, rec *statusRecorder, start time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.opt.Log, "%d\t%d\t%s\t%s\t%d\t%s\n", start.Sub(p.started).Milliseconds(),
		time.Since(start).Milliseconds(), r.Method, r.URL.Path, rec.status, r.Header.Get("Range"))
}
