package drivefake

import (
	"net/http"
	"net/url"
	"time"
)

// Request is one request the fake received, as the log records it.
type Request struct {
	Method string
	Host   string // www.googleapis.com or oauth2.googleapis.com
	Path   string
	Query  url.Values
	Range  string    // the Range header, if any
	Status int       // the status sent, 0 if the connection was cut
	At     time.Time // when it arrived (before the network's latency)
	Done   time.Time // when its handler returned; zero while it runs
}

// String is "METHOD path" plus the query parameters that tell requests on
// the same path apart: alt=media, uploadType, and for the chunks of a
// resumable upload only upload_id. Examples:
//
//	GET /drive/v3/files/ID?alt=media
//	POST /upload/drive/v3/files?uploadType=resumable
//	POST /upload/drive/v3/files?upload_id=drivefake-upload-3
func (r Request) String() string {
	s := r.Method + " " + r.Path
	q := url.Values{}
	switch {
	case r.Query.Get("upload_id") != "":
		q.Set("upload_id", r.Query.Get("upload_id"))
	case r.Query.Get("uploadType") != "":
		q.Set("uploadType", r.Query.Get("uploadType"))
	case r.Query.Get("alt") == "media":
		q.Set("alt", "media")
	}
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

func (s *Server) record(r *http.Request) *Request {
	req := &Request{
		Method: r.Method,
		Host:   r.Host,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Range:  r.Header.Get("Range"),
		At:     time.Now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	return req
}

// Requests returns Request.String of every request so far, in arrival
// order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.String()
	}
	return out
}

// RequestLog returns a copy of every request so far, in arrival order.
func (s *Server) RequestLog() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// statusWriter logs the status as soon as it is sent, before the body,
// so a client that has read a response always finds it in the log. It
// still lets handlers hijack the connection.
type statusWriter struct {
	http.ResponseWriter
	s     *Server
	req   *Request
	wrote bool
	meter *traffic // counts the body of a download; nil for other requests
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.s.mu.Lock()
		w.req.Status = code
		w.s.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	if w.meter != nil {
		w.meter.add(download, n)
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the hijacker underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
