package backup

import "fmt"

// InputError is a mistake in what the user asked for (a path that is not a
// btrfs subvolume, say). The CLI exits with status 2 for these.
type InputError struct{ Err error }

func (e *InputError) Error() string    { return e.Err.Error() }
func (e *InputError) Unwrap() error    { return e.Err }
func (e *InputError) InputError() bool { return true }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}
