package backup

import (
	"testing"

	"github.com/argo-backup/argo-backup/manifest"
)

// A full is estimated from the newest full, an incremental from the median
// of the last five incrementals; with nothing to go by, 0.
func TestEstimate(t *testing.T) {
	full := func(n int64) *manifest.Record { return &manifest.Record{PlainBytes: n} }
	incr := func(n int64) *manifest.Record { return &manifest.Record{Parent: "p", PlainBytes: n} }
	history := []*manifest.Record{full(1000), incr(1), incr(900), full(5000), incr(10), incr(30), incr(20), incr(99999), incr(40), incr(50)}
	cases := []struct {
		name    string
		records []*manifest.Record
		full    bool
		want    int64
	}{
		{"full: the newest full", history, true, 5000},
		{"incremental: median of the last five", history, false, 40},
		{"first full", nil, true, 0},
		{"first incremental", history[:1], false, 0},
	}
	for _, c := range cases {
		if got := estimate(c.records, c.full); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
