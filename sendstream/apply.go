package sendstream

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// Applier applies a chain of send streams (a full stream, then each
// incremental on top of the one before) to a plain directory, on any
// filesystem, without btrfs receive. It does with ordinary syscalls what
// btrfs-progs' receive does, confined beneath the directory: every path is
// resolved with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), and data goes
// only into files that are regular when opened.
//
// An incremental is applied in place onto the tree the previous stream
// left. Its CLONE commands may read ranges of the parent as it was before
// the incremental changed anything, so such a stream is spooled, scanned
// for those sources, and they are copied (reflinked where the filesystem
// can) aside before the first command is applied.
type Applier struct {
	root    int    // O_PATH descriptor of the tree's root
	workDir string // spooled streams and clone sources
	isRoot  bool

	stages    int
	cur, prev [16]byte // this stream's and the previous stream's UUID
	aside     map[string]*os.File
	data      *os.File // the file data commands last went to, and its path
	dataPath  string
	skipped   map[string]bool        // device nodes a non-root user cannot make
	foreign   map[uint64]bool        // inodes a non-root user could not give their owners (apply_meta.go)
	rootTimes []unix.Timespec        // the root's last UTIMES
	attrs     map[uint64]pendingAttr // FILEATTRs, by inode, set by Finish
	finished  bool
	dec       decoder
	report    Report
}

// Options tune an Applier.
type Options struct {
	// WorkDir receives spooled incrementals and copies of their clone
	// sources. It should be on the target's filesystem, so clones from it
	// can be reflinks. Default: the system's temporary directory.
	WorkDir string
}

// NewApplier returns an Applier that builds the tree in root, an existing
// empty directory.
func NewApplier(root string, o Options) (*Applier, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("opening target %s: %w", root, err)
	}
	if o.WorkDir == "" {
		o.WorkDir = os.TempDir()
	}
	return &Applier{root: fd, workDir: o.WorkDir, isRoot: os.Geteuid() == 0, skipped: map[string]bool{}, attrs: map[uint64]pendingAttr{}}, nil
}

// Close releases the Applier's descriptors and scratch files; the tree
// stays.
func (a *Applier) Close() error {
	a.closeData()
	a.dropAside()
	a.dropAttrs()
	if a.dec.zstd != nil {
		a.dec.zstd.Close()
	}
	if a.dec.zlib != nil {
		a.dec.zlib.Close()
	}
	if a.root >= 0 {
		unix.Close(a.root)
		a.root = -1
	}
	return nil
}

// Report returns what was applied and what could not be.
func (a *Applier) Report() Report {
	r := a.report
	r.DevicesSkipped = slices.Sorted(maps.Keys(a.skipped))
	return r
}

// Apply applies one stream: the chain's full stream first, then each
// incremental in order; Finish ends the chain. On error the tree is left as far as it got; the
// caller removes it.
func (a *Applier) Apply(ctx context.Context, r io.Reader) (*StreamInfo, error) {
	if a.finished {
		return nil, errors.New("a stream after Finish: the chain was already complete")
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if head, err := br.Peek(streamHeaderLen + cmdHeaderLen); err == nil &&
		Cmd(binary.LittleEndian.Uint16(head[streamHeaderLen+4:])) == CmdSnapshot {
		return a.applyIncremental(ctx, br)
	}
	return a.applyStream(ctx, NewReader(br))
}

// applyStream applies every command of rd in order.
func (a *Applier) applyStream(ctx context.Context, rd *Reader) (*StreamInfo, error) {
	defer a.closeData()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !c.writesData() {
			a.closeData()
		}
		if err := a.do(c); err != nil {
			return nil, fmt.Errorf("%s %q at stream byte %d: %w", c.Type, c.Path, c.Offset, err)
		}
		a.report.Commands++
	}
	info, err := rd.Finish()
	if err != nil {
		return nil, err
	}
	if err := a.restoreRootTimes(); err != nil {
		return nil, err
	}
	a.stages++
	a.report.Streams++
	a.report.StreamBytes += info.Bytes
	return info, nil
}

// do applies one command.
func (a *Applier) do(c *Command) error {
	switch c.Type {
	case CmdSubvol, CmdSnapshot:
		return a.begin(c)
	case CmdMkfile, CmdMkdir, CmdMknod, CmdMkfifo, CmdMksock, CmdSymlink:
		return a.create(c)
	case CmdRename:
		return a.rename(c)
	case CmdLink:
		return a.link(c)
	case CmdUnlink, CmdRmdir:
		return a.remove(c)
	case CmdSetXattr, CmdRemoveXattr:
		return a.xattr(c)
	case CmdChmod:
		return a.chmod(c)
	case CmdChown:
		return a.chown(c)
	case CmdUtimes:
		return a.utimes(c)
	case CmdWrite:
		return a.write(c)
	case CmdEncodedWrite:
		return a.encodedWrite(c)
	case CmdClone:
		return a.clone(c)
	case CmdTruncate:
		return a.truncate(c)
	case CmdFallocate:
		return a.fallocate(c)
	case CmdUpdateExtent:
		a.report.UpdateExtents++ // only --no-data streams carry it; btrfs receive ignores it too
		return nil
	case CmdFileattr:
		return a.fileattr(c)
	case CmdEnableVerity:
		a.report.VerityIgnored = append(a.report.VerityIgnored, c.Path)
		return nil
	case CmdEnd:
		return nil
	}
	return fmt.Errorf("unknown send command %d: this argo-backup cannot apply it (a newer btrfs wrote the stream?); restore onto btrfs without --native", uint16(c.Type))
}

// begin checks the stream's place in the chain: a full stream starts it, an
// incremental must build on the stream applied before.
func (a *Applier) begin(c *Command) error {
	if c.Type == CmdSubvol && a.stages > 0 {
		return fmt.Errorf("a full stream after %d streams: a chain has one full stream, first", a.stages)
	}
	if c.Type == CmdSnapshot {
		if a.stages == 0 {
			return fmt.Errorf("an incremental stream (parent %s) without its parent applied first", FormatUUID(c.CloneUUID[:]))
		}
		if c.CloneUUID != a.cur {
			return fmt.Errorf("incremental on parent %s, but the stream applied before is %s", FormatUUID(c.CloneUUID[:]), FormatUUID(a.cur[:]))
		}
	}
	a.prev, a.cur = a.cur, c.UUID
	return nil
}
