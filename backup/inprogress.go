package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// pushJournal is the state of a push in progress, kept in
// <state_dir>/inprogress/<host>/<subvol>.json. It is what lets the next push
// finish an interrupted one instead of starting over: the parts already
// stored (with the hashes of their plaintext, so that a re-sent stream can
// be checked against them), then the stream's summary, then the record
// about to be committed.
type pushJournal struct {
	mu      sync.Mutex
	path    string
	byIndex map[int]manifest.Part
	// readBack holds the parts this push uploaded and read back intact,
	// with their md5 where known; not saved: a resumed push has not.
	readBack map[int]string

	Snapshot string          `json:"snapshot"`
	Parent   string          `json:"parent,omitempty"`
	Proto2   bool            `json:"proto2"`
	PartSize int64           `json:"part_size"`
	Started  time.Time       `json:"started"`
	Attempts int             `json:"attempts"`
	Parts    []manifest.Part `json:"parts"`
	Stream   *streamSummary  `json:"stream,omitempty"`
	Record   json.RawMessage `json:"record,omitempty"`
}

// streamSummary is what a finished send told us, so that a push killed
// between its last part and its record commits without sending again.
type streamSummary struct {
	UUID           string `json:"uuid"`
	CTransID       uint64 `json:"ctransid"`
	ParentUUID     string `json:"parent_uuid,omitempty"`
	ParentCTransID uint64 `json:"parent_ctransid,omitempty"`
	Version        uint32 `json:"version"`
	Bytes          int64  `json:"bytes"`
	SHA256         string `json:"sha256"`
}

// InProgressPath is where the journal of an unfinished push of subvol
// lives. Prune leaves the snapshot it names alone.
func InProgressPath(s State, host, subvol string) string {
	return filepath.Join(s.Dir, "inprogress", host, subvol+".json")
}

// loadJournal returns the journal of an interrupted push, or nil.
func loadJournal(s State, host, subvol string) (*pushJournal, error) {
	path := InProgressPath(s, host, subvol)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	j := &pushJournal{path: path}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("journal %s is damaged (%v): delete it to start the backup over", path, err)
	}
	j.index()
	return j, nil
}

func newJournal(s State, host, subvol, snapshot, parent string, proto2 bool, partSize int64, now time.Time) *pushJournal {
	j := &pushJournal{path: InProgressPath(s, host, subvol), Snapshot: snapshot, Parent: parent,
		Proto2: proto2, PartSize: partSize, Started: now}
	j.index()
	return j
}

func (j *pushJournal) index() {
	j.byIndex = make(map[int]manifest.Part, len(j.Parts))
	for _, p := range j.Parts {
		j.byIndex[p.Index] = p
	}
}

// part returns the stored part with this index, if any.
func (j *pushJournal) part(i int) (manifest.Part, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p, ok := j.byIndex[i]
	return p, ok
}

// stored notes a part that is now on the remote.
func (j *pushJournal) stored(p manifest.Part) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.byIndex[p.Index] = p
	j.Parts = j.Parts[:0]
	for _, part := range j.byIndex {
		j.Parts = append(j.Parts, part)
	}
	sort.Slice(j.Parts, func(a, b int) bool { return j.Parts[a].Index < j.Parts[b].Index })
	return j.saveLocked()
}

func (j *pushJournal) save() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.saveLocked()
}

func (j *pushJournal) saveLocked() error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(j.path, data)
}

func (j *pushJournal) remove() error {
	err := os.Remove(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (j *pushJournal) noteReadBack(index int, md5sum string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.readBack == nil {
		j.readBack = map[int]string{}
	}
	j.readBack[index] = md5sum
}
