// Package chunked hashes large buffers a slice at a time.
//
// Why: crypto/sha256's block function is assembly, and the Go runtime
// cannot preempt a goroutine inside assembly. Hashing a 32 MiB part in
// one call keeps its goroutine unpreemptible for tens of milliseconds;
// a garbage collection that starts meanwhile spins (signals, yields)
// until it can suspend that goroutine to scan its stack. In a full
// restore that spinning was 15% of the process's CPU samples
// (runtime.suspendG, docs/performance.md, "fourth round"). Hashing in
// slices of a few hundred KiB gives the runtime a safe point between
// slices at no measurable cost: the same bytes are hashed once.
package chunked

import (
	"crypto/sha256"
	"hash"
)

// Slice is how many bytes go to the hash per call: about 0.2 ms of
// sha256 on one core, and a multiple of every block size in use.
const Slice = 256 << 10

// Write writes b to h, Slice bytes per call. Like hash.Hash's Write it
// cannot fail.
func Write(h hash.Hash, b []byte) {
	for len(b) > Slice {
		h.Write(b[:Slice])
		b = b[Slice:]
	}
	h.Write(b)
}

// SHA256 is sha256.Sum256(b), hashed Slice bytes per call.
func SHA256(b []byte) [sha256.Size]byte {
	h := sha256.New()
	Write(h, b)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
