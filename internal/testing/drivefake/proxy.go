package drivefake

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
)

// proxy is the HTTP proxy rclone is pointed at. It terminates CONNECT
// tunnels to the intercepted Google hosts and hands the TLS connections to
// the fake API, passes loopback traffic through untouched, and refuses
// everything else.
type proxy struct {
	tlsConfig *tls.Config
	api       *connListener // where terminated tunnels go
	refuse    func(host string)
	throttle  func(net.Conn) net.Conn // the network's cap on a tunnel

	mu    sync.Mutex
	conns map[net.Conn]struct{} // hijacked client and upstream conns, closed on shutdown
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		p.forward(w, r)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	intercept := slices.Contains(interceptedHosts, host)
	if !intercept && !isLoopback(host) {
		p.refuse(r.Host)
		http.Error(w, "drivefake: CONNECT to "+r.Host+" refused", http.StatusForbidden)
		return
	}
	var upstream net.Conn
	if !intercept {
		if upstream, err = net.Dial("tcp", r.Host); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		if upstream != nil {
			upstream.Close()
		}
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	client := net.Conn(&bufferedConn{Conn: conn, r: buf.Reader})
	if intercept {
		p.track(conn)
		p.api.push(tls.Server(p.throttle(client), p.tlsConfig))
		return
	}
	p.track(conn)
	p.track(upstream)
	go p.splice(client, upstream)
}

// forward relays plain-HTTP proxy requests, which only loopback servers
// (rclone's serve packages in other tests) may receive.
func (p *proxy) forward(w http.ResponseWriter, r *http.Request) {
	if r.URL.Host == "" || !isLoopback(r.URL.Hostname()) {
		p.refuse(r.Host)
		http.Error(w, "drivefake: proxying to "+r.Host+" refused", http.StatusForbidden)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	res, err := directTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

// directTransport never uses a proxy, so forwarding cannot loop back here.
var directTransport = &http.Transport{Proxy: nil}

func (p *proxy) splice(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	copyClose := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		dst.Close()
	}
	go copyClose(a, b)
	go copyClose(b, a)
	wg.Wait()
	p.untrack(a)
	p.untrack(b)
}

func (p *proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		p.conns = make(map[net.Conn]struct{})
	}
	p.conns[c] = struct{}{}
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// closeAll closes every hijacked connection: http.Server.Close does not
// know about them.
func (p *proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bufferedConn keeps bytes the proxy's bufio.Reader already read from a
// hijacked connection.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connListener is a net.Listener fed with connections by the proxy, so a
// plain http.Server can serve the fake API on tunnels it never accepted.
type connListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: addr}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
