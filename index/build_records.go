package index

import (
	"cmp"
	"fmt"
	"slices"
)

// hold keeps in in memory as the most recently used record.
func (b *Builder) hold(in *inode) {
	in.used = b.clock
	b.live[in.key] = in
}

// get returns the record of key: held, reloaded from the spill file, or
// (for an inode of the parent) read from the parent; nil if none has it.
func (b *Builder) get(key uint64) (*inode, error) {
	if in := b.live[key]; in != nil {
		in.used = b.clock
		return in, nil
	}
	in, err := b.spill.load(key)
	if err != nil {
		return nil, err
	}
	if in == nil && key&1 == 0 && b.parent != nil {
		n, err := b.parent.Node(key >> 1)
		if err != nil {
			return nil, fmt.Errorf("parent's index: %w", err)
		}
		if n != nil {
			in = &inode{key: key, n: n.clone()}
		}
	}
	if in != nil {
		b.hold(in)
	}
	return in, nil
}

// trim writes the least recently used half of the held records to the
// spill file when more than maxLive are held. It runs between commands,
// never while a command holds pointers to records.
func (b *Builder) trim() error {
	if len(b.live) <= maxLive {
		return nil
	}
	all := make([]*inode, 0, len(b.live))
	for _, in := range b.live {
		all = append(all, in)
	}
	slices.SortFunc(all, func(x, y *inode) int { return cmp.Compare(x.used, y.used) })
	return b.evict(all[:len(all)-maxLive/2])
}

// evict drops records from memory, writing the changed ones to the spill
// file first (a record only read from the parent is read again if needed).
func (b *Builder) evict(ins []*inode) error {
	for _, in := range ins {
		if in.mod {
			if err := b.storeSpill(in); err != nil {
				return err
			}
			in.mod = false
		}
		delete(b.live, in.key)
	}
	return nil
}

// children returns dir's entries (name -> key), made from its record on
// first use.
func (b *Builder) children(dir *inode) map[string]uint64 {
	if dir.entries == nil {
		dir.entries = make(map[string]uint64, len(dir.n.Entries))
		for i, e := range dir.n.Entries {
			key := parentKey(e.Ino)
			if dir.keys != nil {
				key = dir.keys[i]
			}
			dir.entries[string(e.Name)] = key
		}
		dir.n.Entries, dir.keys = nil, nil
	}
	return dir.entries
}

// sortedEntries returns a directory's entries by name, and their keys.
func (b *Builder) sortedEntries(dir *inode) ([]Entry, []uint64) {
	m := b.children(dir)
	out := make([]Entry, 0, len(m))
	for name, key := range m {
		out = append(out, Entry{Name: Name(name), Ino: key})
	}
	slices.SortFunc(out, func(x, y Entry) int { return cmp.Compare(x.Name, y.Name) }) // names are unique
	keys := make([]uint64, len(out))
	for i := range out {
		keys[i], out[i].Ino = out[i].Ino, out[i].Ino>>1
	}
	return out, keys
}
