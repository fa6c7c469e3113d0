package remote

import (
	"slices"
	"testing"
)

// Dirs sees one level only: the hosts at the top, not the objects below.
func TestDirs(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		for _, name := range []string{
			MarkerName,
			"laptop/home/home.20261126T005616Z/record.json.age",
			"laptop/locks/home.lock",
			"workstation/root/root.20261126T005616Z/part-000000.zst.age",
			"keys/laptop.identity.age",
		} {
			mustPut(t, s, name, []byte("x"))
		}
		for _, tt := range []struct {
			dir  string
			want []string
		}{
			{"", []string{"keys", "laptop", "workstation"}},
			{"laptop", []string{"home", "locks"}},
			{"laptop/home/", []string{"home.20261126T005616Z"}},
			{"nowhere", nil},
		} {
			got, err := s.Dirs(t.Context(), tt.dir)
			if err != nil {
				t.Fatalf("Dirs(%q): %v", tt.dir, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Dirs(%q) = %q, want %q", tt.dir, got, tt.want)
			}
		}
	})
}
