package drivefake

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// chunkAlign is Drive's rule for resumable uploads: every chunk but the
// last must be a multiple of 256 KiB.
const chunkAlign = 256 << 10

// session is a resumable upload in progress.
type session struct {
	fileID string // "" to create a new file
	meta   fileMeta
	total  int64 // -1 until known
	data   []byte
}

// upload handles everything under /upload/drive/v3/files: multipart and
// media uploads, starting resumable sessions, and their chunks.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if id := q.Get("upload_id"); id != "" {
		s.chunk(w, r, id)
		return
	}
	fileID := r.PathValue("id")
	switch q.Get("uploadType") {
	case "multipart":
		meta, content, err := readMultipart(r)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "badContent", err.Error())
			return
		}
		s.store1(w, r, fileID, meta, content)
	case "media":
		content, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		s.store1(w, r, fileID, fileMeta{}, content)
	case "resumable":
		s.startSession(w, r, fileID)
	default:
		writeError(w, r, http.StatusBadRequest, "invalid", "Invalid Value: uploadType "+q.Get("uploadType"))
	}
}

// overLimit reports whether the daily upload cap stops new uploads. Called
// with s.mu held.
func (s *Server) overLimit() bool {
	return s.uploadLimit >= 0 && s.uploaded >= s.uploadLimit
}

var errUploadLimit = &apiError{http.StatusForbidden, "userRateLimitExceeded", uploadLimitMessage}

// store1 stores a one-request upload, as a new file or new content for
// fileID.
func (s *Server) store1(w http.ResponseWriter, r *http.Request, fileID string, meta fileMeta, content []byte) {
	s.mu.Lock()
	var j fileJSON
	aerr := errUploadLimit
	if !s.overLimit() {
		s.uploaded += int64(len(content))
		j, aerr = s.commit(fileID, meta, content)
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w, r)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// commit creates or updates a file with uploaded content. Called with s.mu
// held.
func (s *Server) commit(fileID string, meta fileMeta, content []byte) (fileJSON, *apiError) {
	if fileID == "" {
		f, aerr := s.newFile(meta)
		if aerr != nil {
			return fileJSON{}, aerr
		}
		f.content = content
		return s.store.create(f).json(), nil
	}
	f := s.store.get(fileID)
	if f == nil || f.isFolder() {
		return fileJSON{}, &apiError{http.StatusNotFound, "notFound", "File not found: " + fileID + "."}
	}
	if meta.Parents != nil {
		return fileJSON{}, &apiError{http.StatusForbidden, "fieldNotWritable",
			"The resource body includes fields which are not directly writable."}
	}
	if err := meta.apply(f); err != nil {
		return fileJSON{}, &apiError{http.StatusBadRequest, "invalid", err.Error()}
	}
	f.content = content // replaced, never modified in place
	return f.json(), nil
}

// readMultipart splits a multipart/related upload into its JSON metadata
// and media parts.
func readMultipart(r *http.Request) (fileMeta, []byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return fileMeta{}, nil, fmt.Errorf("multipart upload needs a multipart Content-Type, got %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	metaPart, err := mr.NextPart()
	if err != nil {
		return fileMeta{}, nil, fmt.Errorf("metadata part: %w", err)
	}
	meta, err := decodeMeta(metaPart)
	if err != nil {
		return fileMeta{}, nil, fmt.Errorf("metadata part: %w", err)
	}
	mediaPart, err := mr.NextPart()
	if err != nil {
		return fileMeta{}, nil, fmt.Errorf("media part: %w", err)
	}
	content, err := io.ReadAll(mediaPart)
	if err != nil {
		return fileMeta{}, nil, fmt.Errorf("media part: %w", err)
	}
	return meta, content, nil
}

// startSession begins a resumable upload and returns its URI in Location.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, fileID string) {
	meta, err := decodeMeta(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "parseError", "Parse Error")
		return
	}
	total := int64(-1)
	if v := r.Header.Get("X-Upload-Content-Length"); v != "" {
		if total, err = strconv.ParseInt(v, 10, 64); err != nil || total < 0 {
			writeError(w, r, http.StatusBadRequest, "invalid", "Invalid X-Upload-Content-Length")
			return
		}
	}
	s.mu.Lock()
	var aerr *apiError
	switch {
	case s.overLimit():
		aerr = errUploadLimit
	case fileID != "" && s.store.get(fileID) == nil:
		aerr = &apiError{http.StatusNotFound, "notFound", "File not found: " + fileID + "."}
	case fileID == "":
		// Check the parents now, as Drive does, not at the last chunk.
		_, aerr = s.newFile(fileMeta{Parents: append([]string(nil), meta.Parents...)})
	}
	var id string
	if aerr == nil {
		s.nextToken++
		id = "drivefake-upload-" + strconv.Itoa(s.nextToken)
		s.sessions[id] = &session{fileID: fileID, meta: meta, total: total}
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w, r)
		return
	}
	loc := "https://www.googleapis.com/upload/drive/v3/files"
	if fileID != "" {
		loc += "/" + fileID
	}
	w.Header().Set("Location", loc+"?uploadType=resumable&upload_id="+id)
	w.Header().Set("X-GUploader-UploadID", id)
	w.WriteHeader(http.StatusOK)
}

