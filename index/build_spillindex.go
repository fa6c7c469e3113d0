package index

import "sort"

// spillIndex finds a key's newest record in the spill file: a sorted
// array (16 bytes a record, no per-entry overhead) and a small map of the
// latest positions, merged into the array when it grows.
type spillIndex struct {
	sorted []spillPos
	recent map[uint64]int64
}

type spillPos struct {
	key uint64
	off int64
}

const spillRecent = 1 << 14

func (x *spillIndex) put(key uint64, off int64) {
	if x.recent == nil {
		x.recent = map[uint64]int64{}
	}
	x.recent[key] = off
	if len(x.recent) >= spillRecent {
		x.merge()
	}
}

func (x *spillIndex) get(key uint64) (int64, bool) {
	if off, ok := x.recent[key]; ok {
		return off, true
	}
	i := sort.Search(len(x.sorted), func(i int) bool { return x.sorted[i].key >= key })
	if i < len(x.sorted) && x.sorted[i].key == key {
		return x.sorted[i].off, true
	}
	return 0, false
}

// merge moves the recent positions into the sorted array (they replace
// older positions of the same keys).
func (x *spillIndex) merge() {
	if len(x.recent) == 0 {
		return
	}
	add := make([]spillPos, 0, len(x.recent))
	for k, off := range x.recent {
		add = append(add, spillPos{k, off})
	}
	sort.Slice(add, func(i, j int) bool { return add[i].key < add[j].key })
	clear(x.recent)
	if len(x.sorted) == 0 || x.sorted[len(x.sorted)-1].key < add[0].key {
		x.sorted = append(x.sorted, add...) // the usual case: inodes in increasing order
		return
	}
	out := make([]spillPos, 0, len(x.sorted)+len(add))
	i, j := 0, 0
	for i < len(x.sorted) || j < len(add) {
		switch {
		case j == len(add) || (i < len(x.sorted) && x.sorted[i].key < add[j].key):
			out = append(out, x.sorted[i])
			i++
		case i < len(x.sorted) && x.sorted[i].key == add[j].key:
			out = append(out, add[j])
			i, j = i+1, j+1
		default:
			out = append(out, add[j])
			j++
		}
	}
	x.sorted = out
}
