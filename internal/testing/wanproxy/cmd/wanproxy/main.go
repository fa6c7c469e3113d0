// Command wanproxy runs a wanproxy in front of an HTTP server until
// killed, for scripts/bench.sh:
//
//	wanproxy -listen 127.0.0.1:8081 -target http://127.0.0.1:8080 -latency 40ms -rate 8MB
//
// It prints the address it listens on, then, when stopped with SIGTERM or
// SIGINT, what passed through it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/dustin/go-humanize"

	"github.com/argo-backup/argo-backup/internal/testing/wanproxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	target := flag.String("target", "", "the server to forward to, e.g. http://127.0.0.1:8080")
	latency := flag.Duration("latency", 0, "added to every request, e.g. 40ms")
	rate := flag.String("rate", "0", "cap per client connection and direction, e.g. 8MB (bytes/s); 0: none")
	logFile := flag.String("log", "", "write a line per request to this file (see wanproxy.Options.Log)")
	flag.Parse()
	bps, err := humanize.ParseBytes(*rate)
	if err != nil || *target == "" {
		fmt.Fprintln(os.Stderr, "wanproxy: need -target URL and a -rate like 8MB")
		os.Exit(2)
	}
	o := wanproxy.Options{Latency: *latency, ConnRate: int64(bps)}
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wanproxy:", err)
			os.Exit(1)
		}
		defer f.Close()
		o.Log = f
	}
	p, err := wanproxy.Start(*listen, *target, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wanproxy:", err)
		os.Exit(1)
	}
	fmt.Println(p.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	st := p.Stats()
	fmt.Fprintf(os.Stderr, "wanproxy: %d requests, at most %d at once, %s in, %s out\n",
		st.Requests, st.MaxInFlight, humanize.IBytes(uint64(st.BytesIn)), humanize.IBytes(uint64(st.BytesOut)))
	_ = p.Close()
}
