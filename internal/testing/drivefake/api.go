package drivefake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP serves both intercepted hosts: the token endpoint on
// oauth2.googleapis.com and the Drive API on www.googleapis.com.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	req := s.record(r)
	defer func() {
		s.mu.Lock()
		req.Done = time.Now()
		s.mu.Unlock()
	}()
	kind := kindOf(r)
	s.traffic.enter(kind)
	defer s.traffic.leave(kind)
	if !s.delay(r) {
		return
	}
	w := &statusWriter{ResponseWriter: rw, s: s, req: req}
	switch kind {
	case upload:
		r.Body = meteredBody{ReadCloser: r.Body, t: &s.traffic}
	case download:
		w.meter = &s.traffic
	}
	if r.Host == "oauth2.googleapis.com" {
		s.serveToken(w, r)
		return
	}
	if !s.authorized(r) {
		writeError(w, r, http.StatusUnauthorized, "authError",
			"Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	s.mu.Lock()
	f := s.takeFault(req.String())
	s.mu.Unlock()
	if f != nil {
		writeError(w, r, f.status, f.reason, f.message)
		return
	}
	s.handler.ServeHTTP(w, r)
}

func (s *Server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /drive/v3/about", s.about)
	m.HandleFunc("GET /drive/v3/changes/startPageToken", s.startPageToken)
	m.HandleFunc("GET /drive/v3/files", s.list)
	m.HandleFunc("POST /drive/v3/files", s.create)
	m.HandleFunc("GET /drive/v3/files/{id}", s.get)
	m.HandleFunc("PATCH /drive/v3/files/{id}", s.update)
	m.HandleFunc("DELETE /drive/v3/files/{id}", s.delete)
	m.HandleFunc("DELETE /drive/v3/files/trash", s.emptyTrash)
	m.HandleFunc("POST /drive/v3/files/{id}/copy", s.copy)
	m.HandleFunc("POST /upload/drive/v3/files", s.upload)
	m.HandleFunc("PUT /upload/drive/v3/files", s.upload)
	m.HandleFunc("PATCH /upload/drive/v3/files/{id}", s.upload)
	m.HandleFunc("POST /upload/drive/v3/files/{id}", s.upload)
	m.HandleFunc("PUT /upload/drive/v3/files/{id}", s.upload)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// 400, not 404 or 501: rclone retries neither, so a call the fake
		// lacks fails the test at once and by name.
		writeError(w, r, http.StatusBadRequest, "notImplemented",
			"drivefake does not implement "+r.Method+" "+r.URL.Path)
	})
	return m
}

// serveToken is the OAuth2 token endpoint: any refresh token gets a fresh
// access token, which the API then accepts.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"unsupported_grant_type","error_description":"drivefake only refreshes"}`)
		return
	}
	s.mu.Lock()
	s.nextToken++
	tok := fmt.Sprintf("ya29.drivefake-%d", s.nextToken)
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"expires_in":   3599,
		"token_type":   "Bearer",
		"scope":        "https://www.googleapis.com/auth/drive",
	})
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok && s.tokens[tok]
}

func (s *Server) about(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var usage, trash int64
	for _, f := range s.store.files {
		if f.trashed {
			trash += int64(len(f.content))
		}
		usage += int64(len(f.content))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": "drive#about",
		"user": map[string]any{"kind": "drive#user", "displayName": "drivefake", "emailAddress": "drivefake@example.com", "me": true},
		"storageQuota": map[string]string{
			"limit":             "16106127360",
			"usage":             strconv.FormatInt(usage, 10),
			"usageInDrive":      strconv.FormatInt(usage, 10),
			"usageInDriveTrash": strconv.FormatInt(trash, 10),
		},
		"importFormats": map[string][]string{},
		"exportFormats": map[string][]string{},
		"maxUploadSize": "5242880000000",
	})
}

func (s *Server) startPageToken(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"kind": "drive#startPageToken", "startPageToken": "1"})
}