// chunk receives one Content-Range of a resumable upload: 308 with the
// received Range until the declared total has arrived, then the file.
func (s *Server) chunk(w http.ResponseWriter, r *http.Request, id string) {
	start, total, err := parseContentRange(r.Header.Get("Content-Range"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "badContentRange", err.Error())
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away; nothing was stored
	}
	s.mu.Lock()
	received, j, done, aerr := s.chunkLocked(id, start, total, data)
	s.mu.Unlock()
	switch {
	case aerr != nil:
		aerr.write(w, r)
	case done:
		writeJSON(w, http.StatusOK, j)
	default:
		if received > 0 {
			w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", received-1))
		}
		w.WriteHeader(http.StatusPermanentRedirect) // 308 Resume Incomplete
	}
}

func (s *Server) chunkLocked(id string, start, total int64, data []byte) (received int64, j fileJSON, done bool, aerr *apiError) {
	bad := func(format string, args ...any) *apiError {
		return &apiError{http.StatusBadRequest, "badContentRange", fmt.Sprintf(format, args...)}
	}
	sess := s.sessions[id]
	if sess == nil {
		// rclone restarts the whole upload on 404.
		return 0, j, false, &apiError{http.StatusNotFound, "notFound", "Upload session not found."}
	}
	if total >= 0 {
		if sess.total >= 0 && sess.total != total {
			return 0, j, false, bad("total size changed from %d to %d", sess.total, total)
		}
		sess.total = total
	}
	have := int64(len(sess.data))
	if len(data) > 0 {
		// Accept a resent chunk (one starting before the end of what
		// arrived), as Drive does when a response was lost; never a gap.
		if start < 0 || start > have {
			return 0, j, false, bad("Content-Range starts at %d, have %d bytes", start, have)
		}
		end := start + int64(len(data))
		if last := sess.total >= 0 && end == sess.total; !last && len(data)%chunkAlign != 0 {
			return 0, j, false, bad("chunk of %d bytes is not a multiple of %d", len(data), chunkAlign)
		}
		if sess.total >= 0 && end > sess.total {
			return 0, j, false, bad("more data than the declared %d bytes", sess.total)
		}
		s.uploaded += max(0, end-have)
		sess.data = append(sess.data[:start], data...)
	}
	received = int64(len(sess.data))
	if sess.total < 0 || received < sess.total {
		return received, j, false, nil
	}
	delete(s.sessions, id)
	j, aerr = s.commit(sess.fileID, sess.meta, sess.data)
	return received, j, aerr == nil, aerr
}

// parseContentRange parses "bytes a-b/total", "bytes a-b/*" and
// "bytes */total". start is -1 for the last form, total -1 if unknown.
func parseContentRange(h string) (start, total int64, err error) {
	spec, ok := strings.CutPrefix(h, "bytes ")
	rng, tot, ok2 := strings.Cut(spec, "/")
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("bad Content-Range %q", h)
		}
	}
	if rng == "*" {
		return -1, total, nil
	}
	first, _, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	if start, err = strconv.ParseInt(first, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	return start, total, nil
}
