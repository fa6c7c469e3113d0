package btrfs

import "testing"

func TestParseReferenced(t *testing.T) {
	cases := []struct {
		out  string
		want int64
		ok   bool
	}{
		{"Qgroupid    Referenced    Exclusive   Path \n--------    ----------    ---------   ---- \n0/256          5017600      5017600   @home\n", 5017600, true},
		{"qgroupid         rfer         excl \n--------         ----         ---- \n0/257        16384        16384 \n", 16384, true}, // btrfs-progs 5.x
		{"", 0, false},
	}
	for _, c := range cases {
		got, err := parseReferenced(c.out)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseReferenced(%q) = %d, %v; want %d (ok %v)", c.out, got, err, c.want, c.ok)
		}
	}
}
