package backup

import (
	"context"
	"log/slog"
	"time"

	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// Reporter records what each job did where people and monitoring look: the
// status file, the Prometheus metrics file and the on_failure command.
// Its own failures are logged, never returned: a backup that worked is not
// undone because its status could not be written.
type Reporter struct {
	State       State
	Host        string
	MetricsFile string        // "" for none
	OnFailure   string        // shell command run when a job fails; "" for none
	HookTimeout time.Duration // 0: DefaultHookTimeout
	Log         *slog.Logger
}

func (r *Reporter) log() *slog.Logger { return fallback.Log(r.Log) }

// Pushed records a push of sv that ran from start to end: rec on success,
// err on failure. A push stopped by ctx (SIGTERM) is neither.
func (r *Reporter) Pushed(ctx context.Context, sv Subvolume, start, end time.Time, rec *manifest.Record, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	r.update(func(st *Status) {
		js := st.Job(sv.Name, false)
		finished(js, start, end, err)
		if rec != nil {
			js.LastSnapshot, js.BytesSent, js.BytesStored = rec.Snapshot, rec.PlainBytes, rec.StoredBytes
		}
		if rerr := r.State.refresh(r.Host, sv, js); rerr != nil {
			r.log().Warn("status: chain depth and local snapshots", "subvolume", sv.Name, "err", rerr)
		}
	})
	if err != nil {
		r.onFailure(ctx, sv.Name, err)
	}
}

// Ran records a run of a task (verify, prune).
func (r *Reporter) Ran(ctx context.Context, task string, start, end time.Time, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	r.update(func(st *Status) { finished(st.Job(task, true), start, end, err) })
	if err != nil {
		r.onFailure(ctx, task, err)
	}
}

// Scheduled records when a job runs next.
func (r *Reporter) Scheduled(name string, task bool, next time.Time) {
	r.update(func(st *Status) { st.Job(name, task).NextRun = next })
}

func finished(js *JobStatus, start, end time.Time, err error) {
	js.LastDuration = end.Sub(start).Seconds()
	if err != nil {
		js.LastFailure, js.LastError = end.UTC(), err.Error()
		js.FailuresTotal++
		js.ConsecutiveFail++
		return
	}
	js.LastSuccess = end.UTC()
	js.ConsecutiveFail = 0
}

func (r *Reporter) update(fn func(*Status)) {
	st, err := r.State.UpdateStatus(fn)
	if err != nil {
		r.log().Warn("could not write the status file", "err", err)
		return
	}
	if r.MetricsFile == "" {
		return
	}
	if err := writeMetrics(r.MetricsFile, st); err != nil {
		r.log().Warn("could not write the metrics file", "file", r.MetricsFile, "err", err)
	}
}
