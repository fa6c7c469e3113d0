package backup

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// Snapper users already have read-only snapshots on a timeline. With
// snapper_config set, argo-backup backs those up instead of snapshotting the
// live subvolume, and never deletes one: snapper owns them and cleans them
// up by its rules. It makes its own read-only snapshot of snapper's (cheap:
// no data is copied) under snapshot_dir, named like all of ours, because a
// send stream carries the basename of what was sent and snapper's are all
// called "snapshot": restoring a chain of them would collide.
//
// Snapper keeps snapshot N of a config at <subvolume>/.snapshots/N/snapshot,
// with its time (UTC) in <subvolume>/.snapshots/N/info.xml.

type snapperInfo struct {
	Num  int    `xml:"num"`
	Date string `xml:"date"`
}

// snapperSnapshots maps our snapshot names to snapper's snapshot paths.
func snapperSnapshots(sv Subvolume) (map[string]string, error) {
	entries, err := os.ReadDir(sv.SnapperDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("snapper snapshots of %s: %s does not exist: is snapper_config right?", sv.Name, sv.SnapperDir)
	}
	if err != nil {
		return nil, fmt.Errorf("snapper snapshots of %s: %w", sv.Name, err)
	}
	out := map[string]string{}
	for _, e := range entries {
		dir := filepath.Join(sv.SnapperDir, e.Name())
		t, err := snapperTime(filepath.Join(dir, "info.xml"))
		if err != nil {
			continue // not a snapshot, or one being created
		}
		out[manifest.SnapshotName(sv.Name, t)] = filepath.Join(dir, "snapshot")
	}
	return out, nil
}

func snapperTime(infoPath string) (time.Time, error) {
	data, err := os.ReadFile(infoPath)
	if err != nil {
		return time.Time{}, err
	}
	var info snapperInfo
	if err := xml.Unmarshal(data, &info); err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation(time.DateTime, info.Date, time.UTC)
}

// snapshotSnapper snapshots snapper's newest snapshot into snapshot_dir
// under our name for it. A forced full (push --full, e.g. after verify
// found damage) must start a new chain even when snapper has taken nothing
// since the last backup: it re-sends snapper's newest under a name of now,
// which is also newer than anything snapper has, so the next push waits
// for snapper's next snapshot.
func snapshotSnapper(ctx context.Context, sv Subvolume, committed []*manifest.Record, now time.Time, full bool) (string, error) {
	name, src, err := newestSnapperSnapshot(sv, committed)
	if errors.Is(err, ErrNothingNew) && full {
		name, src, err = manifest.SnapshotName(sv.Name, now), newestSnapperPath(sv), nil
	}
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(sv.SnapshotDir, 0o700); err != nil {
		return "", fmt.Errorf("snapshot_dir of %s: %w", sv.Name, err)
	}
	if err := btrfs.Snapshot(ctx, src, sv.snapshotPath(name)); err != nil {
		return "", fmt.Errorf("snapshot of snapper's %s: %w", src, err)
	}
	return name, nil
}

// newestSnapperSnapshot picks the newest snapper snapshot to back up; none
// newer than the newest committed backup means there is nothing new.
func newestSnapperSnapshot(sv Subvolume, committed []*manifest.Record) (name, path string, err error) {
	snaps, err := snapperSnapshots(sv)
	if err != nil {
		return "", "", err
	}
	names := make([]string, 0, len(snaps))
	for n := range snaps {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "", "", fmt.Errorf("snapper has no snapshots of %s in %s yet: take one with snapper create", sv.Name, sv.SnapperDir)
	}
	newest := names[len(names)-1]
	if n := len(committed); n > 0 && committed[n-1].Snapshot >= newest {
		return "", "", ErrNothingNew
	}
	return newest, snaps[newest], nil
}

// newestSnapperPath is the path of snapper's newest snapshot of sv; only
// called after newestSnapperSnapshot found one.
func newestSnapperPath(sv Subvolume) string {
	snaps, _ := snapperSnapshots(sv)
	newest := ""
	for n := range snaps {
		newest = max(newest, n)
	}
	return snaps[newest]
}

// ErrNothingNew is returned by a push of a snapper subvolume when snapper
// has taken no snapshot since the last backup.
var ErrNothingNew = errors.New("no new snapper snapshot since the last backup")
