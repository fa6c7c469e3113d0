package backup

import (
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/manifest"
)

// checkLogPath is where the check log of one subvolume lives: one file per
// subvolume, because pushes of different subvolumes run at once.
func (s State) checkLogPath(host, subvol string) string {
	return filepath.Join(s.Dir, "checks", host, subvol+".json")
}

// CheckLog returns what budgeted verifies and pushes last read back intact
// of one subvolume. A missing or unreadable file is an empty log ("nothing
// checked yet"), never an error: the log only orders the work.
func (s State) CheckLog(host, subvol string) *manifest.CheckLog {
	data, err := os.ReadFile(s.checkLogPath(host, subvol))
	if err != nil {
		data = nil
	}
	return manifest.DecodeCheckLog(data)
}

// SaveCheckLog stores a check log atomically.
func (s State) SaveCheckLog(host, subvol string, l *manifest.CheckLog) error {
	data, err := l.Encode()
	if err != nil {
		return err
	}
	return writeFileAtomic(s.checkLogPath(host, subvol), data)
}
