package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
	"github.com/argo-backup/argo-backup/sendstream"
)

// restoreResult is restore --json's account of one subvolume: the same
// facts as the text output, for scripts.
type restoreResult struct {
	Subvolume string    `json:"subvolume"`
	Snapshot  string    `json:"snapshot,omitempty"`
	Taken     time.Time `json:"taken,omitzero"`
	Path      string    `json:"path,omitempty"`
	// Method is "btrfs-receive" (a read-only received subvolume) or
	// "native" (a plain directory tree applied by argo-backup).
	Method   string         `json:"method,omitempty"`
	Stages   []restoreStage `json:"stages,omitempty"`
	Bytes    int64          `json:"bytes"`        // stream bytes of all stages
	Stored   int64          `json:"stored_bytes"` // downloaded (compressed, encrypted) bytes
	Writable string         `json:"writable,omitempty"`
	// Complete is false when a native restore could not reproduce
	// something on this target; Native says what.
	Complete bool               `json:"complete"`
	Native   *sendstream.Report `json:"native,omitempty"`
	// Skipped says why a subvolume was not restored (no trusted backup).
	Skipped string `json:"skipped,omitempty"`
}

// restoreStage is one backup of the chain, full first.
type restoreStage struct {
	Snapshot string    `json:"snapshot"`
	Taken    time.Time `json:"taken"`
	Full     bool      `json:"full"`
	Bytes    int64     `json:"bytes"`
	Stored   int64     `json:"stored_bytes"`
}

// newRestoreResult describes what r just restored of subvol into dir.
func newRestoreResult(subvol, dir string, rec *manifest.Record, r *restore.Restorer, writable string) restoreResult {
	res := restoreResult{Subvolume: subvol, Snapshot: rec.Snapshot, Taken: rec.Created,
		Path: filepath.Join(dir, rec.Snapshot), Method: "btrfs-receive", Complete: true}
	if writable != "" {
		res.Writable = filepath.Join(dir, writable)
	}
	if r.NativeReport != nil {
		res.Method, res.Native, res.Complete = "native", r.NativeReport, !r.NativeReport.Incomplete()
	}
	for _, s := range r.Stages {
		res.Stages = append(res.Stages, restoreStage{Snapshot: s.Snapshot, Taken: s.Created, Full: s.IsFull(), Bytes: s.PlainBytes, Stored: s.StoredBytes})
		res.Bytes += s.PlainBytes
		res.Stored += s.StoredBytes
	}
	return res
}

func printRestoreJSON(w io.Writer, results []restoreResult) error {
	if results == nil {
		results = []restoreResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}
