package drivefake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// download serves files.get?alt=media with single-range support, and cuts
// the connection when CutDownloads asks for it.
func (s *Server) download(w http.ResponseWriter, r *http.Request, content []byte, mimeType string) {
	size := int64(len(content))
	start, end, partial, ok := parseRange(r.Header.Get("Range"), size)
	if !ok {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		writeError(w, r, http.StatusRequestedRangeNotSatisfiable, "requestedRangeNotSatisfiable",
			"Request range not satisfiable")
		return
	}
	body := content[start:end]
	status := http.StatusOK
	h := http.Header{}
	h.Set("Content-Type", mimeType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, size))
	}
	if n := s.takeCut(int64(len(body))); n >= 0 {
		cutResponse(w, status, h, body[:n])
		return
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	// In slices, so that the download meter sees the body leave over time.
	for len(body) > 0 {
		n := min(len(body), writeSlice)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		body = body[n:]
	}
}

// writeSlice is how much of a download body is written at once.
const writeSlice = 32 << 10

// cutResponse writes the head of a response that promises the full body,
// part of the body, and then closes the connection under the client.
func cutResponse(w http.ResponseWriter, status int, h http.Header, part []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // still drops the connection
	}
	defer conn.Close()
	bw := buf.Writer
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(part)
	_ = bw.Flush()
}

// parseRange parses a single "bytes=" range for a body of size bytes and
// returns the half-open [start, end). ok is false for an unsatisfiable
// range; syntax it does not understand is ignored, as HTTP allows.
func parseRange(header string, size int64) (start, end int64, partial, ok bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if header == "" || !found || strings.Contains(spec, ",") {
		return 0, size, false, true
	}
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return 0, size, false, true
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, size, false, true
		}
		if n == 0 {
			return 0, 0, false, false
		}
		return max(size-n, 0), size, true, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, size, false, true
	}
	if start >= size {
		return 0, 0, false, false
	}
	end = size
	if last != "" {
		l, err := strconv.ParseInt(last, 10, 64)
		if err != nil || l < start {
			return 0, size, false, true
		}
		end = min(l+1, size)
	}
	return start, end, true, true
}
