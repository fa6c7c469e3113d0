package sendstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// applyIncremental spools an incremental stream, puts aside the parent's
// files its CLONE commands read, then applies it. Without that, a clone
// from a parent range that an earlier command of the same stream already
// overwrote or unlinked would copy the new bytes, not the ones btrfs
// receive (which has the parent as its own subvolume) clones.
func (a *Applier) applyIncremental(ctx context.Context, r io.Reader) (*StreamInfo, error) {
	spool, err := os.CreateTemp(a.workDir, ".argo-stream-*")
	if err != nil {
		return nil, fmt.Errorf("spooling the incremental stream: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	sources, err := scanParentClones(ctx, io.TeeReader(r, spool))
	if err != nil {
		return nil, err
	}
	if err := a.putAside(sources); err != nil {
		return nil, err
	}
	defer a.dropAside()
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rereading the spooled stream: %w", err)
	}
	return a.applyStream(ctx, NewReader(spool))
}

// scanParentClones reads (and so validates) a whole incremental stream and
// returns the parent paths its CLONE commands read from.
func scanParentClones(ctx context.Context, r io.Reader) (map[string]bool, error) {
	rd := NewReader(r)
	sources := map[string]bool{}
	var parent [16]byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return sources, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case c.Type == CmdSnapshot:
			parent = c.CloneUUID
		case c.Type == CmdClone && c.CloneUUID == parent:
			sources[c.ClonePath] = true
		}
	}
}

// putAside copies (reflinks where it can) each source as it is now, that
// is as the parent has it, into the work directory.
func (a *Applier) putAside(sources map[string]bool) error {
	a.aside = map[string]*os.File{}
	for p := range sources {
		src, err := a.openRegular(p, unix.O_RDONLY)
		if err != nil {
			continue // the clone itself will say so, if it is ever reached
		}
		cp, err := os.CreateTemp(a.workDir, ".argo-clone-source-*")
		if err == nil {
			os.Remove(cp.Name()) // kept open only
			err = a.copyWhole(cp, src)
		}
		src.Close()
		if err != nil {
			return fmt.Errorf("keeping clone source %q of the parent: %w", p, err)
		}
		a.aside[p] = cp
	}
	return nil
}

func (a *Applier) copyWhole(dst, src *os.File) error {
	if err := unix.IoctlFileClone(int(dst.Fd()), int(src.Fd())); err == nil {
		return nil
	}
	_, err := copyRange(dst, src, 0, 0, 0)
	return err
}

func (a *Applier) dropAside() {
	for _, f := range a.aside {
		f.Close()
	}
	a.aside = nil
}
