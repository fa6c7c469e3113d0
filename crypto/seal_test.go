package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

// sealer returns a Sealer to a fresh X25519 identity and that identity.
func sealer(t testing.TB, level int) (*Sealer, *age.X25519Identity) {
	t.Helper()
	id := newX25519(t)
	s, err := NewSealer([]age.Recipient{id.Recipient()}, level)
	if err != nil {
		t.Fatal(err)
	}
	return s, id
}

// openAll opens sealed with ids and reads it to the end.
func openAll(ids []age.Identity, sealed []byte) ([]byte, error) {
	r, err := NewOpener(ids).Open(bytes.NewReader(sealed))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealRoundTrip(t *testing.T) {
	text := bytes.Repeat([]byte("btrfs-stream\x00 some very compressible text\n"), (1<<20)/40+1)[:1<<20]
	tests := []struct {
		name  string
		plain []byte
	}{
		{"empty", nil},
		{"one byte", []byte{42}},
		{"64 KiB boundary", text[:64<<10]},
		{"1 MiB text", text},
		{"3 MiB random", randomBytes(t, 3<<20+7)},
	}
	for _, level := range []int{1, 3, 19} {
		s, id := sealer(t, level)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("level %d/%s", level, tt.name), func(t *testing.T) {
				sealed, err := s.SealBytes(tt.plain)
				if err != nil {
					t.Fatal(err)
				}
				got, err := openAll([]age.Identity{id}, sealed)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.plain) {
					t.Fatalf("round trip changed the data: got %d bytes, want %d", len(got), len(tt.plain))
				}
				if len(tt.plain) == len(text) && len(sealed) > len(text)/4 {
					t.Errorf("1 MiB of repetitive text sealed to %d bytes: not compressed?", len(sealed))
				}
				if bytes.Contains(sealed, []byte("compressible")) {
					t.Error("plaintext visible in sealed output")
				}
			})
		}
	}
}

