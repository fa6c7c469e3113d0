package restore

import (
	"fmt"
	"time"

	"github.com/dustin/go-humanize"
)

var timeZero time.Time

// Report is the outcome of verifying one subvolume.
type Report struct {
	Host      string   `json:"host"`
	Subvolume string   `json:"subvolume"`
	Mode      string   `json:"mode"` // "restore", "deep" or "quick"
	Checks    []*Check `json:"checks"`
	Notes     []string `json:"notes,omitempty"` // worth knowing, not damage
	Seconds   float64  `json:"seconds"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK() {
			return false
		}
	}
	return true
}

// Check is the outcome for one backup.
type Check struct {
	Snapshot    string       `json:"snapshot"`
	Parts       int          `json:"parts"`
	PlainBytes  int64        `json:"plain_bytes"`
	StoredBytes int64        `json:"stored_bytes"`
	Problems    []Problem    `json:"problems,omitempty"`
	Compared    bool         `json:"compared,omitempty"` // deep: the tree was compared with the local snapshot
	Differences []Difference `json:"differences,omitempty"`
	Note        string       `json:"note,omitempty"`
}

// Problem is one thing wrong with a backup: the object concerned (a part, a
// record; "" for the stream or chain as a whole) and what is wrong with it.
type Problem struct {
	Snapshot string `json:"snapshot"`
	Object   string `json:"object,omitempty"`
	What     string `json:"what"`
	// Untrusted: the object is not trusted (unsigned, forged, misplaced):
	// nothing of it was used.
	Untrusted bool `json:"untrusted,omitempty"`
}

func (p Problem) String() string {
	if p.Object == "" {
		return fmt.Sprintf("%s: %s", p.Snapshot, p.What)
	}
	return fmt.Sprintf("%s: %s: %s", p.Snapshot, p.Object, p.What)
}

// OK reports whether the backup is intact (and, for deep, the same tree).
func (c *Check) OK() bool { return len(c.Problems) == 0 && len(c.Differences) == 0 }

func (c *Check) fail(p Problem) { c.Problems = append(c.Problems, p) }

// Lines is the check for people: "ok <snapshot> (3 parts, 1.2 GiB)", or a
// line per problem and per difference.
func (c *Check) Lines() []string {
	var lines []string
	for _, p := range c.Problems {
		if p.Untrusted {
			lines = append(lines, "UNTRUSTED "+p.String())
			continue
		}
		lines = append(lines, "DAMAGED "+p.String())
	}
	for _, d := range c.Differences {
		lines = append(lines, fmt.Sprintf("DIFFERS %s: %s", c.Snapshot, d))
	}
	if len(lines) > 0 {
		return lines
	}
	parts := "parts"
	if c.Parts == 1 {
		parts = "part"
	}
	line := fmt.Sprintf("ok %s (%d %s, %s)", c.Snapshot, c.Parts, parts, humanize.IBytes(uint64(c.PlainBytes)))
	if c.Compared {
		line += ", same tree as the local snapshot"
	}
	if c.Note != "" {
		line += "; " + c.Note
	}
	return []string{line}
}
