package drivefake

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/fs/fshttp"
)

// Server is a running fake Google Drive. Create it with Start in tests or
// New elsewhere; all methods are safe for concurrent use.
type Server struct {
	proxyURL string
	caFile   string
	tempDir  string

	proxy    *proxy
	proxySrv *http.Server
	apiSrv   *http.Server
	apiLn    *connListener
	restore  func()
	handler  http.Handler // the Drive API routes
	closed   sync.Once

	mu          sync.Mutex
	store       *store
	sessions    map[string]*session
	tokens      map[string]bool
	requests    []*Request
	refused     []string
	faults      []*fault
	cuts        cut
	uploaded    int64
	uploadLimit int64 // < 0: none
	nextToken   int
	network     Network

	traffic traffic // its own lock
}

// active guards rclone's process-global config: two Servers would fight
// over its proxy setting.
var active atomic.Bool

// Start starts a Server for the test, points rclone's global config at it
// and registers a Cleanup that stops it, restores the config and fails the
// test if anything tried to reach a host other than the fake Google hosts
// and loopback.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := New()
	if err != nil {
		tb.Fatalf("drivefake: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// New starts a Server and points rclone's global config (HTTPProxy, CaCert)
// at it until Close. Only one Server may run at a time.
func New() (*Server, error) {
	if !active.CompareAndSwap(false, true) {
		return nil, errors.New("another drivefake.Server is running: rclone's proxy config is process-global")
	}
	s, err := newServer()
	if err != nil {
		active.Store(false)
		return nil, err
	}
	return s, nil
}

func newServer() (*Server, error) {
	caPEM, leaf, err := newCertificates()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "drivefake-")
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{
		proxyURL:    "http://" + ln.Addr().String(),
		caFile:      caFile,
		tempDir:     dir,
		store:       newStore(),
		sessions:    make(map[string]*session),
		tokens:      make(map[string]bool),
		uploadLimit: -1,
	}
	s.handler = s.mux()
	s.apiLn = newConnListener(ln.Addr())
	s.proxy = &proxy{
		// HTTP/1.1 only, so a handler can hijack the connection to cut a
		// download short.
		tlsConfig: &tls.Config{Certificates: []tls.Certificate{leaf}, NextProtos: []string{"http/1.1"}},
		api:       s.apiLn,
		refuse:    s.refuse,
		throttle:  s.throttle,
	}
	// Closing a Server under live clients makes both servers log
	// "use of closed network connection"; clients see real failures anyway.
	quiet := log.New(io.Discard, "", 0)
	s.proxySrv = &http.Server{Handler: s.proxy, ErrorLog: quiet}
	s.apiSrv = &http.Server{
		Handler:      s,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     quiet,
	}
	go func() { _ = s.proxySrv.Serve(ln) }()
	go func() { _ = s.apiSrv.Serve(s.apiLn) }()

	ci := fs.GetConfig(context.Background())
	oldProxy, oldCA := ci.HTTPProxy, ci.CaCert
	ci.HTTPProxy, ci.CaCert = s.proxyURL, []string{caFile}
	// Transports cached by fshttp.NewTransport were built from the old
	// config; make the next one pick up ours, and the one after Close
	// drop it again.
	fshttp.ResetTransport()
	s.restore = func() {
		ci.HTTPProxy, ci.CaCert = oldProxy, oldCA
		fshttp.ResetTransport()
	}
	return s, nil
}

// Close stops the Server and restores rclone's config. It reports an error
// if any connection to a non-loopback host other than the fake Google hosts
// was attempted through the proxy.
func (s *Server) Close() error {
	var err error
	s.closed.Do(func() {
		s.restore()
		_ = s.proxySrv.Close()
		_ = s.apiLn.Close()
		_ = s.apiSrv.Close()
		s.proxy.closeAll()
		os.RemoveAll(s.tempDir)
		active.Store(false)
		if refused := s.Refused(); len(refused) > 0 {
			err = fmt.Errorf("drivefake: refused connections to %s", strings.Join(refused, ", "))
		}
	})
	return err
}

// ProxyURL is the http:// address of the proxy rclone is pointed at.
func (s *Server) ProxyURL() string { return s.proxyURL }

// CACertFile is the PEM file of the CA that signed the fake's certificate.
func (s *Server) CACertFile() string { return s.caFile }

// Options returns the drive backend options that make a remote talk to the
// fake: a fake client ID and an already expired OAuth2 token, so the first
// request exercises the token endpoint. Add your own (use_trash,
// chunk_size, ...) and pass them to fs.ConfigMap.
func (s *Server) Options() configmap.Simple {
	tok, _ := json.Marshal(map[string]string{
		"access_token":  "expired-access-token",
		"token_type":    "Bearer",
		"refresh_token": "drivefake-refresh-token",
		"expiry":        "2000-01-01T00:00:00Z",
	})
	return configmap.Simple{
		"client_id":     "drivefake-client-id.apps.googleusercontent.com",
		"client_secret": "drivefake-client-secret",
		"token":         string(tok),
	}
}

// RemoteSpec returns an on-the-fly rclone remote for path on the fake
// Drive, for fs.NewFs:
//
//	:drive,client_id=...,client_secret=...,token='{...}',use_trash=false:backups
//
// options are extra "key=value" backend options. Remotes defined this way
// are never written to an rclone.conf, so the token refresh stays in memory.
func (s *Server) RemoteSpec(path string, options ...string) string {
	var b strings.Builder
	b.WriteString(":drive")
	opts := s.Options()
	for _, k := range []string{"client_id", "client_secret", "token"} {
		fmt.Fprintf(&b, ",%s='%s'", k, strings.ReplaceAll(opts[k], "'", "''"))
	}
	for _, o := range options {
		b.WriteString("," + o)
	}
	return b.String() + ":" + path
}

func (s *Server) refuse(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = append(s.refused, host)
}

// Refused lists the hosts the proxy refused to connect to. Anything here
// means code under test tried to leave the machine.
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

// Files returns every item in the fake Drive except the root, trashed ones
// included, sorted by path.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.snapshot()
}

// Content returns the content of the file with the given ID.
func (s *Server) Content(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.store.get(id)
	if f == nil || f.isFolder() {
		return nil, false
	}
	return append([]byte(nil), f.content...), true
}

// AddFile creates a file at the slash path p below the root, creating
// missing folders. Like Drive it always creates a new file, even when one
// with the same name exists.
func (s *Server) AddFile(p string, content []byte) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, name := splitPath(p)
	parent := s.store.mkdirAll(dir)
	f := s.store.create(&file{
		name:     name,
		mimeType: "application/octet-stream",
		parents:  []string{parent.id},
		content:  append([]byte(nil), content...),
	})
	return f.id
}

// AddDuplicate creates a second file with the same name, folder and
// content as the file at slash path p, as Drive allows and as concurrent
// uploads of the same name produce.
func (s *Server) AddDuplicate(p string) (id string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	orig, err := s.store.walk(p)
	if err != nil {
		return "", err
	}
	if orig.isFolder() || orig.id == RootID {
		return "", fmt.Errorf("drivefake: %q is a folder", p)
	}
	dup := *orig
	dup.parents = append([]string(nil), orig.parents...)
	return s.store.create(&dup).id, nil
}

func splitPath(p string) (dir, name string) {
	p = strings.Trim(p, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}
