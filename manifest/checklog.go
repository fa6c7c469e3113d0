package manifest

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"
)

// CheckLog remembers when each stored part was last read back and found
// intact, so that a budgeted verify reads the least recently checked parts
// first and repeated runs cover every part. It is a cache, not a record:
// losing it only means every part counts as never checked.
type CheckLog struct {
	// Parts maps a part's object name to its last good check.
	Parts map[string]CheckEntry `json:"parts"`
}

// CheckEntry is one part's last good check. StoredSHA256 ties it to the
// object's content, so that a part stored again under the same name counts
// as unchecked. MD5 is the stored object's md5 where it was learnt: it lets
// a later listing that has only an md5 (S3's ETag) be compared without a
// download, although the record keeps only the sha256.
type CheckEntry struct {
	At           time.Time `json:"at"`
	StoredSHA256 string    `json:"stored_sha256"`
	MD5          string    `json:"md5,omitempty"`
}

// DecodeCheckLog reads a check log. Anything it cannot read is an empty log:
// the log only orders the work, and "nothing checked yet" is always safe.
func DecodeCheckLog(data []byte) *CheckLog {
	var l CheckLog
	if err := json.Unmarshal(data, &l); err != nil || l.Parts == nil {
		return &CheckLog{Parts: map[string]CheckEntry{}}
	}
	return &l
}

// Encode returns the log as JSON.
func (l *CheckLog) Encode() ([]byte, error) { return json.MarshalIndent(l, "", " ") }

// Mark notes that the part stored as object, with the given stored sha256
// (and md5, or ""), was found intact at t.
func (l *CheckLog) Mark(object string, p Part, md5 string, t time.Time) {
	if l.Parts == nil {
		l.Parts = map[string]CheckEntry{}
	}
	if md5 == "" {
		if old, ok := l.Parts[object]; ok && old.StoredSHA256 == p.StoredSHA256 {
			md5 = old.MD5
		}
	}
	l.Parts[object] = CheckEntry{At: t.UTC(), StoredSHA256: p.StoredSHA256, MD5: md5}
}

// Last returns the last good check of the part stored as object, if it was
// of the same content.
func (l *CheckLog) Last(object string, p Part) (CheckEntry, bool) {
	e, ok := l.Parts[object]
	if !ok || e.StoredSHA256 != p.StoredSHA256 {
		return CheckEntry{}, false
	}
	return e, true
}

// Keep forgets every part whose object name keep rejects (pruned backups),
// so that the log does not grow forever.
func (l *CheckLog) Keep(keep func(object string) bool) {
	for name := range l.Parts {
		if !keep(name) {
			delete(l.Parts, name)
		}
	}
}

// StoredPart is a part as a budgeted check sees it: its object, the backup
// it belongs to, and when it was last checked (zero: never).
type StoredPart struct {
	Object  string
	Record  *Record
	Part    Part
	Checked time.Time
}

// CheckOrder sorts parts least recently checked first; never checked parts
// come first, oldest backup first, so that a damaged part is found within
// ceil(total/budget) runs whatever is pushed meanwhile.
func CheckOrder(parts []StoredPart) {
	slices.SortStableFunc(parts, func(a, b StoredPart) int {
		if c := a.Checked.Compare(b.Checked); c != 0 {
			return c
		}
		if c := a.Record.Created.Compare(b.Record.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.Object, b.Object)
	})
}

// PickWithin returns, in order, the parts of ordered to read within budget
// bytes: first fit, so that a part too big for what is left is passed over
// for smaller ones rather than ending the run. The first part is always
// taken, even if it alone exceeds the budget: otherwise it would never be
// read.
func PickWithin(ordered []StoredPart, budget int64) []StoredPart {
	var picked []StoredPart
	var used int64
	for _, p := range ordered {
		size := p.Part.StoredBytes
		if len(picked) > 0 && used+size > budget {
			continue
		}
		picked = append(picked, p)
		used += size
		if used >= budget {
			break
		}
	}
	return picked
}
