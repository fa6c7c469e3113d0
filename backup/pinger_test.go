package backup

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// pingServer records every request it gets, as "METHOD /path body".
type pingServer struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string
	seen chan string
}

func newPingServer(t *testing.T) *pingServer {
	s := &pingServer{seen: make(chan string, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		line := strings.TrimSpace(r.Method + " " + r.URL.Path + " " + string(body))
		s.mu.Lock()
		s.got = append(s.got, line)
		s.mu.Unlock()
		s.seen <- line
	}))
	t.Cleanup(s.Close)
	return s
}

// waitFor waits until the server has seen every line of want (in any
// order across URLs), and returns everything it saw.
func (s *pingServer) waitFor(t *testing.T, want ...string) []string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		got := append([]string(nil), s.got...)
		s.mu.Unlock()
		missing := ""
		for _, w := range want {
			if !contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return got
		}
		select {
		case <-s.seen:
		case <-deadline:
			t.Fatalf("ping %q never came; got %q", missing, got)
		}
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want || strings.HasPrefix(l, want+" ") {
			return true
		}
	}
	return false
}

// The daemon pings each job kind's own check: start, then success, or
// fail with the error (secrets redacted) as the body; the webhook gets
// each job's JSON result.
func TestDaemonPingsEachJob(t *testing.T) {
	srv := newPingServer(t)
	r := newTestReporter(t)
	plan := &Plan{Parallel: 1, Reporter: r, Pinger: &Pinger{Backoff: time.Millisecond}, WebhookURL: srv.URL + "/hook",
		Backup: func(ctx context.Context, sv Subvolume) (*manifest.Record, error) {
			return &manifest.Record{Snapshot: "home.20261129T000000Z"}, nil
		}}
	plan.Subvolumes = []Scheduled{{Subvolume: Subvolume{Name: "home", SnapshotDir: "/nonexistent"},
		Schedule: schedule(t, "@yearly"), Ping: srv.URL + "/push"}}
	plan.Tasks = []Task{
		{Name: "prune", Schedule: schedule(t, "@yearly"), Ping: srv.URL + "/prune", Run: func(_ context.Context, report func(any)) error {
			report(map[string]int{"deleted": 2})
			return nil
		}},
		{Name: "verify", Schedule: schedule(t, "@yearly"), Ping: srv.URL + "/verify", Run: func(context.Context, func(any)) error {
			return errors.New("remote :s3,secret_access_key=hunter2:bucket: 2 parts damaged")
		}},
	}
	stop := runDaemon(t, &Daemon{Load: func(context.Context) (*Plan, error) { return plan, nil }})
	got := srv.waitFor(t, "GET /push/start", "GET /push", "GET /prune/start", "GET /prune",
		"GET /verify/start", "POST /verify/fail remote :s3,secret_access_key=***:bucket: 2 parts damaged")
	stop()
	for _, kind := range []string{"push", "prune", "verify"} {
		if first(got, "/"+kind+"/start") > first(got, "/"+kind+" ") && first(got, "/"+kind+" ") >= 0 {
			t.Errorf("%s: success ping before start ping: %q", kind, got)
		}
	}
	if strings.Contains(strings.Join(got, "\n"), "hunter2") {
		t.Errorf("a secret reached the ping server: %q", got)
	}
	if contains(got, "GET /verify") && !contains(got, "GET /verify/start") {
		t.Errorf("failed verify pinged success: %q", got)
	}
	hooks := srv.waitFor(t, "POST /hook")
	for _, want := range []string{`POST /hook {"host":"` + r.Host + `","job":"push","subvolume":"home","ok":true,`,
		`POST /hook {"host":"` + r.Host + `","job":"verify","ok":false,"error":"remote :s3,secret_access_key=***:bucket: 2 parts damaged"`,
		`"job":"prune","ok":true,`, `"report":{"deleted":2}}`} {
		if first(hooks, want) < 0 {
			t.Errorf("webhook never got %s; got %q", want, hooks)
		}
	}
}

func first(lines []string, sub string) int {
	for i, l := range lines {
		if strings.Contains(l+" ", sub) {
			return i
		}
	}
	return -1
}

// A ping server that never answers (or is not there) neither fails a job
// nor holds it up: the job's end is not later than its work plus a bit.
func TestDeadPingServerDoesNotDelayJobs(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); stuck.Close() })
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	for _, url := range []string{stuck.URL, deadURL} {
		p := &Pinger{Timeout: time.Hour, Backoff: time.Hour}
		start := time.Now()
		for range 3 * queueLen {
			p.Start(url)
			p.Done(url, errors.New("boom"))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: pinging took %v of the job's time", url, d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		p.Close(ctx) // bounded, whatever the server does
		cancel()
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"open :s3,access_key_id=AK,secret_access_key=s3cr3t:bucket: denied", "open :s3,access_key_id=***,secret_access_key=***:bucket: denied"},
		{"GET https://user:pw@hc.example/ping/abc: refused", "GET https://user:***@hc.example/ping/abc: refused"},
		{"token='a,b' end", "token=*** end"},
		{"2 parts damaged", "2 parts damaged"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Through the daemon: with a ping server that never answers, pushes and
// tasks still run back to back on their schedule, and the daemon still
// stops within seconds.
func TestDaemonRunsJobsPastAStuckPingServer(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); stuck.Close() })
	f := newFakeJobs(0)
	plan := testPlan(t, f, newTestReporter(t), "@every 1s", "home")
	plan.Subvolumes[0].Ping = stuck.URL + "/push"
	plan.Pinger, plan.WebhookURL = &Pinger{Timeout: time.Hour}, stuck.URL+"/hook"
	plan.Tasks = []Task{{Name: "prune", Schedule: schedule(t, "@every 1s"), Ping: stuck.URL + "/prune",
		Run: func(ctx context.Context, _ func(any)) error { return f.run(ctx, "prune", true) }}}
	stop := runDaemon(t, &Daemon{Load: func(context.Context) (*Plan, error) { return plan, nil }})
	f.waitRuns(t, 3, "home", "prune")
	start := time.Now()
	stop()
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the daemon took %v to stop with pings pending", d)
	}
}
