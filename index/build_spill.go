package index

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// SpillPattern names a Builder's spill files (os.CreateTemp's pattern, and
// a glob of those a killed process left).
const SpillPattern = ".index-spill-*"

// spillFile holds the records a Builder evicted: length-prefixed JSON, in
// the order they were evicted, the newest copy of a record winning. It is
// made on the first eviction and removed by Close.
type spillFile struct {
	dir   string
	f     *os.File
	w     *bufio.Writer
	end   int64 // bytes written (some maybe still in w)
	where spillIndex
}

// A spill record is, after its length: the record's line exactly as the
// index holds it (so that Finish copies it without decoding), then for a
// directory the keys of its entries (which the line names by inode number
// only), all as uvarints.

// storeRec writes the record of key: n, and for a directory keys.
func (s *spillFile) storeRec(key uint64, n *Node, keys []uint64) error {
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, SpillPattern)
		if err != nil {
			return fmt.Errorf("spill file: %w", err)
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	line, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("spill record of inode %d: %w", n.Ino, err)
	}
	line = append(line, '\n')
	tail := binary.AppendUvarint(nil, uint64(len(keys)))
	for _, k := range keys {
		tail = binary.AppendUvarint(tail, k)
	}
	rec := append(binary.AppendUvarint(nil, uint64(len(line))), line...)
	rec = append(rec, tail...)
	hdr := binary.AppendUvarint(nil, uint64(len(rec)))
	if _, err := s.w.Write(hdr); err != nil {
		return fmt.Errorf("spill file: %w", err)
	}
	if _, err := s.w.Write(rec); err != nil {
		return fmt.Errorf("spill file: %w", err)
	}
	s.where.put(key, s.end)
	s.end += int64(len(hdr) + len(rec))
	return nil
}

// splitRec returns a spill record's line and keys.
func splitRec(rec []byte) (line []byte, keys []uint64, err error) {
	n, h := binary.Uvarint(rec)
	if h <= 0 || uint64(len(rec)-h) < n {
		return nil, nil, fmt.Errorf("bad record")
	}
	line, rest := rec[h:h+int(n)], rec[h+int(n):]
	count, h := binary.Uvarint(rest)
	if h <= 0 || count > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("bad record")
	}
	rest = rest[h:]
	if count > 0 {
		keys = make([]uint64, count)
	}
	for i := range keys {
		if keys[i], h = binary.Uvarint(rest); h <= 0 {
			return nil, nil, fmt.Errorf("bad record")
		}
		rest = rest[h:]
	}
	return line, keys, nil
}

// window is a buffer of spill file bytes from off: reading records in
// about the order they were written costs one read per window.
type window struct {
	off int64
	b   []byte
	n   int
}

// read returns the line and keys of the record stored at off, through
// win (the line is valid until win is used again).
func (s *spillFile) read(off int64, win *window) ([]byte, []uint64, error) {
	if err := s.w.Flush(); err != nil {
		return nil, nil, fmt.Errorf("spill file: %w", err)
	}
	rec, err := s.bytesAt(off, win)
	if err != nil {
		return nil, nil, err
	}
	line, keys, err := splitRec(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("spill file: record at %d: %w", off, err)
	}
	return line, keys, nil
}

// bytesAt returns the body of the record at off.
func (s *spillFile) bytesAt(off int64, win *window) ([]byte, error) {
	if off < win.off || off+binary.MaxVarintLen64 > win.off+int64(win.n) {
		n, err := s.f.ReadAt(win.b[:cap(win.b)], off)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("spill file: %w", err)
		}
		win.off, win.n = off, n
	}
	have := win.b[off-win.off : win.n]
	size, h := binary.Uvarint(have)
	if h <= 0 || off+int64(h)+int64(size) > s.end {
		return nil, fmt.Errorf("spill file: bad record at %d", off)
	}
	if int64(len(have)-h) >= int64(size) {
		return have[h : h+int(size)], nil
	}
	if int(size)+h <= cap(win.b) {
		win.n = 0 // refill from off
		return s.bytesAt(off, win)
	}
	body := make([]byte, size)
	if _, err := s.f.ReadAt(body, off+int64(h)); err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	return body, nil
}

// load returns the newest spilled copy of key's record, or nil.
func (s *spillFile) load(key uint64) (*inode, error) {
	off, ok := s.where.get(key)
	if !ok {
		return nil, nil
	}
	line, keys, err := s.read(off, &window{b: make([]byte, 4096)})
	if err != nil {
		return nil, err
	}
	var n Node
	if err := json.Unmarshal(line, &n); err != nil {
		return nil, fmt.Errorf("spill file: record at %d: %w", off, err)
	}
	return &inode{key: key, n: &n, keys: keys, dirty: true}, nil
}

func (s *spillFile) close() error {
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	s.f.Close()
	s.f = nil
	return os.Remove(name)
}

// storeSpill writes in's record to the spill file (a directory with its
// entries sorted, as the index holds them).
func (b *Builder) storeSpill(in *inode) error {
	n := *in.n
	var keys []uint64
	if n.Kind == KindDir {
		n.Entries, keys = b.sortedEntries(in)
	}
	return b.spill.storeRec(in.key, &n, keys)
}
