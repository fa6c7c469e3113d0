package drivefake

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/wanproxy"
)

// Network is the line between rclone and the fake: what makes Drive slow
// from a home connection, with the same knobs as wanproxy has for other
// remotes. The zero value is loopback speed.
//
// The fake speaks HTTP/1.1 only, so every request in flight has its own
// TCP connection and ConnRate caps each transfer. Google serves HTTP/2,
// where rclone's transfers share one connection: the model is a cap per
// transfer, an assumption (that one Drive transfer is slow, not one
// connection), not a measured fact.
type Network struct {
	// Latency is waited before each request is handled, token refreshes
	// included.
	Latency time.Duration
	// ConnRate caps each client TCP connection, in bytes per second in
	// each direction; 0: no cap.
	ConnRate int64
}

// SetNetwork applies n from now on: to requests that arrive and to the
// traffic of every connection, open or new.
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

// throttle puts a new tunnel to the fake API on the network's line.
func (s *Server) throttle(c net.Conn) net.Conn {
	return &lineConn{Conn: c, s: s, capped: c}
}

// lineConn caps a connection at the network's ConnRate, whatever it is at
// the moment: a test may set the network after rclone opened its
// connections. It swaps in a fresh wanproxy.Throttle when the rate
// changes. Close and the rest go to the raw connection.
type lineConn struct {
	net.Conn
	s      *Server
	mu     sync.Mutex
	rate   int64
	capped net.Conn // Conn, or Conn throttled at rate
}

func (c *lineConn) current() net.Conn {
	r := c.s.currentNetwork().ConnRate
	c.mu.Lock()
	defer c.mu.Unlock()
	if r != c.rate {
		c.rate, c.capped = r, c.Conn
		if r > 0 {
			c.capped = wanproxy.Throttle(c.Conn, r)
		}
	}
	return c.capped
}

func (c *lineConn) Read(b []byte) (int, error)  { return c.current().Read(b) }
func (c *lineConn) Write(b []byte) (int, error) { return c.current().Write(b) }

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
