package backup

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// JobResult is what the daemon posts to webhook_url when a job ends: enough
// for a chat message or an ntfy notification without asking again.
type JobResult struct {
	Host        string    `json:"host"`
	Job         string    `json:"job"`                 // "push", "verify", "prune"...
	Subvolume   string    `json:"subvolume,omitempty"` // for a push
	OK          bool      `json:"ok"`
	Error       string    `json:"error,omitempty"` // secrets redacted
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Snapshot    string    `json:"snapshot,omitempty"` // the push's new backup
	Depth       int       `json:"depth,omitempty"`
	PlainBytes  int64     `json:"plain_bytes,omitempty"`
	StoredBytes int64     `json:"stored_bytes,omitempty"`
	// Report is a task's own report, as its command prints with --json
	// (verify, prune), when the task gave one.
	Report any `json:"report,omitempty"`
}

func newJobResult(r *Reporter, job, subvol string, start, end time.Time, rec *manifest.Record, err error) JobResult {
	res := JobResult{Job: job, Subvolume: subvol, OK: err == nil, Start: start.UTC(), End: end.UTC()}
	if r != nil {
		res.Host = r.Host
	}
	if err != nil {
		res.Error = Redact(err.Error())
	}
	if rec != nil {
		res.Snapshot, res.Depth, res.PlainBytes, res.StoredBytes = rec.Snapshot, rec.Depth, rec.PlainBytes, rec.StoredBytes
	}
	return res
}

// JSON encodes the result for the webhook.
func (r JobResult) JSON() ([]byte, error) { return json.Marshal(r) }

type resultSink struct {
	mu     sync.Mutex
	report any
}

func (s *resultSink) set(report any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.report = report
}

func (s *resultSink) get() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}
