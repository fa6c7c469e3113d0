package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/argo-backup/argo-backup/manifest"
)

// State is the host's own state directory. It holds a plaintext copy of
// every record this host committed, so that push, the daemon and prune work
// with the public recipients alone: no identity needs to live on the machine.
type State struct {
	Dir string
}

func (s State) recordDir(host, subvol string) string {
	return filepath.Join(s.Dir, "records", host, subvol)
}

// Records returns the committed records of one subvolume, oldest first.
func (s State) Records(host, subvol string) ([]*manifest.Record, error) {
	return readRecords(s.recordDir(host, subvol))
}

// readRecords reads the record copies (*.json) of one folder, oldest first.
func readRecords(dir string) ([]*manifest.Record, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var recs []*manifest.Record
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
		r, err := manifest.DecodeRecord(data)
		if err != nil {
			return nil, fmt.Errorf("read state %s: %w", filepath.Join(dir, e.Name()), err)
		}
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Created.Before(recs[j].Created) })
	return recs, nil
}

// SaveRecord stores the plaintext copy of a committed record, atomically.
func (s State) SaveRecord(r *manifest.Record) error {
	data, err := manifest.EncodeRecord(r)
	if err != nil {
		return err
	}
	dir := s.recordDir(r.Host, r.Subvolume)
	return writeFileAtomic(filepath.Join(dir, r.Snapshot+".json"), data)
}

// RemoveRecord forgets a record whose backup was pruned from the remote,
// and the plain copy of its file index: the last step of a prune.
func (s State) RemoveRecord(r *manifest.Record) error {
	for _, path := range []string{filepath.Join(s.recordDir(r.Host, r.Subvolume), r.Snapshot+".json"),
		s.IndexPath(r.Host, r.Subvolume, r.Snapshot), s.pruningPath(r)} {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// IndexPath is where state_dir keeps the plain file index of a backup
// this host pushed: the parent tree of the next push's index.
func (s State) IndexPath(host, subvol, snapshot string) string {
	return filepath.Join(s.Dir, "index", host, subvol, snapshot+".jsonl")
}

func (s State) lostDir(host, subvol string) string {
	return filepath.Join(s.recordDir(host, subvol), "lost")
}

// MarkLost moves the state copy of a backup the remote lost into the lost/
// folder beside the records, with a note of what was found: out of the
// records push, prune and verify use, but remembered for status.
func (s State) MarkLost(host, subvol string, l Loss) error {
	note, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	dir := s.lostDir(host, subvol)
	if err := writeFileAtomic(filepath.Join(dir, l.Snapshot+".loss"), append(note, '\n')); err != nil {
		return err
	}
	from := filepath.Join(s.recordDir(host, subvol), l.Snapshot+".json")
	if err := os.Rename(from, filepath.Join(dir, l.Snapshot+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("moving %s aside: %w", from, err)
	}
	return nil
}

// Lost returns the losses MarkLost remembered, oldest snapshot first.
func (s State) Lost(host, subvol string) ([]Loss, error) {
	files, err := filepath.Glob(filepath.Join(s.lostDir(host, subvol), "*.loss"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var losses []Loss
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
		var l Loss
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("read state %s: %w", f, err)
		}
		losses = append(losses, l)
	}
	return losses, nil
}

// writeFileAtomic writes data to path through a temporary file and a rename,
// so that a crash leaves either the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
