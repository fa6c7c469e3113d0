package backup

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// FuzzJournal: a journal left by a killed push may be cut anywhere or
// damaged on disk. Loading one never panics; what loads is used (its parts
// looked up) and saved, and a saved journal loads back the same.
func FuzzJournal(f *testing.F) {
	s := State{Dir: fastTempDir(f)}
	real := newJournal(s, "testhost", "home", "home.20261126T005616Z", "home.20261125T005616Z", true, 32<<20,
		time.Date(2026, 11, 26, 0, 56, 16, 0, time.UTC))
	real.Parts = []manifest.Part{{Index: 0, PlainBytes: 33554432, PlainSHA256: "66a0b664fa577992ddf7983059226658a959ba8e0351e0cdcebe86482819b7ea",
		StoredBytes: 706, StoredSHA256: "e56226190cfd6e21491e939e398baf17f3ac1d6849993106ab9417d0617fde11"}}
	real.Stream = &streamSummary{UUID: "3cee0ff6-1e0d-4049-a365-ff768045746e", CTransID: 9, Version: 2, Bytes: 902}
	real.Record = json.RawMessage(`{"format":1}`)
	data, err := json.MarshalIndent(real, "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(`{"parts":[{"index":-1},{"index":-1}],"record":null}`))
	path := InProgressPath(s, "testhost", "home")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := loadJournal(s, "testhost", "home")
		if err != nil {
			return
		}
		for _, p := range j.Parts {
			j.part(p.Index)
		}
		if err := j.save(); err != nil {
			t.Fatalf("a loaded journal does not save: %v", err)
		}
		saved, _ := os.ReadFile(path)
		again, err := loadJournal(s, "testhost", "home")
		if err != nil {
			t.Fatalf("a saved journal does not load: %v\n%s", err, saved)
		}
		if err := again.save(); err != nil {
			t.Fatal(err)
		}
		if resaved, _ := os.ReadFile(path); !bytes.Equal(saved, resaved) {
			t.Fatalf("load and save changed the journal:\n%s\n%s", saved, resaved)
		}
	})
}

// fastTempDir is a temporary directory on tmpfs where there is one: the
// journal is saved with fsync, which on a loaded disk takes long enough to
// make a short fuzzing run miss its deadline ("context deadline exceeded").
func fastTempDir(f *testing.F) string {
	dir, err := os.MkdirTemp("/dev/shm", "argo-fuzz-journal-")
	if err != nil {
		return f.TempDir()
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
