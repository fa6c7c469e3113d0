package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/errs"
)

// Exit statuses. Scripts rely on them; docs/cli.md lists them.
const (
	exitOK          = 0
	exitFailure     = 1   // the job failed: nothing committed half-way
	exitUsage       = 2   // bad flags, bad config, bad input
	exitDamaged     = 3   // verify found a damaged or missing backup
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM
)

// exitCode maps an error to the process exit status.
func exitCode(ctx context.Context, err error) int {
	// Interrupted comes first: a signal that cuts a remote off mid-Open
	// makes an error that reads as the user's (a remote that cannot be
	// opened), and a push stopped with Ctrl-C exited 2 instead of 130.
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		return exitInterrupted
	case errs.IsUser(err), errors.Is(err, crypto.ErrWrongIdentity):
		return exitUsage
	case errs.IsDamage(err):
		return exitDamaged
	}
	return exitFailure
}

// report prints err as one line: the message, naming the fix.
func report(w io.Writer, err error) {
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(w, "argo-backup: %s\n", msg)
}
