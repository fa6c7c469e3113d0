package index

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Finish writes the finished index to w, as Encode does (the header, then
// the changed records by inode number), streaming it from the spill file.
// streamSHA256 goes in the header (see Header.StreamSHA256).
func (b *Builder) Finish(w io.Writer, version uint32, streamSHA256 string) (Header, error) {
	if !b.started {
		return Header{}, fmt.Errorf("index %s: the stream had no subvolume", b.head.Snapshot)
	}
	for _, in := range b.live {
		if in.mod {
			if err := b.storeSpill(in); err != nil {
				return Header{}, err
			}
			in.mod = false
		}
	}
	clear(b.live)
	b.spill.where.merge()
	picked := pickRecords(b.spill.where.sorted)
	head := b.head
	head.Format, head.Version, head.StreamSHA256, head.Nodes = FormatVersion, version, streamSHA256, len(picked)
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(head); err != nil {
		return Header{}, fmt.Errorf("write index header: %w", err)
	}
	win := &window{b: make([]byte, 256<<10)}
	for _, p := range picked {
		line, _, err := b.spill.read(p.off, win)
		if err != nil {
			return Header{}, err
		}
		if _, err := bw.Write(line); err != nil {
			return Header{}, fmt.Errorf("write index record %d: %w", p.key>>1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return Header{}, fmt.Errorf("write index: %w", err)
	}
	return head, nil
}

// pickRecords returns the positions of the records the index holds, by
// inode number: of a number both a parent's inode and a new one have
// (a deleted inode's number reused), the new one.
func pickRecords(pos []spillPos) []spillPos {
	out := pos[:0] // in place: pos is not needed afterwards
	for i, p := range pos {
		if p.key&1 == 0 && i+1 < len(pos) && pos[i+1].key == p.key|1 {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Index returns the finished index in memory: for small trees and tests
// (push streams it with Finish).
func (b *Builder) Index(version uint32) (*Index, error) {
	var buf bytes.Buffer
	if _, err := b.Finish(&buf, version, ""); err != nil {
		return nil, err
	}
	return Decode(&buf)
}
