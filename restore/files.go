package restore

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// PartStreams reads the plaintext send streams of trusted backups by
// offset, downloading only the parts that hold the bytes asked for (cat,
// restore --path): the file index says where a file's bytes are.
type PartStreams struct {
	Catalog *Catalog
	Host    string
	// Cache, when set, keeps parts beyond the two held in memory (mount).
	Cache   PartCache
	records map[string]*manifest.Record
	mu      sync.Mutex   // ReadAt may be called concurrently (mount)
	cache   []cachedPart // the last parts read, newest last
}

type cachedPart struct {
	snapshot string
	index    int
	plain    []byte
}

// partsCached bounds the parts kept in memory: a command spans at most two.
const partsCached = 2

// NewPartStreams serves the streams of records.
func NewPartStreams(c *Catalog, host string, records []*manifest.Record) *PartStreams {
	s := &PartStreams{Catalog: c, Host: host, records: map[string]*manifest.Record{}}
	for _, r := range records {
		s.records[r.Snapshot] = r
	}
	return s
}

var _ index.Streams = (*PartStreams)(nil)

// ReadAt fills p with snapshot's stream bytes from off.
func (s *PartStreams) ReadAt(ctx context.Context, snapshot string, p []byte, off int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[snapshot]
	if rec == nil {
		return fmt.Errorf("no trusted backup %s", snapshot)
	}
	var start int64
	for i := range rec.Parts { // parts in index order, as EncodeRecord keeps them
		part := rec.Parts[i]
		end := start + part.PlainBytes
		if len(p) > 0 && off < end && off+int64(len(p)) > start {
			want := p[:min(int64(len(p)), end-off)]
			n, ok := s.readCached(ctx, part.PlainSHA256, want, off-start)
			if !ok {
				plain, err := s.part(ctx, rec, part)
				if err != nil {
					return err
				}
				n = copy(want, plain[off-start:])
			}
			p, off = p[n:], off+int64(n)
		}
		start = end
	}
	if len(p) > 0 {
		return errs.Damagef("stream of %s ends at byte %d, before what its index names", snapshot, start)
	}
	return nil
}

// part returns one part's plaintext, checked against the record.
func (s *PartStreams) part(ctx context.Context, rec *manifest.Record, part manifest.Part) ([]byte, error) {
	for _, c := range s.cache {
		if c.snapshot == rec.Snapshot && c.index == part.Index {
			return c.plain, nil
		}
	}
	name := remote.PartName(s.Host, rec.Subvolume, rec.Snapshot, part.Index)
	r, err := s.Catalog.Store.Open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	sealed, err := io.ReadAll(io.LimitReader(r, part.StoredBytes+1))
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if sum := chunked.SHA256(sealed); hex.EncodeToString(sum[:]) != part.StoredSHA256 {
		return nil, errs.Damagef("%s is not the part its record names (damaged or replaced)", name)
	}
	plain, err := s.Catalog.openSealed(sealed, part.PlainBytes)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if sum := chunked.SHA256(plain); hex.EncodeToString(sum[:]) != part.PlainSHA256 {
		return nil, errs.Damagef("%s does not hold the bytes its record names", name)
	}
	if s.Cache != nil {
		s.Cache.Put(part.PlainSHA256, plain)
	}
	s.cache = append(s.cache, cachedPart{rec.Snapshot, part.Index, plain})
	if len(s.cache) > partsCached {
		s.cache = s.cache[1:]
	}
	return plain, nil
}
