package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// escrowWorkFactor is the scrypt work factor (log2 N) for escrowed
// identities: age's default, about a second on a desktop. Tests lower it.
var escrowWorkFactor = 18

// EscrowSeal encrypts an identity file's text with a passphrase, so that a
// copy can live on the remote (keys/<host>.identity.age) and be recovered
// after a disaster with nothing but the passphrase. The output is armored
// age, which `age -d` also reads.
func EscrowSeal(identity string, passphrase string) ([]byte, error) {
	if passphrase == "" {
		return nil, errors.New("escrow needs a passphrase")
	}
	if _, err := parseAgeIdentities("identity to escrow", identity); err != nil {
		return nil, err
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("escrow: %w", err)
	}
	r.SetWorkFactor(escrowWorkFactor)
	var buf bytes.Buffer
	a := armor.NewWriter(&buf)
	w, err := age.Encrypt(a, r)
	if err != nil {
		return nil, fmt.Errorf("escrow: starting encryption: %w", err)
	}
	if _, err := io.WriteString(w, identity); err != nil {
		return nil, fmt.Errorf("escrow: encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("escrow: finishing encryption: %w", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("escrow: finishing armor: %w", err)
	}
	return buf.Bytes(), nil
}

// EscrowOpen decrypts what EscrowSeal wrote and returns the parsed
// identities and the identity file's text, ready to be written back to disk.
func EscrowOpen(data []byte, passphrase string) (identities []age.Identity, secret string, err error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, "", fmt.Errorf("escrow: %w", err)
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), id)
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return nil, "", fmt.Errorf("escrowed identity: %w", ErrWrongPassphrase)
	}
	if err != nil {
		return nil, "", fmt.Errorf("escrowed identity: not an escrow file, or damaged: %w", err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("escrowed identity: damaged: %w", err)
	}
	secret = string(plain)
	ids, err := parseAgeIdentities("escrowed identity", secret)
	if err != nil {
		return nil, "", err
	}
	return ids, secret, nil
}
