package crypto

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscrow(t *testing.T) {
	escrowWorkFactor = 10 // keep the test fast; the format is the same
	t.Cleanup(func() { escrowWorkFactor = 18 })

	x := newX25519(t)
	identity := "# created: 2026-01-01T00:00:00Z\n# public key: " + x.Recipient().String() + "\n" + x.String() + "\n"
	data, err := EscrowSeal(identity, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		t.Errorf("escrow not armored: %.40q", data)
	}
	if bytes.Contains(data, []byte("AGE-SECRET-KEY")) {
		t.Fatal("secret key visible in the escrow")
	}

	ids, secret, err := EscrowOpen(data, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if secret != identity {
		t.Errorf("escrow returned %q, want the identity file text", secret)
	}
	if got := Recipients(ids); len(got) != 1 || got[0] != x.Recipient().String() {
		t.Errorf("Recipients = %v, want [%s]", got, x.Recipient())
	}

	_, _, err = EscrowOpen(data, "wrong")
	if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := EscrowSeal("not a key", "pw"); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Errorf("escrowing a non-identity: %v, want an error that does not quote it", err)
	}
	if _, err := EscrowSeal(identity, ""); err == nil {
		t.Error("escrow with an empty passphrase accepted")
	}
}
