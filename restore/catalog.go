package restore

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"sort"
	"sync"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// MaxRecordObject bounds what is read of one record object: a record of a
// backup of many TiB is a few MiB; anything larger is refused unread.
const MaxRecordObject = 256 << 20

// Catalog reads the records on a remote and decides which to trust.
// Records are encrypted: reading them needs an identity, whose derived
// trust root also checks the signatures.
type Catalog struct {
	Store      Store
	Identities []age.Identity
	// IndexCache, when set, is a directory where Index keeps the index
	// objects it has checked (index_cache.go): what browsing sets, never
	// verify, which must read the remote.
	IndexCache string
	// Spool is the directory (state_dir) under which parts downloaded
	// ahead wait for their turn, in a directory of their own (spool.go);
	// empty: the system's temporary directory.
	Spool  string
	opened *openedCache    // records already read, by object version
	free   *partFree       // verify --budget's plaintext part buffer
	onFree func(*partFree) // given fetchParts' buffer list before it is released (tests)
}

func (c *Catalog) opener() *crypto.Opener { return crypto.NewOpener(c.Identities) }

func (c *Catalog) roots() []ed25519.PublicKey {
	var keys []ed25519.PublicKey
	for _, r := range crypto.TrustRoots(c.Identities) {
		keys = append(keys, r.Public())
	}
	return keys
}

