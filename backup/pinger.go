package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Pinger tells a monitoring service how jobs go, the healthchecks.io way:
// GET <url>/start when a job starts, <url> when it succeeds, and a POST to
// <url>/fail with the error as the body when it fails; a missing ping is
// what makes the service raise the alarm. It never blocks or fails a job:
// pings go out in the background, in order per URL, each tried a few times
// with a short timeout, and at most queueLen wait per URL; beyond that they
// are dropped and logged.
type Pinger struct {
	Client   *http.Client  // nil: a client with Timeout
	Timeout  time.Duration // per attempt; 0: 10s
	Attempts int           // 0: 3
	Backoff  time.Duration // between attempts; 0: 2s
	Log      *slog.Logger

	mu     sync.Mutex
	queues map[string]chan ping
	wg     sync.WaitGroup
}

// ping is one request: a GET when body is nil, else a POST of body.
type ping struct {
	url  string
	body []byte
	kind string // for the log: "start", "success", "fail", "webhook"
}

const queueLen = 16

// Start pings url/start. An empty url does nothing.
func (p *Pinger) Start(url string) { p.send(url, ping{url: joinURL(url, "start"), kind: "start"}) }

// Done pings url on success, url/fail with err's text (secrets redacted)
// on failure.
func (p *Pinger) Done(url string, err error) {
	if err == nil {
		p.send(url, ping{url: url, kind: "success"})
		return
	}
	p.send(url, ping{url: joinURL(url, "fail"), body: []byte(Redact(err.Error())), kind: "fail"})
}

// Post sends body (a job's JSON result) to url, for webhook_url.
func (p *Pinger) Post(url string, body []byte) {
	p.send(url, ping{url: url, body: body, kind: "webhook"})
}

func joinURL(base, suffix string) string { return strings.TrimRight(base, "/") + "/" + suffix }

func (p *Pinger) send(key string, pg ping) {
	if p == nil || key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.queues == nil {
		p.queues = map[string]chan ping{}
	}
	q, ok := p.queues[key]
	if !ok {
		q = make(chan ping, queueLen)
		p.queues[key] = q
		p.wg.Add(1)
		go p.worker(q)
	}
	select {
	case q <- pg:
	default:
		p.log().Warn("ping dropped: the monitoring server has not answered the earlier ones", "ping", pg.kind, "url", Redact(pg.url))
	}
}

// worker sends one URL's pings in order, so that a start never arrives
// after its job's success.
func (p *Pinger) worker(q chan ping) {
	defer p.wg.Done()
	for pg := range q {
		p.deliver(pg)
	}
}

// Close stops taking pings and waits until the queued ones are sent or ctx
// ends (the daemon gives them a few seconds at exit).
func (p *Pinger) Close(ctx context.Context) {
	if p == nil {
		return
	}
	p.mu.Lock()
	for _, q := range p.queues {
		close(q)
	}
	p.queues = nil
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (p *Pinger) deliver(pg ping) {
	attempts := max(1, p.Attempts)
	if p.Attempts == 0 {
		attempts = 3
	}
	var err error
	for i := range attempts {
		if i > 0 {
			time.Sleep(p.backoff())
		}
		if err = p.request(pg); err == nil {
			return
		}
	}
	p.log().Warn("ping failed: the monitoring service will report this job as late", "ping", pg.kind, "url", Redact(pg.url), "err", Redact(err.Error()))
}

func (p *Pinger) request(pg ping) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout())
	defer cancel()
	method, body := http.MethodGet, io.Reader(nil)
	if pg.body != nil {
		method, body = http.MethodPost, bytes.NewReader(pg.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, pg.url, body)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "argo-backup")
	resp, err := p.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

func (p *Pinger) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return &http.Client{Timeout: p.timeout()}
}

func (p *Pinger) timeout() time.Duration {
	if p.Timeout <= 0 {
		return 10 * time.Second
	}
	return p.Timeout
}

func (p *Pinger) backoff() time.Duration {
	if p.Backoff <= 0 {
		return 2 * time.Second
	}
	return p.Backoff
}

func (p *Pinger) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

var (
	urlUserinfo = regexp.MustCompile(`(://[^/@\s:]*):[^/@\s]*@`)
	secretPair  = regexp.MustCompile(`(?i)\b([a-z_]*(?:secret|password|pass|token|key)[a-z_]*)=('[^']*'|[^,:\s]*)`)
)

// Redact removes what looks like a secret from a message that leaves the
// machine: a URL's password, and key=value pairs of connection strings
// whose key names a secret, password, token or key.
func Redact(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "$1:***@")
	return secretPair.ReplaceAllString(s, "$1=***")
}
