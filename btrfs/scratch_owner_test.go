package btrfs

import (
	"os"
	"testing"
)

func TestParseOwner(t *testing.T) {
	cases := []struct {
		name      string
		ok, known bool
		want      owner
	}{
		{"argo-mnt-da050d4b.1236.58829-125762436", true, true, owner{"da050d4b", 1236, 58829}},
		{"argo-loop-da050d4b.1236.58829-2828792060.img", true, true, owner{"da050d4b", 1236, 58829}},
		{"argo-mnt-993232196", true, false, owner{}},                   // an earlier version's name
		{"argo-loop-2568375051.img", true, false, owner{}},             // an earlier version's name
		{"argo-loop-da050d4b.1236.58829-1.tmp", false, false, owner{}}, // not an image
		{"argo-mnt-xyz.1.2-3", true, false, owner{}},                   // a boot id of the wrong length
		{"restore-staging", false, false, owner{}},
		{"status.json", false, false, owner{}},
	}
	for _, c := range cases {
		got, known, ok := parseOwner(c.name)
		if ok != c.ok || known != c.known || got != c.want {
			t.Errorf("parseOwner(%q) = %v, %v, %v; want %v, %v, %v", c.name, got, known, ok, c.want, c.known, c.ok)
		}
	}
}

// A name made by this process parses back to a live owner; the same pid
// with another start time (a reused pid) or another boot is not alive.
func TestOwnerAlive(t *testing.T) {
	me, known, ok := parseOwner(mntPrefix + self().String() + "-1")
	if !ok || !known || me.pid != os.Getpid() || !me.alive() {
		t.Fatalf("this process's own name %v (known %v, ok %v) is not alive", me, known, ok)
	}
	reused, otherBoot := me, me
	reused.start++
	otherBoot.boot = "00000000"
	for _, o := range []owner{reused, otherBoot} {
		if o.alive() {
			t.Errorf("%v is alive, want gone", o)
		}
	}
}
