package manifest

import (
	"fmt"
	"slices"
)

// BrokenChainError reports a backup whose parent has no record. Every backup
// built on the missing parent is unrestorable, so restore refuses the chain
// before downloading anything.
type BrokenChainError struct {
	Snapshot      string // the backup whose parent is missing
	MissingParent string // the parent's snapshot name
}

func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("broken chain: backup %s needs parent %s, which has no committed record: restore cannot go past the missing %s",
		e.Snapshot, e.MissingParent, e.MissingParent)
}

// Chain returns the backups to replay to restore target: its full backup
// first, then each incremental up to and including target. Parents are
// followed by name, and each link's parent UUID must match the parent record,
// since that is what btrfs receive will look for.
func Chain(records []*Record, target string) ([]*Record, error) {
	index := newNameIndex(records)
	current, err := index.lookup(target)
	if err != nil {
		return nil, err
	}
	if current == nil {
		return nil, fmt.Errorf("no backup named %s", target)
	}
	var chain []*Record
	seen := make(map[string]bool)
	for {
		if seen[current.Snapshot] {
			return nil, fmt.Errorf("chain of %s loops back to %s", target, current.Snapshot)
		}
		seen[current.Snapshot] = true
		chain = append(chain, current)
		if current.IsFull() {
			break
		}
		if current, err = index.parentOf(current); err != nil {
			return nil, err
		}
	}
	slices.Reverse(chain)
	return chain, nil
}

// nameIndex maps snapshot names to records. The same record read twice (say
// from state_dir and from the remote) is harmless; two different records
// under one name are ambiguous, and reported rather than silently picked from.
type nameIndex struct {
	byName    map[string]*Record
	ambiguous map[string]bool
}

func newNameIndex(records []*Record) nameIndex {
	x := nameIndex{byName: make(map[string]*Record, len(records)), ambiguous: make(map[string]bool)}
	for _, r := range records {
		if other, ok := x.byName[r.Snapshot]; ok && other.UUID != r.UUID {
			x.ambiguous[r.Snapshot] = true
		}
		x.byName[r.Snapshot] = r
	}
	return x
}

// lookup returns the record named name, or nil if there is none.
func (x nameIndex) lookup(name string) (*Record, error) {
	if x.ambiguous[name] {
		return nil, fmt.Errorf("two different backups are named %s", name)
	}
	return x.byName[name], nil
}

func (x nameIndex) parentOf(r *Record) (*Record, error) {
	parent, err := x.lookup(r.Parent)
	if err != nil {
		return nil, err
	}
	if parent == nil {
		return nil, &BrokenChainError{Snapshot: r.Snapshot, MissingParent: r.Parent}
	}
	if parent.UUID != r.ParentUUID {
		return nil, fmt.Errorf("backup %s was sent against parent UUID %s, but the record of %s has UUID %s",
			r.Snapshot, r.ParentUUID, parent.Snapshot, parent.UUID)
	}
	return parent, nil
}
