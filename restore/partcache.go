package restore

import (
	"context"
	"sync"
)

// PartCache keeps the checked plaintext of parts beyond the two PartStreams
// holds in memory, so that a long-lived reader (mount) downloads each part
// once. Keys are the parts' plain_sha256: a part is only ever put after its
// bytes were checked against a trusted record, so a key names its bytes.
type PartCache interface {
	// ReadAt fills p with the cached part's bytes from off; ok is false
	// when the part is not cached or p cannot be filled (then the caller
	// downloads the part).
	ReadAt(key string, p []byte, off int64) (n int, ok bool)
	// Put keeps a checked part's plaintext, or does nothing when it cannot
	// (too big for the bound, a full disk): a cache only saves downloads.
	Put(key string, plain []byte)
	// Evict drops a part whose cached bytes failed a check.
	Evict(key string)
}

// CacheTrace collects the keys of the parts that reads under one context
// were served from the part cache. A read is checked piecewise (each send
// stream command's crc32c), not the whole part at each read; when that
// check fails, the parts it was served from the cache are the suspects:
// EvictTraced drops them, and the read tried again downloads and checks
// them whole. Without it a part damaged on disk would fail every read
// until the mount ends.
type CacheTrace struct {
	mu   sync.Mutex
	keys []string
}

type cacheTraceKey struct{}

// WithCacheTrace returns ctx carrying a new trace.
func WithCacheTrace(ctx context.Context) (context.Context, *CacheTrace) {
	t := &CacheTrace{}
	return context.WithValue(ctx, cacheTraceKey{}, t), t
}

func (t *CacheTrace) add(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range t.keys {
		if k == key {
			return
		}
	}
	t.keys = append(t.keys, key)
}

// EvictTraced drops from the part cache the parts t saw served from it,
// and returns how many.
func (s *PartStreams) EvictTraced(t *CacheTrace) int {
	if s.Cache == nil || t == nil {
		return 0
	}
	t.mu.Lock()
	keys := t.keys
	t.keys = nil
	t.mu.Unlock()
	for _, k := range keys {
		s.Cache.Evict(k)
	}
	return len(keys)
}

// readCached reads from the part cache, when there is one, and notes in
// ctx's trace the parts it served.
func (s *PartStreams) readCached(ctx context.Context, key string, p []byte, off int64) (int, bool) {
	if s.Cache == nil {
		return 0, false
	}
	n, ok := s.Cache.ReadAt(key, p, off)
	if t, _ := ctx.Value(cacheTraceKey{}).(*CacheTrace); ok && t != nil {
		t.add(key)
	}
	return n, ok
}
