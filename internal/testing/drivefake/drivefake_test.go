package drivefake_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/rclone/rclone/backend/drive"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/fserrors"
	"github.com/rclone/rclone/fs/hash"
	"github.com/rclone/rclone/fs/object"
	"github.com/rclone/rclone/fs/operations"
	"github.com/rclone/rclone/fs/walk"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
)

const mib = 1 << 20

// newFs opens the fake Drive at root through the real drive backend.
func newFs(t *testing.T, s *drivefake.Server, root string, options ...string) fs.Fs {
	t.Helper()
	f, err := fs.NewFs(context.Background(), s.RemoteSpec(root, options...))
	if err != nil {
		t.Fatalf("NewFs: %v", err)
	}
	return f
}

var modTime = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func put(t *testing.T, f fs.Fs, remote string, data []byte) fs.Object {
	t.Helper()
	obj, err := f.Put(context.Background(), bytes.NewReader(data),
		object.NewStaticObjectInfo(remote, modTime, int64(len(data)), true, nil, nil))
	if err != nil {
		t.Fatalf("Put %s: %v", remote, err)
	}
	return obj
}

func read(t *testing.T, obj fs.Object, options ...fs.OpenOption) []byte {
	t.Helper()
	rc, err := obj.Open(context.Background(), options...)
	if err != nil {
		t.Fatalf("Open %s: %v", obj.Remote(), err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", obj.Remote(), err)
	}
	return data
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	_, _ = r.Read(b)
	return b
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// count returns how many logged requests start with prefix.
func count(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// findFile returns the untrashed fake file at path.
func findFile(t *testing.T, s *drivefake.Server, path string) drivefake.File {
	t.Helper()
	for _, f := range s.Files() {
		if f.Path == path && !f.Trashed {
			return f
		}
	}
	t.Fatalf("no file %q in the fake Drive; have %v", path, s.Files())
	return drivefake.File{}
}

func TestUpload(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "backups")
	if err := f.Mkdir(context.Background(), "daily"); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	if dir := findFile(t, s, "backups/daily"); !dir.IsFolder {
		t.Fatalf("backups/daily is not a folder: %+v", dir)
	}
	for _, tc := range []struct {
		name       string
		size       int
		uploadType string
		chunks     int // resumable chunk requests
	}{
		{"empty", 0, "multipart", 0},
		{"small", 1000, "multipart", 0},
		{"below-cutoff", 8*mib - 1, "multipart", 0},
		{"at-cutoff", 8 * mib, "resumable", 1},
		{"large", 2*8*mib + 100, "resumable", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(tc.size)
			before := len(s.Requests())
			obj := put(t, f, "daily/"+tc.name+".bin", data)
			reqs := s.Requests()[before:]

			if got := count(reqs, "POST /upload/drive/v3/files?uploadType="+tc.uploadType); got != 1 {
				t.Errorf("%d %s upload requests, want 1; log %q", got, tc.uploadType, reqs)
			}
			if got := count(reqs, "POST /upload/drive/v3/files?upload_id="); got != tc.chunks {
				t.Errorf("%d chunk requests, want %d; log %q", got, tc.chunks, reqs)
			}
			if obj.Size() != int64(tc.size) {
				t.Errorf("Size = %d, want %d", obj.Size(), tc.size)
			}
			if got, _ := obj.Hash(context.Background(), hash.MD5); got != md5hex(data) {
				t.Errorf("MD5 = %q, want %q", got, md5hex(data))
			}
			if got := obj.ModTime(context.Background()); !got.Equal(modTime) {
				t.Errorf("ModTime = %v, want %v", got, modTime)
			}
			if got := read(t, obj); !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes that differ from the %d written", len(got), len(data))
			}
			if got := findFile(t, s, "backups/daily/"+tc.name+".bin"); got.MD5 != md5hex(data) {
				t.Errorf("fake holds MD5 %s, want %s", got.MD5, md5hex(data))
			}
		})
	}
	if got := count(s.Requests(), "POST /token"); got != 1 {
		t.Errorf("%d token refreshes, want 1", got)
	}
}

