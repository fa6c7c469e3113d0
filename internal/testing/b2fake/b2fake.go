// Package b2fake is an in-memory Backblaze B2 server speaking the part of
// the native API that rclone's b2 backend uses for argo-backup's objects
// (authorize, buckets, single-part upload, list, download, hide, delete).
// rclone has no B2 server of its own to serve from, unlike S3, WebDAV and
// SFTP. It is test infrastructure and lives under internal/testing.
package b2fake

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	account = "fakeaccount"
	key     = "fakekey"
	bucket  = "argo"
	id      = "bucket-1"
)

// file is one stored object.
type file struct {
	id, name, sha1, contentType string
	data                        []byte
	uploaded                    time.Time
	info                        map[string]string
}

type server struct {
	mu    sync.Mutex
	files map[string]*file // by name
	seq   int
	url   string
}

// Spec starts a server for the test and returns a connection-string spec
// for an empty directory of a bucket on it.
func Spec(t testing.TB) string {
	t.Helper()
	s := &server{files: map[string]*file{}}
	h := httptest.NewServer(s.mux())
	t.Cleanup(h.Close)
	s.url = h.URL
	return fmt.Sprintf(":b2,account=%s,key=%s,endpoint='%s':%s/backups", account, key, h.URL, bucket)
}

func (s *server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /b2api/v4/b2_authorize_account", s.authorize)
	m.HandleFunc("POST /b2api/v1/b2_list_buckets", s.listBuckets)
	m.HandleFunc("POST /b2api/v1/b2_create_bucket", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusBadRequest, "duplicate_bucket_name", "the bucket exists: b2fake has one bucket, "+bucket)
	})
	m.HandleFunc("POST /b2api/v1/b2_get_upload_url", s.uploadURL)
	m.HandleFunc("POST /upload", s.upload)
	m.HandleFunc("POST /b2api/v1/b2_list_file_names", s.listFileNames)
	m.HandleFunc("POST /b2api/v1/b2_hide_file", s.remove)
	m.HandleFunc("POST /b2api/v1/b2_delete_file_version", s.remove)
	m.HandleFunc("/file/", s.download)
	m.HandleFunc("/b2api/v1/b2_download_file_by_id", s.download)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusBadRequest, "bad_request", "b2fake does not know "+r.Method+" "+r.URL.Path)
	})
	return m
}

func (s *server) authorize(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != account || p != key {
		fail(w, http.StatusUnauthorized, "unauthorized", "wrong account or key")
		return
	}
	reply(w, map[string]any{
		"accountId":          account,
		"authorizationToken": "token",
		"apiInfo": map[string]any{"storageApi": map[string]any{
			"apiUrl": s.url, "downloadUrl": s.url,
			"recommendedPartSize": 100 << 20, "absoluteMinimumPartSize": 5 << 20, "minimumPartSize": 100 << 20,
			"allowed": map[string]any{"capabilities": []string{"listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles"}},
		}},
	})
}

func (s *server) listBuckets(w http.ResponseWriter, r *http.Request) {
	reply(w, map[string]any{"buckets": []map[string]any{{"bucketId": id, "accountId": account, "bucketName": bucket, "bucketType": "allPrivate"}}})
}

func (s *server) uploadURL(w http.ResponseWriter, r *http.Request) {
	reply(w, map[string]any{"bucketId": id, "uploadUrl": s.url + "/upload", "authorizationToken": "upload-token"})
}

