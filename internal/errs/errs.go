// Package errs is argo-backup's error model: two kinds of failure that a
// caller (and a script reading the exit status) must tell apart from an
// ordinary failed job.
//
//   - A user error is a mistake in what was asked for: a bad flag, a bad
//     config, a path that is not a subvolume, a target that already exists.
//     Nothing was changed; the message names the thing and the fix. Exit 2.
//   - Damage is a backup that is missing, corrupt or not trusted. Exit 3.
//
// Everything else is a failed job (exit 1). Callers that branch on a
// particular condition use sentinel errors of the package that owns it
// (crypto.ErrWrongIdentity, crypto.ErrWrongPassphrase), never the text.
// The model follows restic's errors.Fatal.
package errs

import (
	"errors"
	"fmt"
)

// UserError marks err as a mistake in the user's input.
type UserError struct{ Err error }

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// User marks err as a user error; nil stays nil.
func User(err error) error {
	if err == nil {
		return nil
	}
	return &UserError{err}
}

// Userf formats a user error; %w wraps as in fmt.Errorf.
func Userf(format string, args ...any) error {
	return &UserError{fmt.Errorf(format, args...)}
}

// IsUser reports whether err, or an error it wraps, is a user error.
func IsUser(err error) bool {
	var u *UserError
	return errors.As(err, &u)
}

// DamageError marks err as damage found in a stored backup.
type DamageError struct{ Err error }

func (e *DamageError) Error() string { return e.Err.Error() }
func (e *DamageError) Unwrap() error { return e.Err }

// Damage marks err as damage; nil stays nil.
func Damage(err error) error {
	if err == nil {
		return nil
	}
	return &DamageError{err}
}

// Damagef formats a damage error; %w wraps as in fmt.Errorf.
func Damagef(format string, args ...any) error {
	return &DamageError{fmt.Errorf(format, args...)}
}

// IsDamage reports whether err, or an error it wraps, is damage.
func IsDamage(err error) bool {
	var d *DamageError
	return errors.As(err, &d)
}