// Subvolumes lists the subvolume names a host has records of, trusted or
// not (list names the untrusted ones).
func (c *Catalog) Subvolumes(ctx context.Context, host string) ([]string, error) {
	entries, err := c.Store.List(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", host, err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		h, subvol, _, file, ok := remote.ParsePath(e.Name)
		if ok && h == host && remote.IsRecord(file) {
			seen[subvol] = true
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// Hosts lists the hosts that have a folder on the remote. It lists the top
// level only: a remote holds every part of every backup, and listing is
// recursive, so reading records to find hosts would walk all of it. The
// escrow folder (keys) is not a host.
func (c *Catalog) Hosts(ctx context.Context) ([]string, error) {
	dirs, err := c.Store.Dirs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list remote: %w", err)
	}
	return slices.DeleteFunc(dirs, func(d string) bool { return remote.CheckName("host", d) != nil }), nil
}

// Listing is what the remote holds of one subvolume, judged.
type Listing struct {
	Entries []*Entry // every record object, oldest first
	// Missing: backups the newest trusted record (MissingBy) expected that
	// have no trusted record on the remote.
	Missing   []manifest.Expected
	MissingBy string
}

// Trusted returns the trusted records, oldest first.
func (l *Listing) Trusted() []*manifest.Record {
	var recs []*manifest.Record
	for _, e := range l.Entries {
		if e.Trusted {
			recs = append(recs, e.Record)
		}
	}
	return recs
}

// Untrusted returns the entries not trusted, oldest first.
func (l *Listing) Untrusted() []*Entry {
	var out []*Entry
	for _, e := range l.Entries {
		if !e.Trusted {
			out = append(out, e)
		}
	}
	return out
}

// Records returns the trusted backups of one subvolume, oldest first. A
// snapshot directory without a record is an unfinished push, not a backup.
// Untrusted records are left out, never an error: see List for them.
func (c *Catalog) Records(ctx context.Context, host, subvol string) ([]*manifest.Record, error) {
	l, err := c.List(ctx, host, subvol)
	if err != nil {
		return nil, err
	}
	return l.Trusted(), nil
}

// List reads and judges every record of host/subvol. Revocations are
// gathered from all of the host's records, so the host's records of every
// subvolume are read. Only a failure to list the remote (or a cancelled
// ctx) is an error: a bad record is an untrusted entry.
func (c *Catalog) List(ctx context.Context, host, subvol string) (*Listing, error) {
	refs, err := c.recordRefs(ctx, host)
	if err != nil {
		return nil, err
	}
	roots := c.roots()
	var all []*Entry
	for _, ref := range refs {
		e, err := c.cachedOpen(ctx, ref, roots, host)
		if err != nil {
			return nil, err
		}
		if e != nil {
			all = append(all, e)
		}
	}
	if wrongIdentity(all) {
		return nil, fmt.Errorf("no record of host %s decrypts: %w", host, crypto.ErrWrongIdentity)
	}
	applyRevocations(all)
	applyEndorsements(all)
	l := &Listing{}
	for _, e := range all {
		if e.subvol == subvol {
			l.Entries = append(l.Entries, e)
		}
	}
	sort.SliceStable(l.Entries, func(i, j int) bool { return l.Entries[i].Snapshot < l.Entries[j].Snapshot })
	l.MissingBy, l.Missing = missing(l.Entries)
	return l, nil
}

// recordRef is where a record of host may be: one per snapshot folder.
type recordRef struct{ subvol, snapshot string }

// recordRefs lists the snapshot folders of every subvolume of host, one
// folder level at a time: listing recursively would walk every part.
func (c *Catalog) recordRefs(ctx context.Context, host string) ([]recordRef, error) {
	subvols, err := c.Store.Dirs(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", host, err)
	}
	var refs []recordRef
	for _, sv := range subvols {
		if remote.CheckName("subvolume", sv) != nil {
			continue // locks/
		}
		snaps, err := c.Store.Dirs(ctx, path.Join(host, sv))
		if err != nil {
			return nil, fmt.Errorf("list %s/%s: %w", host, sv, err)
		}
		for _, snap := range snaps {
			refs = append(refs, recordRef{sv, snap})
		}
	}
	return refs, nil
}

// openedCache keeps what reading a record object found, so that listing
// every subvolume of a host (which judges each against all the host's
// records) reads each object once per command. A record is written once
// under its name; a folder without one is read again next time.
type openedCache struct {
	mu sync.Mutex
	m  map[string]Entry
}

// cachedOpen reads and classifies the record of ref, or returns nil when
// its folder holds none (an unfinished push).
func (c *Catalog) cachedOpen(ctx context.Context, ref recordRef, roots []ed25519.PublicKey, host string) (*Entry, error) {
	if c.opened == nil {
		c.opened = &openedCache{m: map[string]Entry{}}
	}
	name := remote.RecordName(host, ref.subvol, ref.snapshot)
	c.opened.mu.Lock()
	cached, ok := c.opened.m[name]
	c.opened.mu.Unlock()
	if ok {
		e := cached
		return &e, nil
	}
	e := &Entry{Object: name, Snapshot: ref.snapshot, subvol: ref.subvol}
	found, err := c.open(ctx, e, roots, host)
	if err != nil || !found {
		return nil, err
	}
	c.opened.mu.Lock()
	c.opened.m[name] = *e
	c.opened.mu.Unlock()
	return e, nil
}

// wrongIdentity reports whether every record is encrypted to other
// recipients: the identity is the wrong one, which is worth one clear
// error rather than a list of records it cannot read.
func wrongIdentity(all []*Entry) bool {
	for _, e := range all {
		if !e.wrongIdentity {
			return false
		}
	}
	return len(all) > 0
}

// open reads, decrypts and classifies one record object; found is false
// when there is none. Only a cancelled ctx is returned as an error.
func (c *Catalog) open(ctx context.Context, e *Entry, roots []ed25519.PublicKey, host string) (found bool, err error) {
	sealed, err := c.readLimited(ctx, e.Object)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	switch {
	case errors.Is(err, remote.ErrNotFound):
		return false, nil
	case errors.Is(err, errTooLarge):
		e.distrust(ReasonTooLarge, nil)
		return true, nil
	case err != nil:
		e.distrust(ReasonUnreadable, err)
		return true, nil
	}
	plain, err := crypto.Decrypt(c.Identities, sealed)
	if err != nil {
		e.distrust(ReasonUndecryptable, nil)
		e.wrongIdentity = errors.Is(err, crypto.ErrWrongIdentity)
		return true, nil
	}
	classify(e, plain, roots, host, e.subvol)
	return true, nil
}

var errTooLarge = errors.New(ReasonTooLarge)

func (c *Catalog) readLimited(ctx context.Context, name string) ([]byte, error) {
	r, err := c.Store.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, MaxRecordObject+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRecordObject {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return b, nil
}
