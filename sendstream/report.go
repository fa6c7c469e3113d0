package sendstream

// Report says what an Applier did, and what it could not do on this
// target, so a restore can tell the user exactly what differs from the
// snapshot.
type Report struct {
	Streams     int   `json:"streams"`
	Commands    int64 `json:"commands"`
	StreamBytes int64 `json:"stream_bytes"`
	DataBytes   int64 `json:"data_bytes"` // file bytes written (decompressed)

	Reflinks    int64 `json:"reflinks"`     // clones done as reflinks
	CloneCopies int64 `json:"clone_copies"` // clones done as copies

	// Owners not set because the restore does not run as root.
	OwnersLeft int64 `json:"owners_left,omitempty"`
	// Device nodes not made because the restore does not run as root.
	DevicesSkipped []string `json:"devices_skipped,omitempty"`
	// Extended attributes the target refused (name -> count), e.g. ACLs
	// on a filesystem without them, or trusted.* as a normal user.
	XattrsSkipped map[string]int `json:"xattrs_skipped,omitempty"`
	// Files and directories whose inode flags (chattr) were set, and
	// the flags the target (or a normal user) could not set, by chattr
	// letter -> count. btrfs receive sets none of them.
	FileattrsApplied int64          `json:"fileattrs_applied,omitempty"`
	FileattrsSkipped map[string]int `json:"fileattrs_skipped,omitempty"`
	// Files fs-verity was enabled on in the source; not applied.
	VerityIgnored []string `json:"verity_ignored,omitempty"`
	// UPDATE_EXTENT commands: only streams sent with --no-data have them.
	UpdateExtents int64 `json:"update_extents,omitempty"`
}

// Incomplete reports whether anything of the snapshot could not be
// reproduced on this target.
func (r *Report) Incomplete() bool {
	return r.OwnersLeft > 0 || len(r.DevicesSkipped) > 0 || len(r.XattrsSkipped) > 0 || len(r.FileattrsSkipped) > 0 || len(r.VerityIgnored) > 0
}

func (r *Report) skipXattr(name string) {
	if r.XattrsSkipped == nil {
		r.XattrsSkipped = map[string]int{}
	}
	r.XattrsSkipped[name]++
}