func (s *server) upload(w http.ResponseWriter, r *http.Request) {
	name, err := url.PathUnescape(r.Header.Get("X-Bz-File-Name"))
	data, rerr := io.ReadAll(r.Body)
	if err != nil || rerr != nil || name == "" {
		fail(w, http.StatusBadRequest, "bad_request", "bad upload")
		return
	}
	sum := r.Header.Get("X-Bz-Content-Sha1")
	if sum == "hex_digits_at_end" && len(data) >= 40 {
		sum, data = string(data[len(data)-40:]), data[:len(data)-40]
	}
	got := sha1.Sum(data)
	if sum != "do_not_verify" && sum != hex.EncodeToString(got[:]) {
		fail(w, http.StatusBadRequest, "bad_request", "sha1 did not match data received")
		return
	}
	info := map[string]string{}
	for k := range r.Header {
		if rest, ok := strings.CutPrefix(strings.ToLower(k), "x-bz-info-"); ok {
			info[rest] = r.Header.Get(k)
		}
	}
	s.mu.Lock()
	s.seq++
	f := &file{id: "file-" + strconv.Itoa(s.seq), name: name, sha1: hex.EncodeToString(got[:]), data: data,
		contentType: r.Header.Get("Content-Type"), uploaded: time.Now(), info: info}
	s.files[name] = f
	s.mu.Unlock()
	reply(w, f.json("upload"))
}

func (f *file) json(action string) map[string]any {
	return map[string]any{"fileId": f.id, "fileName": f.name, "action": action, "size": len(f.data),
		"contentLength": len(f.data), "uploadTimestamp": f.uploaded.UnixMilli(), "contentSha1": f.sha1,
		"contentType": f.contentType, "fileInfo": f.info}
}

// listFileNames lists names from startFileName on, folding everything
// below a delimiter into one folder entry, maxFileCount at a time.
func (s *server) listFileNames(w http.ResponseWriter, r *http.Request) {
	var req struct {
		StartFileName, Prefix, Delimiter string
		MaxFileCount                     int
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if req.MaxFileCount <= 0 {
		req.MaxFileCount = 100
	}
	s.mu.Lock()
	var entries []map[string]any
	seen := map[string]bool{}
	for _, name := range s.sortedNames() {
		rest, ok := strings.CutPrefix(name, req.Prefix)
		if !ok {
			continue
		}
		if i := strings.Index(rest, req.Delimiter); req.Delimiter != "" && i >= 0 {
			folder := req.Prefix + rest[:i+len(req.Delimiter)]
			if !seen[folder] && folder >= req.StartFileName {
				seen[folder] = true
				entries = append(entries, map[string]any{"fileName": folder, "action": "folder", "fileId": "", "size": 0, "uploadTimestamp": 0})
			}
			continue
		}
		if name >= req.StartFileName {
			entries = append(entries, s.files[name].json("upload"))
		}
	}
	s.mu.Unlock()
	var next any
	if len(entries) > req.MaxFileCount {
		next = entries[req.MaxFileCount]["fileName"]
		entries = entries[:req.MaxFileCount]
	}
	reply(w, map[string]any{"files": entries, "nextFileName": next, "nextFileId": nil})
}

func (s *server) sortedNames() []string {
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (s *server) remove(w http.ResponseWriter, r *http.Request) {
	var req struct{ FileName, FileID string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	s.mu.Lock()
	f := s.files[req.FileName]
	delete(s.files, req.FileName)
	s.mu.Unlock()
	if f == nil {
		fail(w, http.StatusNotFound, "not_found", "no such file: "+req.FileName)
		return
	}
	reply(w, f.json("hide"))
}

// download serves /file/<bucket>/<name> and b2_download_file_by_id, GET
// and HEAD, with ranges.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var f *file
	if name, ok := strings.CutPrefix(r.URL.Path, "/file/"+bucket+"/"); ok {
		f = s.files[name]
	} else if fid := r.URL.Query().Get("fileId"); fid != "" {
		for _, c := range s.files {
			if c.id == fid {
				f = c
			}
		}
	}
	s.mu.Unlock()
	if f == nil {
		fail(w, http.StatusNotFound, "not_found", "no such file")
		return
	}
	h := w.Header()
	h.Set("X-Bz-File-Id", f.id)
	h.Set("X-Bz-File-Name", url.PathEscape(f.name))
	h.Set("X-Bz-Content-Sha1", f.sha1)
	h.Set("X-Bz-Upload-Timestamp", strconv.FormatInt(f.uploaded.UnixMilli(), 10))
	h.Set("Content-Type", f.contentType)
	for k, v := range f.info {
		h.Set("X-Bz-Info-"+k, v)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "code": code, "message": message})
}
