package restore

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// trustWorld is a remote of records only (no parts: trust is decided
// before any part is read), written as a host, a thief or an attacker
// would write them.
type trustWorld struct {
	t     *testing.T
	store *remote.Store
	id    *age.X25519Identity
	root  crypto.TrustRoot
	day0  time.Time
}

func newTrustWorld(t *testing.T) *trustWorld {
	st, err := remote.Open(t.Context(), remotetest.Local(t), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	return &trustWorld{t: t, store: st, id: id, root: crypto.TrustRoots([]age.Identity{id})[0],
		day0: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)}
}

// key makes a signing key certified by the world's identity for host.
func (w *trustWorld) key(host string, revokes ...crypto.Revocation) *crypto.Signer {
	_, k, _ := ed25519.GenerateKey(nil)
	cert, err := crypto.Certify(w.root, crypto.Certificate{Host: host, Key: k.Public().(ed25519.PublicKey), Issued: w.day0, Revokes: revokes})
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := crypto.NewSigner(k, []*crypto.Signed{cert}, host)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// record is a full backup of home taken on day, committed then.
func (w *trustWorld) record(host string, day int, expected ...manifest.Expected) *manifest.Record {
	at := w.day0.AddDate(0, 0, day)
	hex := strings.Repeat("ab", 32)
	return &manifest.Record{Format: 1, Host: host, Subvolume: "home", SourcePath: "/home",
		Snapshot: manifest.SnapshotName("home", at), UUID: fmt.Sprintf("uuid-%d", day),
		Created: at, Committed: at.Add(time.Minute), SendProto: 2, PartSize: 1 << 20,
		PlainBytes: 10, StoredBytes: 20, StreamSHA256: hex, Expected: expected,
		Parts: []manifest.Part{{Index: 0, PlainBytes: 10, PlainSHA256: hex, StoredBytes: 20, StoredSHA256: hex}}}
}

// put stores r under host/home/snapshot, signed by s (nil: unsigned).
func (w *trustWorld) put(r *manifest.Record, s *crypto.Signer, host, snapshot string) {
	w.t.Helper()
	data, err := manifest.EncodeRecord(r)
	if err != nil {
		w.t.Fatal(err)
	}
	if s != nil {
		if data, err = s.Sign(manifest.SignedRecordType, data); err != nil {
			w.t.Fatal(err)
		}
	}
	sealed, err := crypto.Encrypt([]age.Recipient{w.id.Recipient()}, data)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.store.Put(w.t.Context(), remote.RecordName(host, "home", snapshot), sealed); err != nil {
		w.t.Fatal(err)
	}
}

func expect(r *manifest.Record) manifest.Expected {
	h, _ := manifest.HashRecord(r)
	return manifest.Expected{Snapshot: r.Snapshot, RecordSHA256: h}
}

// The trust rules of docs/formats.md ("Deciding trust"), one story each.
func TestCatalogTrust(t *testing.T) {
	tests := []struct {
		name  string
		build func(w *trustWorld) // writes records of host "h"
		want  map[int]string      // day: "signed", "endorsed", or a reason
	}{
		{"signed", func(w *trustWorld) {
			r := w.record("h", 1)
			w.put(r, w.key("h"), "h", r.Snapshot)
		}, map[int]string{1: "signed"}},
		{"unsigned alone", func(w *trustWorld) {
			r := w.record("h", 1)
			w.put(r, nil, "h", r.Snapshot)
		}, map[int]string{1: ReasonUnsigned}},
		{"unsigned, endorsed by the first signed record", func(w *trustWorld) {
			old := w.record("h", 1)
			w.put(old, nil, "h", old.Snapshot)
			r := w.record("h", 2, expect(old))
			w.put(r, w.key("h"), "h", r.Snapshot)
		}, map[int]string{1: "endorsed", 2: "signed"}},
		{"unsigned, changed after it was endorsed", func(w *trustWorld) {
			old := w.record("h", 1)
			r := w.record("h", 2, expect(old))
			old.SourcePath = "/elsewhere"
			w.put(old, nil, "h", old.Snapshot)
			w.put(r, w.key("h"), "h", r.Snapshot)
		}, map[int]string{1: ReasonUnsigned, 2: "signed"}},
		{"stored under another snapshot", func(w *trustWorld) {
			r := w.record("h", 1)
			w.put(r, w.key("h"), "h", manifest.SnapshotName("home", w.day0.AddDate(0, 0, 5)))
		}, map[int]string{5: "wrong place"}},
		{"signed with another host's key", func(w *trustWorld) {
			r := w.record("h", 1)
			w.put(r, w.key("other"), "h", r.Snapshot)
		}, map[int]string{1: ReasonBadCert}},
		{"revoked key: after the date refused, before it kept", func(w *trustWorld) {
			old := w.key("h")
			before, after := w.record("h", 1), w.record("h", 9)
			w.put(before, old, "h", before.Snapshot)
			w.put(after, old, "h", after.Snapshot)
			revoke := crypto.Revocation{Key: old.Public(), From: w.day0.AddDate(0, 0, 5)}
			r := w.record("h", 6, expect(before))
			w.put(r, w.key("h", revoke), "h", r.Snapshot)
		}, map[int]string{1: "signed", 6: "signed", 9: ReasonRevoked}},
		{"revoked key: backdated, not named by the new key", func(w *trustWorld) {
			old := w.key("h")
			backdated := w.record("h", 2)
			w.put(backdated, old, "h", backdated.Snapshot)
			revoke := crypto.Revocation{Key: old.Public(), From: w.day0.AddDate(0, 0, 5)}
			r := w.record("h", 6)
			w.put(r, w.key("h", revoke), "h", r.Snapshot)
		}, map[int]string{2: ReasonRevoked, 6: "signed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTrustWorld(t)
			tt.build(w)
			l, err := (&Catalog{Store: w.store, Identities: []age.Identity{w.id}}).List(t.Context(), "h", "home")
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Entries) != len(tt.want) {
				t.Fatalf("%d entries, want %d", len(l.Entries), len(tt.want))
			}
			for day, want := range tt.want {
				e := entryOf(t, l, manifest.SnapshotName("home", w.day0.AddDate(0, 0, day)))
				got := e.Reason
				if e.Trusted {
					got = strings.Fields(e.How)[0]
				}
				if !strings.HasPrefix(got, want) {
					t.Errorf("day %d: %q, want %q", day, got, want)
				}
			}
		})
	}
}

func entryOf(t *testing.T, l *Listing, snapshot string) *Entry {
	t.Helper()
	for _, e := range l.Entries {
		if e.Snapshot == snapshot {
			return e
		}
	}
	t.Fatalf("no entry %s", snapshot)
	return nil
}

// A fresh machine names the backups the newest trusted record expected
// that the remote lost.
func TestCatalogMissing(t *testing.T) {
	w := newTrustWorld(t)
	k := w.key("h")
	a, b := w.record("h", 1), w.record("h", 2)
	c := w.record("h", 3, expect(a), expect(b))
	w.put(b, k, "h", b.Snapshot)
	w.put(c, k, "h", c.Snapshot)
	l, err := (&Catalog{Store: w.store, Identities: []age.Identity{w.id}}).List(t.Context(), "h", "home")
	if err != nil {
		t.Fatal(err)
	}
	if l.MissingBy != c.Snapshot || len(l.Missing) != 1 || l.Missing[0].Snapshot != a.Snapshot {
		t.Fatalf("missing %v by %s, want [%s] by %s", l.Missing, l.MissingBy, a.Snapshot, c.Snapshot)
	}
}
