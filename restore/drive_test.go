package restore_test

import (
	"errors"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// driveRoot is the folder of the fake Drive that the world backs up into.
const driveRoot = "argo-backup"

// newDriveWorld is a world whose remote is a fake Google Drive, reached
// through the unmodified rclone drive backend.
func newDriveWorld(t *testing.T, options ...string) (*world, *drivefake.Server) {
	t.Helper()
	srv := drivefake.Start(t)
	return newWorld(t, srv.RemoteSpec(driveRoot, options...)), srv
}

// requireTidyDrive fails if Drive holds a file in its trash (deletes must
// be for good: trash counts against the quota) or two files under one path.
func requireTidyDrive(t *testing.T, srv *drivefake.Server) {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range srv.Files() {
		if f.Trashed {
			t.Errorf("%s is in Drive's trash: deletes must be for good", f.Path)
		}
		if seen[f.Path] {
			t.Errorf("Drive holds %s twice", f.Path)
		}
		seen[f.Path] = true
	}
}

// partPath is where part i of snapshot lies on the fake Drive.
func partPath(snapshot string, i int) string {
	return path.Join(driveRoot, remote.PartName(host, "home", snapshot, i))
}

// requestsWith returns the requests the fake answered with status.
func requestsWith(srv *drivefake.Server, status int) []drivefake.Request {
	var out []drivefake.Request
	for _, r := range srv.RequestLog() {
		if r.Status == status {
			out = append(out, r)
		}
	}
	return out
}

// A full and an incremental pushed to Google Drive list as two backups and
// restore identical; Drive is left without trashed files (the remote lock
// is deleted after each push) and without duplicate names.
func TestDriveChain(t *testing.T) {
	w, srv := newDriveWorld(t)
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)

	recs, err := w.restorer.Records(w.ctx, host, "home")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Snapshot != full.Snapshot || recs[1].Snapshot != incr.Snapshot || incr.Parent != full.Snapshot {
		t.Fatalf("Drive lists %d backups, want %s <- %s", len(recs), full.Snapshot, incr.Snapshot)
	}
	w.restore(incr.Snapshot)
	w.requireSameTree(incr.Snapshot)
	w.restore(full.Snapshot)
	w.requireSameTree(full.Snapshot)
	requireTidyDrive(t, srv)
}

// Objects deleted from Drive are gone for good, not in the trash.
func TestDriveDeleteIsForGood(t *testing.T) {
	w, srv := newDriveWorld(t)
	must(t, w.store.Put(w.ctx, "scratch/object", []byte("to be deleted")))
	must(t, w.store.Delete(w.ctx, "scratch/object"))
	for _, f := range srv.Files() {
		if f.Name == "object" {
			t.Errorf("deleted object still on Drive (trashed: %v)", f.Trashed)
		}
	}
}

// A part that reached Drive before the push died is uploaded again by the
// resume, and replaces the first copy: Drive would keep two files of one
// name if it were created anew.
func TestDriveResumeReplacesPart(t *testing.T) {
	w, srv := newDriveWorld(t)
	lost := &faultyStore{Store: w.pusher.Store}
	w.pusher.Store, w.pusher.Workers = lost, 1
	fillTree(t, w.source)
	lost.loseReply = func(name string) bool { return strings.HasSuffix(name, "part-000001.zst.age") }
	w.pushFails()

	lost.loseReply = nil
	rec := w.push(false)
	if !slices.ContainsFunc(lost.uploaded(), func(n string) bool { return strings.HasSuffix(n, rec.Parent+"/part-000001.zst.age") }) {
		t.Fatal("the resume did not upload part 1 again: the test proves nothing")
	}
	requireTidyDrive(t, srv)
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
}

// Rate limits and server errors on uploads are retried: the push
// completes and restores identical.
func TestDriveUploadErrorsAreRetried(t *testing.T) {
	w, srv := newDriveWorld(t)
	srv.FailNextMatching("POST /upload/drive/v3/files", 2, 403, "userRateLimitExceeded")
	srv.FailNextMatching("POST /upload/drive/v3/files", 2, 500, "backendError")
	fillTree(t, w.source)
	full := w.push(false)
	srv.FailNextMatching("POST /upload/drive/v3/files", 1, 500, "backendError")
	srv.FailNextMatching("POST /upload/drive/v3/files", 1, 403, "userRateLimitExceeded")
	changeTree(t, w.source)
	incr := w.push(false)

	if got403, got500 := len(requestsWith(srv, 403)), len(requestsWith(srv, 500)); got403 != 3 || got500 != 3 {
		t.Fatalf("Drive refused %d uploads with 403 and %d with 500, want 3 and 3: the faults did not fire", got403, got500)
	}
	w.restore(incr.Snapshot)
	w.requireSameTree(incr.Snapshot)
	w.restore(full.Snapshot)
	w.requireSameTree(full.Snapshot)
	requireTidyDrive(t, srv)
}

