package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/restore"
)

type browseFlags struct {
	identity, host string
	json, long     bool
	snapshot       string
	all            bool
}

func (f *browseFlags) common(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.identity, "identity", "", "age identity file, e.g. --identity ~/identity.txt")
	cmd.Flags().StringVar(&f.host, "host", "", "another host's backups, e.g. --host desktop")
}

func newLsCommand(g *globals) *cobra.Command {
	var f browseFlags
	cmd := &cobra.Command{
		Use:   "ls [SNAPSHOT] [PATH]",
		Short: "List the files of a backup (reads its file index only)",
		Long: `ls lists the files of any backup, full or incremental, from the file
indexes of its chain: nothing is received and no part is downloaded.
SNAPSHOT is a backup's name, latest, or SUBVOL:latest; PATH is inside the
subvolume (/me/x and me/x are the same).`,
		Example: `  argo-backup ls
  argo-backup ls home:latest /me/thesis -l
  argo-backup ls home.20261101T020000Z --json`,
		Args: maxArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			spec, path := "", "/"
			if len(args) > 0 {
				spec = args[0]
			}
			if len(args) > 1 {
				path = args[1]
			}
			b, err := a.browser(cmd.Context(), f.identity, f.host)
			if err != nil {
				return err
			}
			rec, err := b.resolve(cmd.Context(), spec)
			if err != nil {
				return err
			}
			t, err := b.tree(cmd.Context(), rec)
			if err != nil {
				return err
			}
			if _, err := lookup(t, rec, path); err != nil {
				return err
			}
			// Lines go out as the walk meets them, through a buffer: a
			// directory of 100,000 entries is not held as lines, nor
			// written one syscall a line.
			out := bufio.NewWriter(a.stdout)
			err = t.Walk(path, func(p string, n *index.Node) bool {
				printNode(out, p, n, f, "")
				return true
			})
			if ferr := out.Flush(); err == nil {
				err = ferr
			}
			return err
		},
	}
	f.common(cmd)
	cmd.Flags().BoolVarP(&f.long, "long", "l", false, "type, mode, owner, size, mtime and link target")
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON object a line, for scripts")
	return cmd
}

// fileLine is one path of ls and find --json. Path is an index.Name: a
// string would turn a name that is not UTF-8 into U+FFFD, naming a file
// that does not exist.
type fileLine struct {
	Snapshot string      `json:"snapshot,omitempty"`
	Path     index.Name  `json:"path"`
	Type     string      `json:"type"`
	Mode     string      `json:"mode"`
	UID      uint32      `json:"uid"`
	GID      uint32      `json:"gid"`
	Size     int64       `json:"size"`
	Mtime    time.Time   `json:"mtime"`
	Target   *index.Name `json:"target,omitempty"`
}

func printNode(w io.Writer, p string, n *index.Node, f browseFlags, snapshot string) {
	mtime := time.Unix(0, n.MtimeNs).UTC()
	switch {
	case f.json:
		l := fileLine{Snapshot: snapshot, Path: index.Name(p), Type: n.Kind, Mode: fmt.Sprintf("%04o", n.Mode), UID: n.UID, GID: n.GID, Size: n.Size, Mtime: mtime}
		if n.Kind == index.KindSymlink {
			l.Target = &n.Target
		}
		json.NewEncoder(w).Encode(l)
	case f.long:
		target := ""
		if n.Kind == index.KindSymlink {
			target = " -> " + string(n.Target)
		}
		prefix := ""
		if snapshot != "" {
			prefix = snapshot + " "
		}
		fmt.Fprintf(w, "%s%s %5d %5d %12d %s %s%s\n", prefix, modeString(n), n.UID, n.GID, n.Size, mtime.Format("2006-01-02 15:04:05"), p, target)
	default:
		if snapshot != "" {
			fmt.Fprintf(w, "%s %s\n", snapshot, p)
		} else {
			fmt.Fprintln(w, p)
		}
	}
}

// modeString writes a mode as ls -l does (drwxr-sr-x, -rwsr-xr-x,
// drwxrwxrwt): Go's FileMode.String puts setuid and friends in front
// ("urwxr-xr-x"), which no one reading a listing expects.
func modeString(n *index.Node) string {
	kind := map[string]byte{index.KindDir: 'd', index.KindSymlink: 'l', index.KindFifo: 'p',
		index.KindSocket: 's', index.KindChar: 'c', index.KindBlock: 'b'}[n.Kind]
	if kind == 0 {
		kind = '-'
	}
	b := []byte{kind}
	for shift := 6; shift >= 0; shift -= 3 {
		bits := n.Mode >> shift
		for i, c := range "rwx" {
			if bits&(4>>i) != 0 {
				b = append(b, byte(c))
			} else {
				b = append(b, '-')
			}
		}
	}
	special := []struct {
		bit      uint32
		at       int
		set, lac byte // lac: the special bit without execute
	}{{0o4000, 3, 's', 'S'}, {0o2000, 6, 's', 'S'}, {0o1000, 9, 't', 'T'}}
	for _, sp := range special {
		if n.Mode&sp.bit != 0 {
			if b[sp.at] == 'x' {
				b[sp.at] = sp.set
			} else {
				b[sp.at] = sp.lac
			}
		}
	}
	return string(b)
}

func newCatCommand(g *globals) *cobra.Command {
	var f browseFlags
	cmd := &cobra.Command{
		Use:   "cat SNAPSHOT PATH",
		Short: "Write one file of a backup to stdout",
		Long: `cat writes the content of one file of a backup to stdout. It downloads the
file index of the backup's chain and only the parts that hold the file's
bytes, in whichever backups of the chain wrote them.`,
		Example: `  argo-backup cat home:latest /me/thesis/chapter1.txt > chapter1.txt
  argo-backup cat home.20261101T020000Z etc/fstab`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return errs.Userf("%s needs SNAPSHOT and PATH, e.g. argo-backup cat home:latest /me/notes.txt", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			b, err := a.browser(ctx, f.identity, f.host)
			if err != nil {
				return err
			}
			rec, err := b.resolve(ctx, args[0])
			if err != nil {
				return err
			}
			t, err := b.tree(ctx, rec)
			if err != nil {
				return err
			}
			n, err := lookup(t, rec, args[1])
			if err != nil {
				return err
			}
			if n.Kind != index.KindFile {
				return errs.Userf("%s in %s is not a regular file (ls -l shows what it is)", args[1], rec.Snapshot)
			}
			recs, _ := b.records(ctx, rec.Subvolume)
			return t.WriteFile(ctx, n, restore.NewPartStreams(b.cat, b.host, recs), a.stdout)
		},
	}
	f.common(cmd)
	return cmd
}
