// Package remotetest gives tests real remotes to back up to: a local
// directory, and rclone's own S3, WebDAV and SFTP servers running in the test
// process on 127.0.0.1, so the network path (HTTP, retries, faults) is the
// one users get.
//
// Every helper returns a spec for remote.Open and cleans up after the test.
// The helpers never read the user's rclone.conf.
package remotetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/obscure"
	"github.com/rclone/rclone/fs/rc"

	// serve/start finds the servers by these imports.
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/cmd/serve/s3"
	_ "github.com/rclone/rclone/cmd/serve/sftp"
	_ "github.com/rclone/rclone/cmd/serve/webdav"
)

// Local returns a spec for an empty local directory remote.
func Local(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "remote")
}

// S3 returns a connection-string spec for an empty path in a bucket of an
// S3 server (rclone serve s3) that runs until the test ends.
func S3(t testing.TB) string {
	spec, _ := S3Dir(t)
	return spec
}

// S3Dir is S3 that also returns the local directory the server stores
// the spec's objects in, for tests that damage objects behind its back.
func S3Dir(t testing.TB) (spec, dir string) {
	t.Helper()
	root := t.TempDir()
	const bucket = "argo"
	if err := os.Mkdir(filepath.Join(root, bucket), 0o700); err != nil {
		t.Fatal(err)
	}
	key, secret := token(), token()
	addr := serve(t, "s3", root, rc.Params{"auth_key": []string{key + "," + secret}})
	spec = fmt.Sprintf(":s3,provider=Rclone,endpoint='http://%s',access_key_id=%s,secret_access_key=%s:%s/backups",
		addr, key, secret, bucket)
	return spec, filepath.Join(root, bucket, "backups")
}

// WebDAV returns a connection-string spec for an empty directory on a
// WebDAV server (rclone serve webdav) that runs until the test ends.
func WebDAV(t testing.TB) string {
	spec, _ := WebDAVDir(t)
	return spec
}

// WebDAVDir is WebDAV that also returns the local directory behind the
// spec.
func WebDAVDir(t testing.TB) (spec, dir string) {
	t.Helper()
	root := t.TempDir()
	user, pass := token(), token()
	addr := serve(t, "webdav", root, rc.Params{"user": user, "pass": pass})
	spec = fmt.Sprintf(":webdav,url='http://%s/',vendor=other,user=%s,pass=%s:backups",
		addr, user, obscure.MustObscure(pass))
	return spec, filepath.Join(root, "backups")
}

// SFTP returns a connection-string spec for an empty directory on an SFTP
// server (rclone serve sftp, password login) that runs until the test ends.
func SFTP(t testing.TB) string {
	spec, _ := SFTPDir(t)
	return spec
}

// SFTPDir is SFTP that also returns the local directory behind the spec.
func SFTPDir(t testing.TB) (spec, dir string) {
	t.Helper()
	root := t.TempDir()
	user, pass := token(), token()
	addr := serve(t, "sftp", root, rc.Params{"user": user, "pass": pass})
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("rclone serve sftp address %q: %v", addr, err)
	}
	spec = fmt.Sprintf(":sftp,host=%s,port=%s,user=%s,pass=%s:backups", host, port, user, obscure.MustObscure(pass))
	return spec, filepath.Join(root, "backups")
}

var memoryConfig sync.Once

// serve starts an rclone server of kind on a free port of 127.0.0.1,
// serving dir, and stops it when the test ends.
func serve(t testing.TB, kind, dir string, params rc.Params) (addr string) {
	t.Helper()
	// serve/start opens dir through rclone, which would read (and on a bad
	// or encrypted file, exit on) the developer's rclone.conf.
	memoryConfig.Do(func() { _ = config.SetConfigPath("") })
	params["type"] = kind
	params["fs"] = dir
	params["addr"] = []string{"127.0.0.1:0"}
	out, err := rc.Calls.Get("serve/start").Fn(context.Background(), params)
	if err != nil {
		t.Fatalf("starting rclone serve %s: %v", kind, err)
	}
	t.Cleanup(func() {
		if _, err := rc.Calls.Get("serve/stop").Fn(context.Background(), rc.Params{"id": out["id"]}); err != nil {
			t.Errorf("stopping rclone serve %s: %v", kind, err)
		}
	})
	return fmt.Sprint(out["addr"])
}

func token() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