func TestList(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "")
	ctx := context.Background()
	for _, p := range []string{"a/1.bin", "a/2.bin", "a/sub/3.bin", "b/4.bin", "top.bin"} {
		put(t, f, p, []byte(p))
	}
	if err := f.Mkdir(ctx, "a/empty"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{"", []string{"a/", "b/", "top.bin"}},
		{"a", []string{"a/1.bin", "a/2.bin", "a/empty/", "a/sub/"}},
		{"a/sub", []string{"a/sub/3.bin"}},
		{"a/empty", nil},
	} {
		entries, err := f.List(ctx, tc.dir)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.dir, err)
		}
		var got []string
		for _, e := range entries {
			name := e.Remote()
			if _, ok := e.(fs.Directory); ok {
				name += "/"
			} else if h, _ := e.(fs.Object).Hash(ctx, hash.MD5); h != md5hex([]byte(name)) {
				t.Errorf("listed MD5 of %s = %q, want %q", name, h, md5hex([]byte(name)))
			}
			got = append(got, name)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.dir, got, tc.want)
		}
	}

	if _, err := f.List(ctx, "missing"); !errors.Is(err, fs.ErrorDirNotFound) {
		t.Errorf("List(missing) error = %v, want ErrorDirNotFound", err)
	}

	// ListR batches several folders into one query ("'x' in parents or
	// ..."). One checker, because drive's parallel ListR runners race on a
	// field kept for rclone's own unit tests (Fs.lastQuery).
	ctx, ci := fs.AddConfig(ctx)
	ci.Checkers = 1
	var all []string
	err := walk.ListR(ctx, f, "", true, -1, walk.ListObjects, func(entries fs.DirEntries) error {
		for _, e := range entries {
			all = append(all, e.Remote())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ListR: %v", err)
	}
	slices.Sort(all)
	if want := []string{"a/1.bin", "a/2.bin", "a/sub/3.bin", "b/4.bin", "top.bin"}; !slices.Equal(all, want) {
		t.Errorf("ListR = %q, want %q", all, want)
	}
}

func TestRangedRead(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "r")
	data := randomBytes(3*mib + 7)
	obj := put(t, f, "blob", data)
	n := int64(len(data))
	for _, tc := range []struct {
		name   string
		option fs.OpenOption
		want   []byte
	}{
		{"start-end", &fs.RangeOption{Start: 10, End: 19}, data[10:20]},
		{"open-end", &fs.RangeOption{Start: 2 * mib, End: -1}, data[2*mib:]},
		{"suffix", &fs.RangeOption{Start: -1, End: 100}, data[n-100:]},
		{"end-past-size", &fs.RangeOption{Start: n - 5, End: n + 100}, data[n-5:]},
		{"seek", &fs.SeekOption{Offset: mib + 1}, data[mib+1:]},
		{"last-byte", &fs.RangeOption{Start: n - 1, End: n - 1}, data[n-1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := read(t, obj, tc.option)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got %d bytes, want %d (equal prefix: %v)", len(got), len(tc.want),
					bytes.HasPrefix(tc.want, got))
			}
			log := s.RequestLog()
			if last := log[len(log)-1]; last.Status != http.StatusPartialContent {
				t.Errorf("status %d for Range %q, want 206", last.Status, last.Range)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "u")
	ctx := context.Background()
	obj := put(t, f, "file", []byte("first version"))
	id := obj.(fs.IDer).ID()

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"small", []byte("second, longer version")},
		{"resumable", randomBytes(9 * mib)},
		{"shrink", []byte("x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := object.NewStaticObjectInfo("file", modTime.Add(time.Hour), int64(len(tc.data)), true, nil, nil)
			if err := obj.Update(ctx, bytes.NewReader(tc.data), src); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if got := obj.(fs.IDer).ID(); got != id {
				t.Errorf("ID changed from %s to %s: Update must replace content, not create a file", id, got)
			}
			fresh, err := f.NewObject(ctx, "file")
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := fresh.Hash(ctx, hash.MD5); h != md5hex(tc.data) {
				t.Errorf("MD5 after update = %s, want %s", h, md5hex(tc.data))
			}
			if got := read(t, fresh); !bytes.Equal(got, tc.data) {
				t.Errorf("read back %d bytes, want the %d written", len(got), len(tc.data))
			}
			var files int
			for _, fi := range s.Files() {
				if !fi.IsFolder {
					files++
				}
			}
			if files != 1 {
				t.Errorf("fake holds %d files, want 1", files)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	for _, tc := range []struct {
		name        string
		options     []string
		wantTrashed bool // still in the fake, in the trash
	}{
		{"use_trash=false", []string{"use_trash=false"}, false},
		{"default", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := drivefake.Start(t)
			f := newFs(t, s, "d", tc.options...)
			ctx := context.Background()
			obj := put(t, f, "gone", []byte("bye"))
			id := obj.(fs.IDer).ID()
			if err := obj.Remove(ctx); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			if _, err := f.NewObject(ctx, "gone"); !errors.Is(err, fs.ErrorObjectNotFound) {
				t.Errorf("NewObject after Remove: %v, want ErrorObjectNotFound", err)
			}
			var found *drivefake.File
			for _, fi := range s.Files() {
				if fi.ID == id {
					found = &fi
				}
			}
			switch {
			case tc.wantTrashed && (found == nil || !found.Trashed):
				t.Errorf("file %s should be in the trash, is %+v", id, found)
			case !tc.wantTrashed && found != nil:
				t.Errorf("file %s should be deleted, is still there: %+v", id, *found)
			}
			wantReq := "DELETE /drive/v3/files/" + id
			if tc.wantTrashed {
				wantReq = "PATCH /drive/v3/files/" + id
			}
			if !slices.Contains(s.Requests(), wantReq) {
				t.Errorf("no %q in %q", wantReq, s.Requests())
			}
		})
	}
}

// TestRetriedErrors checks that rclone retries the errors Drive sends
// under load, in metadata calls and in the middle of resumable uploads.
func TestRetriedErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix string
		status int
		reason string
	}{
		{"rate-limit", "", http.StatusForbidden, "userRateLimitExceeded"},
		{"project-rate-limit", "", http.StatusForbidden, "rateLimitExceeded"},
		{"server-error", "", http.StatusInternalServerError, "backendError"},
		{"unavailable-chunk", "POST /upload/drive/v3/files?upload_id=", http.StatusServiceUnavailable, "backendError"},
		{"rate-limit-chunk", "POST /upload/drive/v3/files?upload_id=", http.StatusForbidden, "userRateLimitExceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := drivefake.Start(t)
			// Resumable uploads of three 256 KiB chunks.
			f := newFs(t, s, "retry", "chunk_size=256k", "upload_cutoff=256k", "pacer_min_sleep=1ms")
			s.FailNextMatching(tc.prefix, 2, tc.status, tc.reason)
			data := randomBytes(600 << 10)
			obj := put(t, f, "x.bin", data)
			if h, _ := obj.Hash(context.Background(), hash.MD5); h != md5hex(data) {
				t.Errorf("MD5 = %s, want %s", h, md5hex(data))
			}
			failed := 0
			for _, r := range s.RequestLog() {
				if r.Status == tc.status {
					failed++
				}
			}
			if failed != 2 {
				t.Errorf("%d requests failed with %d, want 2: the fault did not fire", failed, tc.status)
			}
		})
	}
}

