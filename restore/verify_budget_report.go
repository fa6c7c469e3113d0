package restore

import (
	"fmt"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/argo-backup/argo-backup/manifest"
)

// BudgetReport is the outcome of one budgeted verify of a host's
// subvolumes.
type BudgetReport struct {
	Host         string   `json:"host"`
	Subvolumes   []string `json:"subvolumes"`
	Budget       string   `json:"budget"`
	Parts        int      `json:"parts"`        // stored parts in scope
	StoredBytes  int64    `json:"stored_bytes"` // their total size
	CheckedParts int      `json:"checked_parts"`
	CheckedBytes int64    `json:"checked_bytes"` // downloaded this run
	// Coverage is the share of StoredBytes read back intact within the last
	// CoverageDays days (by this verify or after a push).
	Coverage     float64 `json:"coverage"`
	CoverageDays int     `json:"coverage_days"`
	// Oldest is the part that has gone longest without a check.
	Oldest   *OldestPart `json:"oldest,omitempty"`
	Problems []Problem   `json:"problems,omitempty"` // every damaged part, named
	Notes    []string    `json:"notes,omitempty"`
	Seconds  float64     `json:"seconds"`
}

// OldestPart is the least recently checked part: checked at Checked, or
// never (nil) since its backup was made.
type OldestPart struct {
	Snapshot   string     `json:"snapshot"`
	Object     string     `json:"object"`
	Checked    *time.Time `json:"checked,omitempty"`
	AgeSeconds float64    `json:"age_seconds"`
}

// OK reports whether no damage was found.
func (r *BudgetReport) OK() bool { return len(r.Problems) == 0 }

// summarize fills in coverage and the oldest check from the logs as this
// run left them. Parts that failed the cheap checks are stored bytes that
// are not covered.
func (r *BudgetReport) summarize(stored []manifest.StoredPart, o *BudgetOptions, now time.Time) {
	since := now.Add(-time.Duration(r.CoverageDays) * 24 * time.Hour)
	damaged := map[string]bool{}
	for _, p := range r.Problems {
		damaged[p.Object] = true
	}
	var covered int64
	for _, sp := range stored {
		checked := time.Time{}
		if e, ok := o.log(sp.Record.Subvolume).Last(sp.Object, sp.Part); ok {
			checked = e.At
		}
		// A part found damaged now is not covered, whatever an earlier
		// check said: coverage must never look whole next to a DAMAGED line.
		if !damaged[sp.Object] && !checked.IsZero() && !checked.Before(since) {
			covered += sp.Part.StoredBytes
		}
		age := now.Sub(checked)
		if checked.IsZero() {
			age = now.Sub(sp.Record.Created)
		}
		if r.Oldest == nil || age.Seconds() > r.Oldest.AgeSeconds {
			r.Oldest = &OldestPart{Snapshot: sp.Record.Snapshot, Object: sp.Object, AgeSeconds: age.Seconds()}
			if !checked.IsZero() {
				r.Oldest.Checked = &checked
			}
		}
	}
	if r.StoredBytes > 0 {
		r.Coverage = float64(covered) / float64(r.StoredBytes)
	}
}

// Lines is the report for people: every damaged part, then the summary.
func (r *BudgetReport) Lines() []string {
	var lines []string
	for _, p := range r.Problems {
		lines = append(lines, "DAMAGED "+p.String())
	}
	for _, n := range r.Notes {
		lines = append(lines, "note: "+n)
	}
	lines = append(lines, fmt.Sprintf("checked %d of %d parts this run (%s of %s, budget %s)",
		r.CheckedParts, r.Parts, humanize.IBytes(uint64(r.CheckedBytes)), humanize.IBytes(uint64(r.StoredBytes)), r.Budget))
	lines = append(lines, fmt.Sprintf("coverage: %.1f%% of the stored bytes read back intact within the last %d days",
		100*r.Coverage, r.CoverageDays))
	if o := r.Oldest; o != nil {
		age := humanDays(time.Duration(o.AgeSeconds * float64(time.Second)))
		if o.Checked == nil {
			lines = append(lines, fmt.Sprintf("oldest unchecked: %s, never read back, stored %s ago", o.Object, age))
		} else {
			lines = append(lines, fmt.Sprintf("oldest unchecked: %s, last read back %s ago", o.Object, age))
		}
	}
	return lines
}

func humanDays(d time.Duration) string {
	if d < 48*time.Hour {
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
