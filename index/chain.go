package index

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Chain is the tree of a backup read from the plain index files of its
// chain, one record at a time: the Parent an incremental push builds on,
// with no whole tree in memory. Of each file it keeps the inode number and
// offset of every 64th record (records are in inode order), so a lookup
// reads at most 64 records of each index of the chain, newest first.
type Chain struct {
	files []*chainFile // newest first
}

type chainFile struct {
	f     *os.File
	head  Header
	marks []chainMark
}

type chainMark struct {
	ino uint64
	off int64
}

const chainMarkEvery = 64

// OpenChain opens the index of backup snapshot and of its ancestors back
// to the full backup, each at path(name). Close it when done.
func OpenChain(snapshot string, path func(snapshot string) string) (*Chain, error) {
	c := &Chain{}
	for name := snapshot; ; {
		if len(c.files) > 100000 {
			c.Close()
			return nil, fmt.Errorf("the indexes of %s loop", snapshot)
		}
		cf, err := openChainFile(path(name))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("index of %s: %w", name, err)
		}
		c.files = append(c.files, cf)
		if cf.head.Snapshot != name {
			c.Close()
			return nil, fmt.Errorf("index of %s describes %s", name, cf.head.Snapshot)
		}
		if name = cf.head.Parent; name == "" {
			return c, nil
		}
	}
}

// Snapshot names the backup whose tree c is.
func (c *Chain) Snapshot() string { return c.files[0].head.Snapshot }

// Close closes c's files.
func (c *Chain) Close() error {
	var errs []error
	for _, cf := range c.files {
		errs = append(errs, cf.f.Close())
	}
	return errors.Join(errs...)
}

// Node returns the newest record of inode ino in the chain, or nil.
func (c *Chain) Node(ino uint64) (*Node, error) {
	for _, cf := range c.files {
		n, err := cf.node(ino)
		if n != nil || err != nil {
			return n, err
		}
	}
	return nil, nil
}

func openChainFile(path string) (*chainFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	cf := &chainFile{f: f}
	if err := cf.scan(); err != nil {
		f.Close()
		return nil, err
	}
	return cf, nil
}

// scan reads the header and marks every 64th record.
func (cf *chainFile) scan() error {
	r := bufio.NewReaderSize(cf.f, 256<<10)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read index header: %w", err)
	}
	if err := json.Unmarshal(line, &cf.head); err != nil {
		return fmt.Errorf("read index header: %w", err)
	}
	if cf.head.Format > FormatVersion {
		return ErrNewerFormat
	}
	off := int64(len(line))
	for i := 0; i < cf.head.Nodes; i++ {
		var n int64
		if i%chainMarkEvery == 0 {
			line, err := r.ReadBytes('\n')
			var rec struct{ Ino uint64 }
			if err == nil {
				err = json.Unmarshal(line, &rec)
			}
			if err != nil {
				return fmt.Errorf("read index record %d: %w", i+1, err)
			}
			cf.marks = append(cf.marks, chainMark{rec.Ino, off})
			n = int64(len(line))
		} else if n, err = skipLine(r); err != nil {
			return fmt.Errorf("read index record %d: %w", i+1, err)
		}
		off += n
	}
	return nil
}

// skipLine reads past the next newline, returning how many bytes it read.
func skipLine(r *bufio.Reader) (int64, error) {
	var n int64
	for {
		b, err := r.ReadSlice('\n')
		n += int64(len(b))
		if err != bufio.ErrBufferFull {
			return n, err
		}
	}
}

// node decodes the records from the last mark at or below ino.
func (cf *chainFile) node(ino uint64) (*Node, error) {
	i := sort.Search(len(cf.marks), func(i int) bool { return cf.marks[i].ino > ino }) - 1
	if i < 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bufio.NewReader(io.NewSectionReader(cf.f, cf.marks[i].off, 1<<62)))
	for range chainMarkEvery {
		var n Node
		if err := dec.Decode(&n); err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("index of %s: %w", cf.head.Snapshot, err)
		}
		if n.Ino == ino {
			return &n, nil
		}
		if n.Ino > ino {
			return nil, nil
		}
	}
	return nil, nil
}
