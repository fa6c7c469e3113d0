package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/argo-backup/argo-backup/sendstream"
)

// printNativeReport says what a native restore could not reproduce on its
// target, one line each, so nothing is silently missing.
func printNativeReport(w io.Writer, subvol string, r *sendstream.Report) {
	if r.Reflinks+r.CloneCopies > 0 {
		fmt.Fprintf(w, "%s: %d shared extents restored as reflinks, %d as copies\n", subvol, r.Reflinks, r.CloneCopies)
	}
	if r.OwnersLeft > 0 {
		fmt.Fprintf(w, "%s: NOT restored: owners of %d paths (not running as root; they belong to you)\n", subvol, r.OwnersLeft)
	}
	if n := len(r.DevicesSkipped); n > 0 {
		fmt.Fprintf(w, "%s: NOT restored: %d device nodes (not running as root), e.g. %q\n", subvol, n, r.DevicesSkipped[0])
	}
	if len(r.XattrsSkipped) > 0 {
		fmt.Fprintf(w, "%s: NOT restored: extended attributes the target refused: %s\n", subvol, counted(r.XattrsSkipped))
	}
	if r.FileattrsApplied > 0 {
		fmt.Fprintf(w, "%s: inode flags (chattr) set on %d files and directories\n", subvol, r.FileattrsApplied)
	}
	if len(r.FileattrsSkipped) > 0 {
		fmt.Fprintf(w, "%s: NOT restored: inode flags (chattr) the target or user cannot set: %s\n", subvol, counted(r.FileattrsSkipped))
	}
	if n := len(r.VerityIgnored); n > 0 {
		fmt.Fprintf(w, "%s: not applied: fs-verity on %d files, e.g. %q\n", subvol, n, r.VerityIgnored[0])
	}
}

// counted lists names with their counts: "a (2), b (1)", sorted by name.
func counted(m map[string]int) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s (%d)", name, m[name]))
	}
	return strings.Join(parts, ", ")
}
