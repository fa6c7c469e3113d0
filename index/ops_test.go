package index_test

import (
	"math/rand/v2"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/randhist"
)

// randomOps applies n random operations to the tree at root (see
// randhist.Ops: the generator the CLI's random-history test shares).
func randomOps(t *testing.T, root string, rng *rand.Rand, n int) {
	t.Helper()
	randhist.Ops(root, rng, n)
}

// pickEntry picks a random file, or with dirs a directory, under root.
func pickEntry(root string, rng *rand.Rand, dirs bool) string {
	return randhist.PickEntry(root, rng, dirs)
}
