package sendstream

import (
	"fmt"
	"strings"
)

// File types as the stream makes them (the S_IFMT bits of a mode).
const (
	typeMask   = 0o170000
	typeSock   = 0o140000
	typeLink   = 0o120000
	typeReg    = 0o100000
	typeBlock  = 0o060000
	typeDir    = 0o040000
	typeChar   = 0o020000
	typeFifo   = 0o010000
	typeRegNil = 0 // mknod with no type bits makes a regular file
)

// pathRules is the trust rule every consumer of a stream relies on: names
// stay beneath the subvolume (no absolute path, no "." or ".." component),
// and data goes only into regular files. It remembers the paths the stream
// itself made as something other than a file or directory (symlinks,
// devices, fifos, sockets), following renames, links and unlinks, so that a
// later write, clone or truncate of such a path, or a path that goes through
// one, is refused before anything (btrfs receive included) acts on it.
// Symlink targets are data and are never checked.
type pathRules struct {
	special map[string]uint32 // path -> type, only for non-file, non-directory paths
	// under counts the special paths beneath each directory, so that a
	// rename looks for descendants only where there are some: scanning
	// every special path on every rename made a full send of a tree with
	// many symlinks quadratic (60,000 files: 12 s of CPU).
	under map[string]int
}

// check applies the rules to one decoded command.
func (r *pathRules) check(c *Command) error {
	if c.Type == CmdSubvol || c.Type == CmdSnapshot {
		return checkSubvolName(c.Path)
	}
	var buf [3]string
	for _, p := range c.names(buf[:0]) {
		if err := checkName(p); err != nil {
			return err
		}
		if err := r.through(p); err != nil {
			return err
		}
	}
	if err := checkName(c.ClonePath); err != nil {
		return fmt.Errorf("clone source: %w", err)
	}
	if c.writesData() {
		if err := r.regular(c.Path); err != nil {
			return err
		}
	}
	r.track(c)
	return nil
}

// names appends to ps the paths a command names inside the subvolume, as it
// is at this point of the stream (ps has room for all three, so that a
// command costs no allocation). A clone source is not one of them: it may
// name a path of the parent subvolume, which this stream's changes do not
// move.
func (c *Command) names(ps []string) []string {
	if c.Has(AttrPath) {
		ps = append(ps, c.Path)
	}
	if c.Has(AttrPathTo) {
		ps = append(ps, c.PathTo)
	}
	if c.Has(AttrPathLink) && c.Type != CmdSymlink {
		ps = append(ps, c.PathLink)
	}
	return ps
}

// writesData reports whether the command changes a file's bytes or size.
func (c *Command) writesData() bool {
	switch c.Type {
	case CmdWrite, CmdClone, CmdTruncate, CmdEncodedWrite, CmdFallocate, CmdUpdateExtent, CmdEnableVerity:
		return true
	}
	return false
}

// checkName refuses a path that could leave the subvolume or name it
// ambiguously. "" is the subvolume's root.
func checkName(p string) error {
	if p == "" {
		return nil
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("absolute path %q: a send stream names paths inside its subvolume", p)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("path %q contains a NUL byte", p)
	}
	// Component by component without strings.Split, which allocated a
	// slice for every path of every command (2-3% of a push's CPU).
	for rest := p; ; {
		part, more, found := strings.Cut(rest, "/")
		switch part {
		case "..":
			return fmt.Errorf("path %q has a \"..\" component: it could leave the subvolume", p)
		case ".", "":
			return fmt.Errorf("path %q has an empty or \".\" component", p)
		}
		if !found {
			return nil
		}
		rest = more
	}
}

// checkSubvolName checks the name of the subvolume the stream creates: one
// path component.
func checkSubvolName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("subvolume name %q is not a single path component", name)
	}
	return nil
}

// through refuses a path one of whose parents the stream made as a
// symlink, device, fifo or socket: resolving it would follow a symlink or
// fail in ways that depend on the target.
func (r *pathRules) through(p string) error {
	if len(r.special) == 0 {
		return nil
	}
	for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
		if t, ok := r.special[p[:i]]; ok {
			return fmt.Errorf("path %q goes through %q, which this stream made as a %s", p, p[:i], typeName(t))
		}
	}
	return nil
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// regular refuses data commands aimed at a path the stream made as
// something other than a regular file.
func (r *pathRules) regular(p string) error {
	if t, ok := r.special[p]; ok {
		return fmt.Errorf("data for %q, which this stream made as a %s, not a regular file", p, typeName(t))
	}
	return nil
}

// track updates what each path was made as.
func (r *pathRules) track(c *Command) {
	switch c.Type {
	case CmdSymlink:
		r.set(c.Path, typeLink)
	case CmdMkfifo:
		r.set(c.Path, typeFifo)
	case CmdMksock:
		r.set(c.Path, typeSock)
	case CmdMknod:
		r.set(c.Path, uint32(c.Mode)&typeMask)
	case CmdMkfile, CmdMkdir, CmdUnlink, CmdRmdir:
		r.remove(c.Path)
	case CmdLink:
		if t, ok := r.special[c.PathLink]; ok {
			r.set(c.Path, t)
		} else {
			r.remove(c.Path)
		}
	case CmdRename:
		r.rename(c.Path, c.PathTo)
	}
}

func (r *pathRules) set(p string, t uint32) {
	if t == typeReg || t == typeRegNil || t == typeDir {
		r.remove(p)
		return
	}
	if r.special == nil {
		r.special, r.under = map[string]uint32{}, map[string]int{}
	}
	if _, ok := r.special[p]; !ok {
		r.count(p, 1)
	}
	r.special[p] = t
}

// remove forgets p if the stream made it special.
func (r *pathRules) remove(p string) {
	if _, ok := r.special[p]; ok {
		delete(r.special, p)
		r.count(p, -1)
	}
}

// count adds d to the count of special paths beneath each parent of p.
func (r *pathRules) count(p string, d int) {
	for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p[:i], '/') {
		if r.under[p[:i]] += d; r.under[p[:i]] == 0 {
			delete(r.under, p[:i])
		}
	}
}

// beneath returns the special paths strictly beneath dir.
func (r *pathRules) beneath(dir string) []string {
	if r.under[dir] == 0 {
		return nil
	}
	prefix := dir + "/"
	var ps []string
	for p := range r.special {
		if strings.HasPrefix(p, prefix) {
			ps = append(ps, p)
		}
	}
	return ps
}

// rename moves from and everything beneath it to to, replacing what was
// at to.
func (r *pathRules) rename(from, to string) {
	if len(r.special) == 0 || from == to {
		return
	}
	for _, p := range append(r.beneath(to), to) {
		r.remove(p)
	}
	moved := map[string]uint32{}
	for _, p := range append(r.beneath(from), from) {
		if t, ok := r.special[p]; ok {
			moved[to+strings.TrimPrefix(p, from)] = t
			r.remove(p)
		}
	}
	for p, t := range moved {
		r.set(p, t)
	}
}

func typeName(t uint32) string {
	switch t {
	case typeLink:
		return "symlink"
	case typeFifo:
		return "fifo"
	case typeSock:
		return "socket"
	case typeBlock:
		return "block device"
	case typeChar:
		return "character device"
	case typeDir:
		return "directory"
	}
	return fmt.Sprintf("file of type %#o", t)
}
