package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestEnvelope(t *testing.T) {
	id := newX25519(t)
	record := []byte(`{"format":1,"snapshot":"home.20261126T004200Z"}`)
	sealed, err := Encrypt([]age.Recipient{id.Recipient()}, record)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("home.")) {
		t.Fatal("record readable in the envelope")
	}
	got, err := Decrypt([]age.Identity{id}, sealed)
	if err != nil || !bytes.Equal(got, record) {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}

	if _, err := Decrypt([]age.Identity{newX25519(t)}, sealed); !errors.Is(err, ErrWrongIdentity) {
		t.Errorf("wrong identity: %v, want ErrWrongIdentity", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-3] ^= 1
	if got, err := Decrypt([]age.Identity{id}, bad); err == nil || got != nil {
		t.Errorf("tampered record: got %q, %v; want no data and an error", got, err)
	} else if !strings.Contains(err.Error(), "tampered") {
		t.Errorf("tampered record: error %q does not say tampered", err)
	}
}
