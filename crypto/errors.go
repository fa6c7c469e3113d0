package crypto

import (
	"errors"
	"fmt"

	"filippo.io/age"
)

// ErrWrongIdentity is matched (with errors.Is) by the error returned when
// none of the loaded identities can decrypt an object. It is by far the most
// common decryption failure, and the fix is always the same: point
// --identity (or the identity config key) at the right file.
var ErrWrongIdentity = errors.New("no identity matches this backup's recipients: wrong identity file?")

// ErrWrongPassphrase is matched (with errors.Is) when an escrowed identity
// does not open with the passphrase given.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// wrongIdentityError reports ErrWrongIdentity while keeping age's own error
// reachable with errors.As, for callers that want the stanza types.
type wrongIdentityError struct {
	cause *age.NoIdentityMatchError
}

func (e *wrongIdentityError) Error() string   { return ErrWrongIdentity.Error() }
func (e *wrongIdentityError) Unwrap() []error { return []error{ErrWrongIdentity, e.cause} }

// decryptError turns an error from age.Decrypt into one a user can act on:
// a wrong identity gets its own message, anything else says what failed.
func decryptError(err error) error {
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return &wrongIdentityError{cause: noMatch}
	}
	return fmt.Errorf("decrypting: not an age file, or damaged: %w", err)
}
