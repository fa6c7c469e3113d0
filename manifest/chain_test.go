package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestChain(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	c := incrAt(b, day(3))
	weekly := incrAt(full, day(4)) // a second branch off the same full
	daily := incrAt(weekly, day(5))
	newFull := fullAt(day(6))
	history := []*Record{daily, c, full, b, newFull, a, weekly} // any order

	tests := []struct {
		name   string
		target *Record
		want   []*Record
	}{
		{"a full alone", full, []*Record{full}},
		{"to the end of a chain", c, []*Record{full, a, b, c}},
		{"to the middle of a chain", a, []*Record{full, a}},
		{"along a branch", daily, []*Record{full, weekly, daily}},
		{"a later full", newFull, []*Record{newFull}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Chain(history, tt.target.Snapshot)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), names(tt.want)) {
				t.Errorf("Chain(%s) = %v, want %v", tt.target.Snapshot, names(got), names(tt.want))
			}
		})
	}
}

func TestChainRefuses(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	c := incrAt(b, day(3))

	foreignParent := *b
	foreignParent.ParentUUID = "00000000-0000-0000-0000-000000000000"

	loopA, loopB := incrAt(full, day(1)), incrAt(full, day(2))
	loopA.Parent, loopA.ParentUUID = loopB.Snapshot, loopB.UUID
	loopB.Parent, loopB.ParentUUID = loopA.Snapshot, loopA.UUID

	twin := *a
	twin.UUID = "11111111-1111-1111-1111-111111111111"

	tests := []struct {
		name    string
		records []*Record
		target  string
		wantErr string
	}{
		{"unknown target", []*Record{full, a}, "home.20261224T000000Z", "no backup named home.20261224T000000Z"},
		{"missing parent", []*Record{full, b, c}, c.Snapshot, "backup " + b.Snapshot + " needs parent " + a.Snapshot},
		{"missing full", []*Record{a, b}, b.Snapshot, "needs parent " + full.Snapshot},
		{"parent UUID mismatch", []*Record{full, a, &foreignParent, c}, c.Snapshot, "sent against parent UUID 00000000-0000-0000-0000-000000000000"},
		{"cycle", []*Record{full, loopA, loopB}, loopB.Snapshot, "loops back to " + loopB.Snapshot},
		{"two records, one name", []*Record{full, a, &twin, b}, b.Snapshot, "two different backups are named " + a.Snapshot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Chain(tt.records, tt.target)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Chain = %v, %v; want an error containing %q", names(got), err, tt.wantErr)
			}
		})
	}
}

func TestChainNamesTheMissingLink(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	c := incrAt(b, day(3))

	_, err := Chain([]*Record{full, b, c}, c.Snapshot)
	var broken *BrokenChainError
	if !errors.As(err, &broken) {
		t.Fatalf("got %v, want a *BrokenChainError", err)
	}
	if broken.Snapshot != b.Snapshot || broken.MissingParent != a.Snapshot {
		t.Errorf("got %+v, want snapshot %s missing parent %s", broken, b.Snapshot, a.Snapshot)
	}
	if !strings.Contains(err.Error(), "restore cannot go past") {
		t.Errorf("message %q does not say that restore stops there", err)
	}
}

func TestChainAcceptsTheSameRecordTwice(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	copyOfA := *a // read once from state_dir, once from the remote
	got, err := Chain([]*Record{full, a, &copyOfA}, a.Snapshot)
	if err != nil || len(got) != 2 {
		t.Errorf("Chain = %v, %v; want the full and %s", names(got), err, a.Snapshot)
	}
}
