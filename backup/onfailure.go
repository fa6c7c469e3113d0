package backup

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultHookTimeout bounds the on_failure command: a hung mail or curl
// must not pile up behind every failed job.
const DefaultHookTimeout = 2 * time.Minute

// onFailure runs the on_failure command for a failed job, with the job and
// its error in the environment. Its own failure is logged and nothing more.
func (r *Reporter) onFailure(ctx context.Context, job string, jobErr error) {
	if r.OnFailure == "" {
		return
	}
	timeout := r.HookTimeout
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", r.OnFailure)
	cmd.Env = append(os.Environ(),
		"ARGO_BACKUP_SUBVOLUME="+job,
		"ARGO_BACKUP_ERROR="+jobErr.Error(),
		"ARGO_BACKUP_HOST="+r.Host,
	)
	cmd.WaitDelay = time.Second // a background child holding our pipes must not hang us
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.log().Error("on_failure command failed", "command", r.OnFailure, "err", err, "output", strings.TrimSpace(string(out)))
		return
	}
	r.log().Info("ran on_failure", "job", job, "output", strings.TrimSpace(string(out)))
}
