package index

import (
	"math/rand/v2"
	"testing"
)

// TestSpillIndex: whatever the order keys are put in, and however often,
// get returns each key's latest position (compared with a plain map).
func TestSpillIndex(t *testing.T) {
	for _, c := range []struct {
		name  string
		keys  int
		order func(rng *rand.Rand, i int) uint64
	}{
		{"increasing", 3 * spillRecent, func(_ *rand.Rand, i int) uint64 { return uint64(i) * 2 }},
		{"random with repeats", 3 * spillRecent, func(rng *rand.Rand, _ int) uint64 { return rng.Uint64N(spillRecent) }},
		{"decreasing", 2 * spillRecent, func(_ *rand.Rand, i int) uint64 { return uint64(1<<20 - i) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var x spillIndex
			want := map[uint64]int64{}
			for i := range c.keys {
				k := c.order(rng, i)
				x.put(k, int64(i))
				want[k] = int64(i)
			}
			for k, off := range want {
				if got, ok := x.get(k); !ok || got != off {
					t.Fatalf("key %d: %d, %v; want %d", k, got, ok, off)
				}
			}
			if _, ok := x.get(1 << 40); ok {
				t.Errorf("a key never put was found")
			}
			x.merge()
			if len(x.sorted) != len(want) {
				t.Errorf("%d positions after merging, want %d", len(x.sorted), len(want))
			}
		})
	}
}
