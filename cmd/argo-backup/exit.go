package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/argo-backup/argo-backup/crypto"
)

// Exit statuses. Scripts rely on them; docs/cli.md lists them.
const (
	exitOK          = 0
	exitFailure     = 1   // the job failed: nothing committed half-way
	exitUsage       = 2   // bad flags, bad config, bad input
	exitDamaged     = 3   // verify found a damaged or missing backup
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM
)

// UsageError is a mistake on the command line or in the input: exit 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// DamageError reports that verification found damage: exit 3.
type DamageError struct{ Err error }

func (e *DamageError) Error() string { return e.Err.Error() }
func (e *DamageError) Unwrap() error { return e.Err }

// exitCode maps an error to the process exit status.
func exitCode(ctx context.Context, err error) int {
	var usage *UsageError
	var config *ConfigError
	var damage *DamageError
	var input interface{ InputError() bool }
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage), errors.As(err, &config), errors.As(err, &input),
		errors.Is(err, crypto.ErrWrongIdentity):
		return exitUsage
	case errors.As(err, &damage):
		return exitDamaged
	case ctx.Err() != nil:
		return exitInterrupted
	}
	return exitFailure
}

// report prints err as one line (the first line carries the message and the
// fix; details, if any, follow indented).
func report(w io.Writer, err error) {
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(w, "argo-backup: %s\n", msg)
}
