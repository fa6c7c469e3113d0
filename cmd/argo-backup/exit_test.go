package main

import (
	"context"
	"errors"
	"testing"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// An interrupted command exits 130 whatever error the interruption made:
// trial14's Ctrl-C of a push waiting on a stalled remote exited 2, the
// status of bad input.
func TestExitCodes(t *testing.T) {
	live := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"ok", live, nil, exitOK},
		{"failure", live, errors.New("upload failed"), exitFailure},
		{"bad input", live, errs.Userf("transfers 0: must be between 1 and 64"), exitUsage},
		{"interrupted", stopped, context.Canceled, exitInterrupted},
		{"interrupted while opening the remote", stopped, errs.User(errors.New("opening remote x: context canceled")), exitInterrupted},
	}
	for _, c := range cases {
		if got := exitCode(c.ctx, c.err); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
}
