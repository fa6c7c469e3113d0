package restore

import "fmt"

// InputError is a mistake in what the user asked for (a target that is not
// on btrfs, an unknown snapshot, a subvolume that already exists). The CLI
// exits with status 2 for these.
type InputError struct{ Err error }

func (e *InputError) Error() string    { return e.Err.Error() }
func (e *InputError) Unwrap() error    { return e.Err }
func (e *InputError) InputError() bool { return true }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}

// PartError names the snapshot and the object that failed, so that a user
// (or verify's report) knows exactly what is damaged.
type PartError struct {
	Snapshot string
	Object   string
	Err      error
}

func (e *PartError) Error() string {
	return fmt.Sprintf("snapshot %s, %s: %v", e.Snapshot, e.Object, e.Err)
}
func (e *PartError) Unwrap() error { return e.Err }
