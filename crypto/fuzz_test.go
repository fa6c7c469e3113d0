package crypto

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
)

// The files and objects parsed here come from outside: an identity file
// typed from paper, a recipients file, an escrow object and parts on the
// remote. None may panic, and no error may quote a secret key.

// fuzzSecret is a real identity that the fuzzers mix into their input, to
// prove that errors never quote it.
var fuzzSecret = func() *age.X25519Identity {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		panic(err)
	}
	return id
}()

func quotesSecret(err error) bool {
	body := strings.TrimPrefix(fuzzSecret.String(), "AGE-SECRET-KEY-")
	return err != nil && (strings.Contains(err.Error(), body[:20]) || strings.Contains(strings.ToUpper(err.Error()), "AGE-SECRET-KEY-1"))
}

// FuzzIdentityFile: any text, before or after a valid secret line, parses
// or fails by line number, never quoting the secret.
func FuzzIdentityFile(f *testing.F) {
	f.Add("# created: 2026-11-26T00:42:00Z\n# public key: " + fuzzSecret.Recipient().String() + "\n" + fuzzSecret.String() + "\n")
	f.Add(strings.ToLower(fuzzSecret.String()))
	f.Add(fuzzSecret.String()[:40])
	f.Add(fuzzSecret.Recipient().String())
	f.Add("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, whole := range []string{text + "\n" + fuzzSecret.String(), fuzzSecret.String() + "\n" + text} {
			ids, err := parseAgeIdentities("identity file", whole)
			if quotesSecret(err) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
			if err == nil && len(ids) == 0 {
				t.Fatal("no error and no identity")
			}
		}
		if _, err := parseSSHIdentity("identity file", []byte(text)); quotesSecret(err) {
			t.Fatalf("the ssh error quotes the secret: %v", err)
		}
	})
}

// FuzzRecipients: recipients files of any content, with a pasted secret
// key among them, fail by line without quoting it.
func FuzzRecipients(f *testing.F) {
	f.Add("# laptop\n" + fuzzSecret.Recipient().String() + "\n\n")
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHpSRtN4x5fbJtEO+zvGGOHbVbxQLWSM0JvG4nHC8pCv alice@desk")
	f.Add("age1pq1" + strings.Repeat("q", 100))
	f.Add("\r\n\xff")
	f.Fuzz(func(t *testing.T, text string) {
		lines := append(strings.Split(text, "\n"), fuzzSecret.String())
		if _, err := ParseRecipients(lines); err == nil || quotesSecret(err) {
			t.Fatalf("ParseRecipients with a secret line = %v", err)
		}
		if _, err := ParseRecipients(strings.Split(text, "\n")); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error of more than one line: %q", err)
		}
	})
}

// FuzzEscrow: an escrow object of any content opens or fails without a
// panic, and without quoting what it decrypted.
func FuzzEscrow(f *testing.F) {
	escrowWorkFactor = 10
	f.Cleanup(func() { escrowWorkFactor = 18 })
	const pass = "correct horse battery staple"
	real, err := EscrowSeal(fuzzSecret.String()+"\n", pass)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	notIdentity, err := escrowSealUnchecked("hello "+fuzzSecret.String()[:30], pass)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(notIdentity)
	f.Add([]byte("-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, secret, err := EscrowOpen(data, pass)
		if quotesSecret(err) {
			t.Fatalf("the error quotes the secret: %v", err)
		}
		if err == nil && (len(ids) == 0 || secret == "") {
			t.Fatal("opened an escrow with no identity in it")
		}
	})
}

// escrowSealUnchecked is EscrowSeal without the identity check, to seed
// the fuzzer with an escrow that opens to something else.
func escrowSealUnchecked(text, pass string) ([]byte, error) {
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(escrowWorkFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	io.WriteString(w, text)
	err = w.Close()
	return buf.Bytes(), err
}

// FuzzOpenPart: a part's decrypted content is a zstd frame someone else
// may have made (anyone with the recipients can seal one). Whatever it
// declares, the opener reads it within the caller's limit, as fetchPart
// does, and within the window limit, without a panic.
func FuzzOpenPart(f *testing.F) {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc.EncodeAll([]byte("a btrfs send stream, or anything"), nil))
	f.Add(enc.EncodeAll(make([]byte, 1<<20), nil))    // a bomb: 1 MiB from a few bytes
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}) // a frame header asking for a huge window
	const limit = 64 << 10                            // small: the fuzzer decodes with coverage on
	o := NewOpener([]age.Identity{fuzzSecret})
	f.Fuzz(func(t *testing.T, frame []byte) {
		var sealed bytes.Buffer
		w, err := age.Encrypt(&sealed, fuzzSecret.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(frame)
		w.Close()
		part, err := o.Open(&sealed)
		if err != nil {
			return
		}
		defer part.Close()
		n, _ := io.Copy(io.Discard, io.LimitReader(part, limit+1))
		if n > limit+1 {
			t.Fatalf("read %d bytes past the limit", n)
		}
	})
}