// Downloads cut mid-part resume where they stopped, with a ranged request,
// instead of failing the restore or starting the part over.
func TestDriveRestoreSurvivesCutDownloads(t *testing.T) {
	w, srv := newDriveWorld(t)
	fillTree(t, w.source)
	w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)

	const cutAfter = 300 << 10 // records are smaller: only parts are cut
	srv.CutDownloads(3, cutAfter)
	w.restore(incr.Snapshot)
	w.requireSameTree(incr.Snapshot)

	// Per cut object: how often it was downloaded from the start, and
	// whether a ranged request went on after a cut.
	cut := map[string]bool{}
	fromStart, ranged := map[string]int{}, map[string]int{}
	for _, r := range srv.RequestLog() {
		if r.Query.Get("alt") != "media" {
			continue
		}
		if r.Status == 0 {
			cut[r.Path] = true
		}
		if r.Range == "" || strings.HasPrefix(r.Range, "bytes=0-") {
			fromStart[r.Path]++
		} else {
			ranged[r.Path]++
		}
	}
	if len(cut) == 0 {
		t.Fatal("no download was cut: the fault did not fire")
	}
	for object := range cut {
		if fromStart[object] != 1 || ranged[object] == 0 {
			t.Errorf("%s was cut and then downloaded %d times from byte 0 and %d times with a Range, want once and at least once",
				object, fromStart[object], ranged[object])
		}
	}
}

// A part stored twice under one name (Drive allows it) is never used
// silently, whether or not the copies agree: listing and restore refuse,
// name the object and say how to fix it, and nothing is received.
func TestDriveDuplicatePartIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		duplicate func(srv *drivefake.Server, part string) error
	}{
		{"same content", func(srv *drivefake.Server, part string) error {
			_, err := srv.AddDuplicate(part)
			return err
		}},
		{"different content", func(srv *drivefake.Server, part string) error {
			srv.AddFile(part, []byte("not the part the record describes"))
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, srv := newDriveWorld(t)
			fillTree(t, w.source)
			rec := w.push(false)
			must(t, tc.duplicate(srv, partPath(rec.Snapshot, 1)))

			_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: rec.Snapshot}, w.target, restore.Options{})
			var dups *remote.DuplicatesError
			if !errors.As(err, &dups) {
				t.Fatalf("restore with a duplicated part = %v, want a DuplicatesError", err)
			}
			for _, want := range []string{"part-000001.zst.age", "more than once", "rclone dedupe"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "drivefake-refresh-token") {
				t.Errorf("error %q shows the OAuth token", err)
			}
			if left := filesUnder(t, w.target); len(left) > 0 {
				t.Errorf("a refused restore left %v in the target", left)
			}
		})
	}
}

// A first upload bigger than Drive's daily limit stops each day with an
// error naming the limit, keeps what it stored, and goes on the next day
// without uploading a stored part again, for as many days as it takes.
func TestDriveUploadLimitSpansDays(t *testing.T) {
	w, srv := newDriveWorld(t, "stop_on_upload_limit=true")
	rec := &faultyStore{Store: w.pusher.Store}
	w.pusher.Store, w.pusher.Workers, w.pusher.Transfers = rec, 1, 1 // one upload in progress when the limit hits
	w.pusher.PartSize = 256 << 10                                    // many parts, so that the upload takes many days
	const daily = 200 << 10                                          // one part a day: the upload in progress finishes
	fillTree(t, w.source)

	everUploaded := map[string]bool{}
	days := 0
	for w.records() == 0 {
		days++
		if days > 30 {
			t.Fatalf("after %d days the first backup is still not committed", days)
		}
		srv.SetUploadLimit(srv.UploadedBytes() + daily)
		_, err := w.pusher.Push(w.ctx, w.sv, false)
		w.clock = w.clock.Add(24 * time.Hour)
		parts := 0
		for _, name := range rec.uploaded() {
			if everUploaded[name] && strings.Contains(name, "/part-") {
				t.Errorf("day %d: %s was uploaded again", days, name)
			}
			everUploaded[name] = true
			if strings.Contains(name, "/part-") {
				parts++
			}
		}
		if err == nil {
			break
		}
		if !errors.Is(err, remote.ErrUploadLimit) || !strings.Contains(err.Error(), "daily upload limit") {
			t.Fatalf("day %d: push = %v, want it stopped by the daily upload limit", days, err)
		}
		if parts == 0 && w.records() == 0 {
			t.Fatalf("day %d: no part was stored: the upload makes no progress", days)
		}
	}
	if days < 7 {
		t.Fatalf("the first upload took %d days, want at least 7: the test proves less than it says", days)
	}
	requireTidyDrive(t, srv)

	srv.SetUploadLimit(-1)
	changeTree(t, w.source)
	incr := w.push(false)
	if incr.IsFull() {
		t.Fatalf("the push after the multi-day full is a full again")
	}
	recs, err := w.restorer.Records(w.ctx, host, "home")
	must(t, err)
	w.restore(recs[0].Snapshot)
	w.requireSameTree(recs[0].Snapshot)
	w.restore(incr.Parent)
	w.requireSameTree(incr.Parent)
	w.restore(incr.Snapshot)
	w.requireSameTree(incr.Snapshot)
}