func TestNewSealerRejects(t *testing.T) {
	id := newX25519(t)
	rs := []age.Recipient{id.Recipient()}
	for _, tt := range []struct {
		name  string
		rs    []age.Recipient
		level int
		want  string
	}{
		{"no recipients", nil, 3, "no recipients"},
		{"level 0", rs, 0, "compression level 0"},
		{"level 23", rs, 23, "compression level 23"},
		{"post-quantum mixed with classic", append(rs, pqRecipient(t)), 3, "can't mix post-quantum and classic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSealer(tt.rs, tt.level)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func pqRecipient(t *testing.T) age.Recipient {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient()
}

func TestSealMultipleRecipients(t *testing.T) {
	x := newX25519(t)
	key := newSSHKey(t, "")
	rs, err := ParseRecipients([]string{x.Recipient().String(), key.authorized})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(rs, 3)
	if err != nil {
		t.Fatal(err)
	}
	plain := randomBytes(t, 100<<10)
	sealed, err := s.SealBytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	sshIDs, err := LoadIdentities(writeFile(t, key.private, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	for name, ids := range map[string][]age.Identity{
		"x25519":      {x},
		"ssh-ed25519": sshIDs,
	} {
		got, err := openAll(ids, sealed)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("%s: wrong plaintext", name)
		}
	}
}

func TestOpenWrongIdentity(t *testing.T) {
	s, _ := sealer(t, 3)
	sealed, err := s.SealBytes([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = openAll([]age.Identity{newX25519(t), newX25519(t)}, sealed)
	if err == nil {
		t.Fatal("opened with the wrong identity")
	}
	if err.Error() != "no identity matches this backup's recipients: wrong identity file?" {
		t.Errorf("error %q", err)
	}
	var noMatch *age.NoIdentityMatchError
	if !errors.Is(err, ErrWrongIdentity) || !errors.As(err, &noMatch) {
		t.Errorf("error %v does not match ErrWrongIdentity and *age.NoIdentityMatchError", err)
	}
}

// TestOpenDamaged checks that damage anywhere fails loudly: at Open for the
// header, at Read for the payload, and never with wrong data and a nil error.
func TestOpenDamaged(t *testing.T) {
	s, id := sealer(t, 3)
	plain := randomBytes(t, 1<<20)
	sealed, err := s.SealBytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"byte flipped in the middle", flip(len(sealed) / 2), "decrypting: failed to decrypt and authenticate"},
		{"last byte flipped", flip(len(sealed) - 1), "decrypting: failed to decrypt and authenticate"},
		{"header byte flipped", flip(40), ""}, // a damaged stanza looks like a wrong identity to age,
		{"truncated mid-chunk", sealed[:len(sealed)/2+5], "decrypting: failed to decrypt and authenticate"},
		{"truncated at a chunk boundary", sealed[:len(sealed)-len(sealed)%(64<<10+16)], "decrypting: failed to decrypt and authenticate"},
		{"cut to 10 bytes", sealed[:10], "decrypting"},
		{"empty", nil, "decrypting"},
		{"trailing garbage", append(bytes.Clone(sealed), 0), "decrypting: failed to decrypt and authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openAll([]age.Identity{id}, tt.data)
			if err == nil {
				t.Fatalf("no error; data equal: %v", bytes.Equal(got, plain))
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if len(got) > 0 && !bytes.Equal(got, plain[:len(got)]) {
				t.Error("returned plaintext that differs from what was sealed")
			}
		})
	}
}

func TestSealConcurrent(t *testing.T) {
	s, id := sealer(t, 3)
	o := NewOpener([]age.Identity{id})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				plain := bytes.Repeat([]byte(fmt.Sprintf("goroutine %d part %d\n", g, i)), 20000+g*1000+i)
				var buf bytes.Buffer
				if err := s.Seal(&buf, plain); err != nil {
					errs <- err
					return
				}
				r, err := o.Open(&buf)
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, plain) {
					errs <- fmt.Errorf("goroutine %d part %d: data mixed up", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestOpenerReuse checks that a decoder returned to the pool after a failed
// or abandoned part still decodes the next part correctly.
func TestOpenerReuse(t *testing.T) {
	s, id := sealer(t, 3)
	o := NewOpener([]age.Identity{id})
	a := randomBytes(t, 200<<10)
	b := bytes.Repeat([]byte("b"), 300<<10)
	sa, _ := s.SealBytes(a)
	sb, _ := s.SealBytes(b)

	r, err := o.Open(bytes.NewReader(sa))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	r.Close() // abandoned half-way
	r.Close() // and closing twice is harmless

	bad := bytes.Clone(sa)
	bad[len(bad)/2] ^= 1
	r, err = o.Open(bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("damaged part read without error")
	}
	r.Close()

	for range 3 {
		r, err := o.Open(bytes.NewReader(sb))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("reused opener: %d bytes, %v", len(got), err)
		}
	}
}

// failingWriter fails every write after the first n bytes, like a full disk
// or a dropped upload.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestSealWriteError(t *testing.T) {
	s, _ := sealer(t, 3)
	plain := randomBytes(t, 1<<20)
	for _, n := range []int{0, 200, 300 << 10} {
		err := s.Seal(&failingWriter{n: n}, plain)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("writer failing after %d bytes: Seal returned %v", n, err)
		}
	}
}

// A part's zstd frame has the window the zstd command uses at the same
// level (its windowLog table for inputs of unknown size, capped at 8 MiB):
// what a restore holds per part, and what the sealer's history costs.
func TestSealWindowFollowsTheZstdCommand(t *testing.T) {
	plain := bytes.Repeat([]byte("a window of history, "), 10<<20/21) // > 8 MiB
	for _, tt := range []struct {
		level  int
		window int
	}{
		{1, 512 << 10}, {2, 1 << 20}, {3, 2 << 20}, {8, 2 << 20},
		{9, 4 << 20}, {16, 4 << 20}, {17, 8 << 20}, {22, 8 << 20},
	} {
		t.Run(fmt.Sprint("level ", tt.level), func(t *testing.T) {
			s, id := sealer(t, tt.level)
			sealed, err := s.SealBytes(plain)
			if err != nil {
				t.Fatal(err)
			}
			r, err := age.Decrypt(bytes.NewReader(sealed), id)
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 6)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatal(err)
			}
			if got := frameWindow(t, head); got != tt.window {
				t.Errorf("window %d KiB, want %d KiB", got>>10, tt.window>>10)
			}
		})
	}
}

// frameWindow decodes the window size from a zstd frame header (RFC 8878,
// 3.1.1.1): magic, frame header descriptor, window descriptor.
func frameWindow(t *testing.T, head []byte) int {
	t.Helper()
	if !bytes.Equal(head[:4], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("no zstd magic: % x", head[:4])
	}
	if head[4]&0x20 != 0 {
		t.Fatal("single-segment frame: it has no window descriptor")
	}
	wd := head[5]
	base := 1 << (10 + wd>>3)
	return base + base/8*int(wd&7)
}
