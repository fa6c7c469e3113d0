// Command drivefake serves the fake Google Drive API until killed, for
// scripts/bench.sh:
//
//	drivefake -latency 40ms -rate 8MB -conf DIR/rclone.conf -env DIR/drive.env
//
// It writes an rclone.conf with a remote named by -name (type drive, with
// the fake's client id and token, use_trash false) and a file of shell
// variables, HTTPS_PROXY and SSL_CERT_FILE, that point any Go program
// (rclone, argo-backup) at the fake: the drive backend hard-codes
// www.googleapis.com, so the fake is reached as an HTTPS proxy with a CA
// of its own. The CA file lives as long as the process. Then it prints
// "ready"; when stopped with SIGTERM or SIGINT it prints what it served.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dustin/go-humanize"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
)

func main() {
	name := flag.String("name", "fakedrive", "the remote's name in the rclone.conf")
	conf := flag.String("conf", "", "write the rclone.conf here")
	env := flag.String("env", "", "write HTTPS_PROXY and SSL_CERT_FILE here, for a shell to source")
	latency := flag.Duration("latency", 0, "added to every request, e.g. 40ms")
	rate := flag.String("rate", "0", "cap per client connection and direction, e.g. 8MB (bytes/s); 0: none")
	logFile := flag.String("log", "", "when stopped, write a line per request to this file: ms since the first arrived, ms it took, the request")
	flag.Parse()
	bps, err := humanize.ParseBytes(*rate)
	if err != nil || *conf == "" || *env == "" {
		fmt.Fprintln(os.Stderr, "drivefake: need -conf FILE, -env FILE and a -rate like 8MB")
		os.Exit(2)
	}
	s, err := drivefake.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "drivefake:", err)
		os.Exit(1)
	}
	s.SetNetwork(drivefake.Network{Latency: *latency, ConnRate: int64(bps)})
	if err := writeFiles(s, *name, *conf, *env); err != nil {
		fmt.Fprintln(os.Stderr, "drivefake:", err)
		_ = s.Close()
		os.Exit(1)
	}
	fmt.Println("ready")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	report(s)
	if *logFile != "" {
		if err := writeLog(s, *logFile); err != nil {
			fmt.Fprintln(os.Stderr, "drivefake:", err)
		}
	}
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// writeFiles writes the rclone.conf and the environment file, private to
// the user: the token in them is fake, but the habit is not.
func writeFiles(s *drivefake.Server, name, conf, env string) error {
	o := s.Options()
	rc := fmt.Sprintf("[%s]\ntype = drive\nclient_id = %s\nclient_secret = %s\ntoken = %s\nuse_trash = false\n",
		name, o["client_id"], o["client_secret"], o["token"])
	if err := os.WriteFile(conf, []byte(rc), 0o600); err != nil {
		return err
	}
	vars := fmt.Sprintf("HTTPS_PROXY=%s\nSSL_CERT_FILE=%s\n", s.ProxyURL(), s.CACertFile())
	return os.WriteFile(env, []byte(vars), 0o600)
}

func report(s *drivefake.Server) {
	up, down := s.MaxTransfers()
	var sent, received uint64
	if m := s.UploadMeter(); len(m) > 0 {
		received = uint64(m[len(m)-1].Bytes)
	}
	if m := s.DownloadMeter(); len(m) > 0 {
		sent = uint64(m[len(m)-1].Bytes)
	}
	fmt.Fprintf(os.Stderr, "drivefake: %d requests, at most %d part uploads and %d part downloads at once, %s of content in, %s out\n",
		len(s.Requests()), up, down, humanize.IBytes(received), humanize.IBytes(sent))
}

// writeLog writes the request log, for finding where a push's time goes.
func writeLog(s *drivefake.Server, file string) error {
	var b strings.Builder
	log := s.RequestLog()
	for _, r := range log {
		took := int64(-1)
		if !r.Done.IsZero() {
			took = r.Done.Sub(r.At).Milliseconds()
		}
		fmt.Fprintf(&b, "%d\t%d\t%s\t%d\t%s\n", r.At.Sub(log[0].At).Milliseconds(), took, r, r.Status, r.Range)
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}
