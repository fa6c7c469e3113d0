package restore

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
}

// readCached reads from the part cache, when there is one.
func (s *PartStreams) readCached(key string, p []byte, off int64) (int, bool) {
	if s.Cache == nil {
		return 0, false
	}
	return s.Cache.ReadAt(key, p, off)
}
