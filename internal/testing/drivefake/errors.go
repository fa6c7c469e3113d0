package drivefake

import (
	"encoding/json"
	"io"
	"net/http"
)

// apiError is a Drive error response. rclone's drive backend decides on
// retries from the status and errors[0].reason (and, for the upload cap,
// errors[0].message), so all three must look like Drive's.
type apiError struct {
	status  int
	reason  string
	message string
}

func (e *apiError) write(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, e.status, e.reason, e.message)
}

func notFound(w http.ResponseWriter, r *http.Request, id string) {
	writeError(w, r, http.StatusNotFound, "notFound", "File not found: "+id+".")
}

// writeError sends a Drive v3 error body. It first drains the request
// body, so a client still sending an upload reads the error instead of a
// broken pipe.
func writeError(w http.ResponseWriter, r *http.Request, status int, reason, message string) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<30))
	domain := "global"
	if status == http.StatusForbidden || status == http.StatusTooManyRequests {
		domain = "usageLimits"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    status,
		"message": message,
		"errors":  []map[string]string{{"domain": domain, "reason": reason, "message": message}},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
