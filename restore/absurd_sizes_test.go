package restore_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// TestAbsurdSizes: a record claiming sizes no push makes, signed by its own
// host (a compromised one), neither panics nor exhausts memory in restore,
// verify --quick or verify of it: 2^62 bytes is an invalid record, never
// trusted; a terabyte in parts of the largest size is valid and fails at
// its first part. Both allocate about what the real objects hold and leave
// nothing that looks restored (staging entries aside), an empty scratch
// directory and no loop device (the world checks that at the end).
func TestAbsurdSizes(t *testing.T) {
	spec := remotetest.Local(t)
	c := newChain(t, spec, spec)
	tests := []struct {
		name string
		edit func(r map[string]any)
	}{
		{"plain bytes 2^62", func(r map[string]any) {
			r["part_size"], r["plain_bytes"] = int64(1<<62), int64(1<<62)
			parts := r["parts"].([]any)
			r["parts"] = parts[:1]
			parts[0].(map[string]any)["plain_bytes"] = int64(1 << 62)
		}},
		{"one terabyte", func(r map[string]any) {
			// 256 parts of 4 GiB, of which the first ones exist (smaller).
			r["part_size"], r["plain_bytes"] = int64(manifest.MaxPartSize), int64(1<<40)
			parts := r["parts"].([]any)
			var stored int64
			for i := range 256 {
				if i >= len(parts) {
					p := map[string]any{}
					for k, v := range parts[0].(map[string]any) {
						p[k] = v
					}
					parts = append(parts, p)
				}
				p := parts[i].(map[string]any)
				p["index"], p["plain_bytes"] = i, int64(manifest.MaxPartSize)
				stored += int64(p["stored_bytes"].(float64))
			}
			r["parts"], r["stored_bytes"] = parts, stored
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.forge(c.incr2, tt.edit)
			// A fresh catalog, as a new command has: one caches the records
			// it read, and the forged one replaced a record read before.
			c.restorer = &restore.Restorer{Catalog: restore.Catalog{Store: c.restorer.Store, Identities: c.restorer.Identities}, Log: c.restorer.Log}
			before := allocated()
			// By name: a forged newest the trust check skips would otherwise
			// just make restore pick the previous backup.
			_, err := c.restorer.Restore(c.ctx, host, "home", restore.Target{Snapshot: c.incr2.Snapshot}, c.target, restore.Options{})
			t.Logf("restore: %v", err)
			if err == nil {
				t.Error("restore of a record with absurd sizes succeeded")
			}
			requireNothingRestored(t, c.target)
			for _, o := range []restore.VerifyOptions{quick, restoreMode} {
				o.Snapshot = c.incr2.Snapshot
				rep, err := c.verify(o)
				if err == nil && rep.OK() {
					t.Errorf("%s verify passed a record with absurd sizes", o.Mode())
				}
			}
			if got := allocated() - before; got > 1<<30 {
				t.Errorf("restore and verify allocated %d bytes for a chain of a few MiB", got)
			}
		})
	}
}

// forge rewrites rec's record on the remote as its own host could (a
// compromised host holds the recipients and its signing key): edit works
// on its JSON, which is then signed with the host's key.
func (c *chain) forge(rec *manifest.Record, edit func(map[string]any)) {
	c.t.Helper()
	plain, err := manifest.EncodeRecord(rec)
	must(c.t, err)
	var m map[string]any
	must(c.t, json.Unmarshal(plain, &m))
	edit(m)
	plain, err = json.Marshal(m)
	must(c.t, err)
	if r, err := manifest.DecodeRecord(plain); err == nil {
		plain, err = manifest.EncodeRecord(r) // the canonical bytes a push signs
		must(c.t, err)
	}
	plain, err = c.pusher.Signer.Sign(manifest.SignedRecordType, plain)
	must(c.t, err)
	id := c.restorer.Identities[0].(*age.X25519Identity)
	sealed, err := crypto.Encrypt([]age.Recipient{id.Recipient()}, plain)
	must(c.t, err)
	mustWrite(c.t, c.object(rec, -1), sealed, 0o600)
}

// allocated is the bytes allocated by the process so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// requireNothingRestored fails if dir holds anything that looks restored:
// anything but a restore's staging entries (which the next restore reuses).
func requireNothingRestored(t *testing.T, dir string) {
	t.Helper()
	var left []string
	for _, name := range topLevel(t, dir) {
		if !restore.IsStaging(name) {
			left = append(left, name)
		}
	}
	if len(left) > 0 {
		t.Errorf("left in the restore target: %s", strings.Join(left, ", "))
	}
}
