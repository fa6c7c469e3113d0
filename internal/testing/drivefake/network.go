package drivefake

import (
	"net"
	"net/http"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/wanproxy"
)

// Network is the line between rclone and the fake: what makes Drive slow
// from a home connection, with the same knobs as wanproxy has for other
// remotes. The zero value is loopback speed.
//
// The fake speaks HTTP/1.1 only, so every request in flight has its own
// TCP connection and ConnRate caps each transfer. (Google serves HTTP/2,
// where transfers share a connection; what caps one Drive transfer there
// is per request, which this models the same way.)
type Network struct {
	// Latency is waited before each request is handled, token refreshes
	// included.
	Latency time.Duration
	// ConnRate caps each client TCP connection, in bytes per second in
	// each direction; 0: no cap.
	ConnRate int64
}

// SetNetwork applies n to requests that arrive and connections that are
// opened from now on. Set it before the remote is opened, so that no
// connection escapes the cap.
func (s *Server) SetNetwork(n Network) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.network = n
}

func (s *Server) currentNetwork() Network {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.network
}

// throttle caps a new tunnel to the fake API at the network's rate.
func (s *Server) throttle(c net.Conn) net.Conn {
	if r := s.currentNetwork().ConnRate; r > 0 {
		return wanproxy.Throttle(c, r)
	}
	return c
}

// delay waits the network's latency before r is handled. It reports false
// if the client went away meanwhile.
func (s *Server) delay(r *http.Request) bool {
	d := s.currentNetwork().Latency
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