// TestUploadLimit checks that the 750 GB/day cap stops rclone when asked
// to, and is an ordinary error otherwise.
func TestUploadLimit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		options   []string
		wantFatal bool
	}{
		{"stop_on_upload_limit", []string{"stop_on_upload_limit=true"}, true},
		{"default", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := drivefake.Start(t)
			s.SetUploadLimit(mib)
			f := newFs(t, s, "cap", tc.options...)
			// Started below the cap, so it finishes, as on Drive.
			put(t, f, "first", randomBytes(3*mib/2))
			_, err := f.Put(context.Background(), bytes.NewReader([]byte("more")),
				object.NewStaticObjectInfo("second", modTime, 4, true, nil, nil))
			if err == nil {
				t.Fatal("Put over the upload limit succeeded")
			}
			if got := fserrors.IsFatalError(err); got != tc.wantFatal {
				t.Errorf("IsFatalError(%v) = %v, want %v", err, got, tc.wantFatal)
			}
			for _, fi := range s.Files() {
				if fi.Name == "second" {
					t.Errorf("file over the limit was stored: %+v", fi)
				}
			}
			if got := s.UploadedBytes(); got != 3*mib/2 {
				t.Errorf("UploadedBytes = %d, want %d", got, 3*mib/2)
			}
		})
	}
}

