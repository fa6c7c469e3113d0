package drivefake

import "strings"

// Messages Drive pairs with its 403 reasons. rclone's drive backend treats
// a userRateLimitExceeded as fatal (with stop_on_upload_limit) only when the
// message is exactly uploadLimitMessage, the one Drive sends once the
// 750 GB/day upload quota is used up; ordinary rate limiting says
// "User Rate Limit Exceeded" and is retried.
const uploadLimitMessage = "User rate limit exceeded."

var reasonMessages = map[string]string{
	"userRateLimitExceeded": "User Rate Limit Exceeded",
	"rateLimitExceeded":     "Rate Limit Exceeded",
	"backendError":          "Backend Error",
	"internalError":         "Internal Error",
	"downloadQuotaExceeded": "The download quota for this file has been exceeded.",
	"storageQuotaExceeded":  "The user's Drive storage quota has been exceeded.",
}

// fault fails the next n matching API requests.
type fault struct {
	prefix  string // of the request's String(); "" matches all
	n       int
	status  int
	reason  string
	message string
}

// cut cuts the next n media downloads after some bytes.
type cut struct {
	n     int
	after int64
}

// FailNext makes the next n Drive API requests (not token refreshes) fail
// with status and a Drive error of the given reason, e.g. 403
// "userRateLimitExceeded" or 500 "backendError". The message is Drive's
// usual one for the reason, so a rate limit is not mistaken for the daily
// upload cap (see SetUploadLimit).
func (s *Server) FailNext(n, status int, reason string) {
	s.FailNextMatching("", n, status, reason)
}

// FailNextMatching is FailNext for requests whose Request.String() starts
// with prefix, e.g. "POST /upload/drive/v3/files?upload_id" for the chunks
// of resumable uploads, or "GET /drive/v3/files/" for metadata and
// downloads. Rules are consulted in the order they were added.
func (s *Server) FailNextMatching(prefix string, n, status int, reason string) {
	msg, ok := reasonMessages[reason]
	if !ok {
		msg = reason
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{prefix: prefix, n: n, status: status, reason: reason, message: msg})
}

// SetUploadLimit emulates Drive's daily upload quota: once limit bytes of
// file content have been received, new uploads (multipart requests and
// resumable sessions) fail with 403 userRateLimitExceeded and the message
// rclone's stop_on_upload_limit recognises. As on Drive, uploads already
// in progress finish. A negative limit removes it.
func (s *Server) SetUploadLimit(limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploadLimit = limit
}

// UploadedBytes is the file content received so far, by all uploads.
func (s *Server) UploadedBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploaded
}

// CutDownloads makes the next n media downloads whose response body is
// longer than after bytes send only after bytes and then drop the
// connection, with headers that promised the whole body: what a reset
// connection looks like to the client.
func (s *Server) CutDownloads(n int, after int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cuts = cut{n: n, after: after}
}

// takeFault returns the fault to inject for req, if any. Called with s.mu
// held.
func (s *Server) takeFault(req string) *fault {
	for _, f := range s.faults {
		if f.n > 0 && strings.HasPrefix(req, f.prefix) {
			f.n--
			return f
		}
	}
	return nil
}

// takeCut reports how many bytes of a download of size bytes to send
// before dropping the connection, or -1 to send it all.
func (s *Server) takeCut(size int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cuts.n > 0 && size > s.cuts.after {
		s.cuts.n--
		return s.cuts.after
	}
	return -1
}
