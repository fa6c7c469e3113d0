package manifest

import (
	"slices"
	"testing"
	"time"
)

func TestSuggest(t *testing.T) {
	var recs []*Record
	for _, at := range []string{"2025-12-30T02:00:00Z", "2026-01-05T02:00:00Z", "2026-01-06T02:00:00Z", "2026-02-01T02:00:00Z",
		"2026-03-01T02:00:00Z", "2026-04-01T02:00:00Z", "2026-11-01T02:00:00Z"} {
		tm, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &Record{Snapshot: SnapshotName("home", tm)})
	}
	tests := []struct {
		name string
		want []string
	}{
		{"home.2026010", []string{"home.20260105T020000Z", "home.20260106T020000Z"}},
		{"home.20251", []string{"home.20251230T020000Z"}},
		{"home.2026", []string{"home.20260201T020000Z", "home.20260301T020000Z", "home.20260401T020000Z", "home.20261101T020000Z"}},
		{"home.20260115T020000Z", []string{"home.20260105T020000Z", "home.20260106T020000Z", "home.20260201T020000Z", "home.20260301T020000Z"}},
		{"root.2026", []string{"home.20260401T020000Z", "home.20261101T020000Z"}},
	}
	for _, tt := range tests {
		if got := Suggest(recs, tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("Suggest(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Suggest(nil, "home.2026"); got != nil {
		t.Errorf("Suggest with no backups = %q, want none", got)
	}
}