func TestDownloadCut(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "dl")
	data := randomBytes(3 * mib)
	obj := put(t, f, "blob", data)
	ctx := context.Background()

	t.Run("plain-read-fails", func(t *testing.T) {
		s.CutDownloads(1, mib)
		rc, err := obj.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err == nil {
			t.Fatalf("read %d bytes without error from a cut connection", len(got))
		}
		if len(got) != mib {
			t.Errorf("read %d bytes before the cut, want %d", len(got), mib)
		}
	})

	t.Run("reopen-resumes", func(t *testing.T) {
		before := len(s.RequestLog())
		s.CutDownloads(2, mib)
		rc, err := operations.NewReOpen(ctx, obj, 10)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("ReOpen read: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes that differ from the %d written", len(got), len(data))
		}
		var ranges []string
		for _, r := range s.RequestLog()[before:] {
			if r.Query.Get("alt") == "media" {
				ranges = append(ranges, r.Range)
			}
		}
		want := []string{"", "bytes=1048576-", "bytes=2097152-"}
		if !slices.Equal(ranges, want) {
			t.Errorf("download Range headers = %q, want %q", ranges, want)
		}
	})
}

func TestDuplicates(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "dup")
	ctx := context.Background()
	put(t, f, "same.bin", []byte("one"))
	if _, err := s.AddDuplicate("dup/same.bin"); err != nil {
		t.Fatal(err)
	}
	s.AddFile("dup/same.bin", []byte("a third, different one"))

	entries, err := f.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Remote())
	}
	if want := []string{"same.bin", "same.bin", "same.bin"}; !slices.Equal(names, want) {
		t.Errorf("List = %q, want %q", names, want)
	}
	if _, err := f.NewObject(ctx, "same.bin"); err != nil {
		t.Errorf("NewObject with duplicates: %v", err)
	}
}

// TestConfigRestored checks that Start changes rclone's global config only
// for the life of its test.
func TestConfigRestored(t *testing.T) {
	ci := fs.GetConfig(context.Background())
	oldProxy, oldCA := ci.HTTPProxy, slices.Clone(ci.CaCert)
	t.Run("running", func(t *testing.T) {
		s := drivefake.Start(t)
		if ci.HTTPProxy != s.ProxyURL() || !slices.Equal(ci.CaCert, []string{s.CACertFile()}) {
			t.Errorf("config while running: proxy %q CA %q, want %q and %q",
				ci.HTTPProxy, ci.CaCert, s.ProxyURL(), s.CACertFile())
		}
		if _, err := drivefake.New(); err == nil {
			t.Error("a second Server started while one runs")
		}
	})
	if ci.HTTPProxy != oldProxy || !slices.Equal(ci.CaCert, oldCA) {
		t.Errorf("config after Cleanup: proxy %q CA %q, want %q and %q", ci.HTTPProxy, ci.CaCert, oldProxy, oldCA)
	}
}

