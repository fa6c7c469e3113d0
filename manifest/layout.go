package manifest

import (
	"path"
	"strings"
)

// LayoutEntry is one subvolume of the source's filesystem that the machine
// used when the backup was taken: mounted by subvol= (e.g. "@var-cache" at
// /var/cache), or nested directly inside a backed-up subvolume (snapper's
// "@home/.snapshots", no mountpoint). A send stream leaves both out, so a
// restore only knows of them from here.
type LayoutEntry struct {
	Subvol     string `json:"subvol"`               // from the top level, e.g. "@var-cache"; "" is the top level itself
	Mountpoint string `json:"mountpoint,omitempty"` // "" for a nested subvolume that is not mounted
	Mode       uint32 `json:"mode"`                 // permission bits of its root directory, e.g. 0o750
}

// CleanSubvolPath returns p as a relative path below the top level, or ""
// and false for a path that would leave it (absolute after trimming, "..").
// Layout entries come from a record, so restore --layout checks each one
// before it becomes a path on the new disk.
func CleanSubvolPath(p string) (string, bool) {
	c := path.Clean("/" + p)[1:]
	if c == "" || c != strings.TrimPrefix(p, "/") || strings.HasPrefix(c, "..") {
		return "", false
	}
	return c, true
}

// MountFor returns the entry whose mountpoint holds dir (the longest
// mountpoint that is dir or a parent of it) and dir's path below it.
func MountFor(layout []LayoutEntry, dir string) (LayoutEntry, string, bool) {
	var best LayoutEntry
	var rest string
	found := false
	for _, e := range layout {
		if e.Mountpoint == "" {
			continue
		}
		rel, ok := below(e.Mountpoint, dir)
		if ok && (!found || len(e.Mountpoint) > len(best.Mountpoint)) {
			best, rest, found = e, rel, true
		}
	}
	return best, rest, found
}

// below returns dir relative to parent ("" for dir itself).
func below(parent, dir string) (string, bool) {
	parent, dir = path.Clean(parent), path.Clean(dir)
	if parent == dir {
		return "", true
	}
	if parent == "/" {
		return dir[1:], strings.HasPrefix(dir, "/")
	}
	if rel, ok := strings.CutPrefix(dir, parent+"/"); ok {
		return rel, true
	}
	return "", false
}