// list is files.list: q filtering, pageSize/pageToken paging. fields= is
// ignored: every field rclone asks for is always sent.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pred, err := parseQuery(q.Get("q"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "invalid", "Invalid Value: q: "+err.Error())
		return
	}
	pageSize := 100
	if v := q.Get("pageSize"); v != "" {
		if pageSize, err = strconv.Atoi(v); err != nil || pageSize < 1 || pageSize > 1000 {
			writeError(w, r, http.StatusBadRequest, "invalid", "Invalid Value: pageSize")
			return
		}
	}
	offset := 0
	if v := q.Get("pageToken"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			writeError(w, r, http.StatusBadRequest, "invalid", "Invalid Value: pageToken")
			return
		}
	}
	s.mu.Lock()
	var matched []*file
	for _, f := range s.store.files {
		if f.id != RootID && pred(f) {
			matched = append(matched, f)
		}
	}
	sortFiles(matched)
	out := map[string]any{"kind": "drive#fileList", "incompleteSearch": false}
	page := []fileJSON{}
	for i := offset; i < len(matched) && len(page) < pageSize; i++ {
		page = append(page, matched[i].json())
	}
	if next := offset + len(page); next < len(matched) {
		out["nextPageToken"] = strconv.Itoa(next)
	}
	s.mu.Unlock()
	out["files"] = page
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	f := s.store.get(id)
	var j fileJSON
	var content []byte
	if f != nil {
		j, content = f.json(), f.content
	}
	s.mu.Unlock()
	if f == nil {
		notFound(w, r, id)
		return
	}
	if r.URL.Query().Get("alt") == "media" {
		if j.MimeType == folderMimeType {
			writeError(w, r, http.StatusForbidden, "fileNotDownloadable", "Only files with binary content can be downloaded.")
			return
		}
		// content is never modified in place, only replaced, so it can be
		// sent without the lock.
		s.download(w, r, content, j.MimeType)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// fileMeta is the writable part of a File resource in a request body.
// Pointers tell "absent" from "zero".
type fileMeta struct {
	Name         *string  `json:"name"`
	MimeType     *string  `json:"mimeType"`
	Description  *string  `json:"description"`
	Parents      []string `json:"parents"`
	ModifiedTime *string  `json:"modifiedTime"`
	Trashed      *bool    `json:"trashed"`
}

func decodeMeta(body io.Reader) (fileMeta, error) {
	var m fileMeta
	data, err := io.ReadAll(body)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return m, err
	}
	return m, json.Unmarshal(data, &m)
}