// TestProxy checks what the proxy lets through: the fake Google hosts and
// loopback servers, nothing else.
func TestProxy(t *testing.T) {
	s, err := drivefake.New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	proxyURL, _ := url.Parse(s.ProxyURL())

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "plain")
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "tls")
	}))
	defer tlsSrv.Close()
	tr := tlsSrv.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(proxyURL)
	client := &http.Client{Transport: tr}

	for _, tc := range []struct {
		url, want string
	}{
		{plain.URL, "plain"},
		{tlsSrv.URL, "tls"},
	} {
		res, err := client.Get(tc.url)
		if err != nil {
			t.Fatalf("GET %s through the proxy: %v", tc.url, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != tc.want {
			t.Errorf("GET %s = %q, want %q", tc.url, body, tc.want)
		}
	}
	if got := s.Refused(); len(got) != 0 {
		t.Errorf("loopback traffic refused: %q", got)
	}

	for _, u := range []string{"https://example.invalid/", "http://example.invalid/"} {
		if res, err := client.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s through the proxy: %s, want refusal", u, res.Status)
			}
		}
	}
	if got, want := s.Refused(), []string{"example.invalid:443", "example.invalid"}; !slices.Equal(got, want) {
		t.Errorf("Refused = %q, want %q", got, want)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "example.invalid") {
		t.Errorf("Close = %v, want an error naming the refused host", err)
	}
}

// TestServerSide covers the calls rclone makes besides plain transfers:
// server-side copy and move, about (quota) and emptying the trash.
func TestServerSide(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "ss")
	ctx := context.Background()
	data := []byte("server side")
	obj := put(t, f, "src/a.bin", data)

	copied, err := f.Features().Copy(ctx, obj, "copy/a.bin")
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	moved, err := f.Features().Move(ctx, obj, "moved/b.bin")
	if err != nil {
		t.Fatalf("Move: %v", err)
	}
	if moved.(fs.IDer).ID() != obj.(fs.IDer).ID() {
		t.Error("Move created a new file instead of moving")
	}
	for _, p := range []string{"ss/copy/a.bin", "ss/moved/b.bin"} {
		if got := findFile(t, s, p); got.MD5 != md5hex(data) {
			t.Errorf("%s has MD5 %s, want %s", p, got.MD5, md5hex(data))
		}
	}
	if _, err := f.NewObject(ctx, "src/a.bin"); !errors.Is(err, fs.ErrorObjectNotFound) {
		t.Errorf("source still there after Move: %v", err)
	}

	if err := copied.Remove(ctx); err != nil { // default use_trash: to the trash
		t.Fatal(err)
	}
	usage, err := f.Features().About(ctx)
	if err != nil {
		t.Fatalf("About: %v", err)
	}
	if usage.Used == nil || *usage.Used != 2*int64(len(data)) || usage.Trashed == nil || *usage.Trashed != int64(len(data)) {
		t.Errorf("About: used %v trashed %v, want %d and %d", usage.Used, usage.Trashed, 2*len(data), len(data))
	}
	if err := f.Features().CleanUp(ctx); err != nil {
		t.Fatalf("CleanUp: %v", err)
	}
	for _, fi := range s.Files() {
		if fi.Trashed {
			t.Errorf("still in the trash after CleanUp: %+v", fi)
		}
	}
}

// TestStreamingUpload covers uploads of unknown size (operations.Rcat over
// 100 KiB uses PutStream): chunks declare the total only at the end,
// with an empty final request when the input is a whole number of chunks.
func TestStreamingUpload(t *testing.T) {
	s := drivefake.Start(t)
	f := newFs(t, s, "stream", "chunk_size=256k")
	for _, tc := range []struct {
		name   string
		size   int
		chunks int
	}{
		{"partial-last-chunk", 600 << 10, 3},
		{"whole-chunks", 512 << 10, 3}, // 2 full chunks, then "bytes */524288"
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(tc.size)
			before := len(s.Requests())
			obj, err := operations.Rcat(context.Background(), f, tc.name, io.NopCloser(bytes.NewReader(data)), modTime, nil)
			if err != nil {
				t.Fatalf("Rcat: %v", err)
			}
			if h, _ := obj.Hash(context.Background(), hash.MD5); h != md5hex(data) || obj.Size() != int64(tc.size) {
				t.Errorf("stored %d bytes with MD5 %s, want %d and %s", obj.Size(), h, tc.size, md5hex(data))
			}
			if got := count(s.Requests()[before:], "POST /upload/drive/v3/files?upload_id="); got != tc.chunks {
				t.Errorf("%d chunk requests, want %d", got, tc.chunks)
			}
		})
	}
}