// apply sets f's fields from m. Called with s.mu held.
func (m fileMeta) apply(f *file) error {
	if m.Name != nil {
		f.name = *m.Name
	}
	if m.MimeType != nil && *m.MimeType != "" {
		f.mimeType = *m.MimeType
	}
	if m.Description != nil {
		f.description = *m.Description
	}
	if m.ModifiedTime != nil {
		t, err := time.Parse(time.RFC3339Nano, *m.ModifiedTime)
		if err != nil {
			return fmt.Errorf("invalid value: modifiedTime %q", *m.ModifiedTime)
		}
		f.modified = t.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// newFile makes a file from create metadata, checking the parents. Called
// with s.mu held; the error is an apiError.
func (s *Server) newFile(m fileMeta) (*file, *apiError) {
	f := &file{name: "Untitled", mimeType: "application/octet-stream", parents: m.Parents}
	if len(f.parents) == 0 {
		f.parents = []string{RootID}
	}
	for i, p := range f.parents {
		parent := s.store.get(p)
		if parent == nil {
			return nil, &apiError{http.StatusNotFound, "notFound", "File not found: " + p + "."}
		}
		if !parent.isFolder() {
			return nil, &apiError{http.StatusBadRequest, "invalidParent", "The parent " + p + " is not a folder."}
		}
		f.parents[i] = parent.id
	}
	if err := m.apply(f); err != nil {
		return nil, &apiError{http.StatusBadRequest, "invalid", err.Error()}
	}
	return f, nil
}

// create is files.create without content: folders, and empty files.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	m, err := decodeMeta(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	s.mu.Lock()
	f, aerr := s.newFile(m)
	var j fileJSON
	if aerr == nil {
		f.content = []byte{}
		j = s.store.create(f).json()
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w, r)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// update is files.update without content: rename, modification time,
// trashing, and moves through addParents/removeParents.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	m, err := decodeMeta(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	s.mu.Lock()
	j, aerr := s.updateLocked(r.PathValue("id"), m, r)
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w, r)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) updateLocked(id string, m fileMeta, r *http.Request) (fileJSON, *apiError) {
	f := s.store.get(id)
	if f == nil {
		return fileJSON{}, &apiError{http.StatusNotFound, "notFound", "File not found: " + id + "."}
	}
	if m.Parents != nil {
		return fileJSON{}, &apiError{http.StatusForbidden, "fieldNotWritable",
			"The resource body includes fields which are not directly writable."}
	}
	q := r.URL.Query()
	for _, p := range splitList(q.Get("addParents")) {
		parent := s.store.get(p)
		if parent == nil || !parent.isFolder() {
			return fileJSON{}, &apiError{http.StatusNotFound, "notFound", "File not found: " + p + "."}
		}
		if !contains(f.parents, parent.id) {
			f.parents = append(f.parents, parent.id)
		}
	}
	for _, p := range splitList(q.Get("removeParents")) {
		kept := f.parents[:0]
		for _, have := range f.parents {
			if have != p {
				kept = append(kept, have)
			}
		}
		f.parents = kept
	}
	if err := m.apply(f); err != nil {
		return fileJSON{}, &apiError{http.StatusBadRequest, "invalid", err.Error()}
	}
	if m.Trashed != nil {
		s.setTrashed(f, *m.Trashed)
	}
	return f.json(), nil
}

// setTrashed trashes or restores f and, as Drive does, everything in it.
func (s *Server) setTrashed(f *file, trashed bool) {
	f.trashed = trashed
	if !f.isFolder() {
		return
	}
	for _, c := range s.store.files {
		if contains(c.parents, f.id) {
			s.setTrashed(c, trashed)
		}
	}
}

// delete is files.delete: permanent, bypassing the trash, and recursive.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	f := s.store.get(id)
	if f != nil && f.id != RootID {
		s.remove(f)
	}
	s.mu.Unlock()
	if f == nil || f.id == RootID {
		notFound(w, r, id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) remove(f *file) {
	delete(s.store.files, f.id)
	if !f.isFolder() {
		return
	}
	for _, c := range s.store.files {
		if contains(c.parents, f.id) {
			s.remove(c)
		}
	}
}

func (s *Server) emptyTrash(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	for _, f := range s.store.files {
		if f.trashed {
			delete(s.store.files, f.id)
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// copy is files.copy, rclone's server-side copy.
func (s *Server) copy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	m, err := decodeMeta(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	s.mu.Lock()
	src := s.store.get(id)
	var f *file
	var j fileJSON
	var aerr *apiError
	switch {
	case src == nil:
		aerr = &apiError{http.StatusNotFound, "notFound", "File not found: " + id + "."}
	case src.isFolder():
		aerr = &apiError{http.StatusForbidden, "cannotCopyFile", "This file cannot be copied by the user."}
	default:
		if m.Parents == nil {
			m.Parents = append([]string(nil), src.parents...)
		}
		if m.Name == nil {
			m.Name = &src.name
		}
		if m.MimeType == nil {
			m.MimeType = &src.mimeType
		}
		if f, aerr = s.newFile(m); aerr == nil {
			f.content = src.content
			if m.ModifiedTime == nil {
				f.modified = src.modified
			}
			j = s.store.create(f).json()
		}
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w, r)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
