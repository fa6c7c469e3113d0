package main

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// unmount ends the mount on Ctrl-C (SIGINT/SIGTERM). A shell or program
// with its working directory or a file inside makes a plain unmount fail
// (busy); leaving the mount to a process that exits would leave a dead
// mount ("Transport endpoint is not connected"). So it then detaches it
// lazily (MNT_DETACH as root, fusermount -uz otherwise): DIR is an empty
// directory again at once, and what was inside sees its directory gone
// when this process exits. It says so, as the user may wonder.
func (a *app) unmount(server *fuse.Server, dir string, done <-chan struct{}) error {
	err := server.Unmount()
	if err == nil {
		<-done
		return nil
	}
	if derr := detach(dir); derr != nil {
		return fmt.Errorf("unmount %s: it is busy (%v) and a lazy unmount failed too (%v): leave the directory, close what uses it, then fusermount -uz %s",
			dir, strings.TrimSpace(err.Error()), derr, dir)
	}
	fmt.Fprintf(a.stdout, "%s was busy (a shell or program is inside it): unmounted it lazily: %s is free now, and what is still inside gets errors there until it leaves\n", dir, dir)
	return nil
}

// detach is a lazy unmount of the FUSE mount at dir.
func detach(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_DETACH); err == nil {
		return nil
	}
	bin, err := exec.LookPath("fusermount3")
	if err != nil {
		if bin, err = exec.LookPath("fusermount"); err != nil {
			return err
		}
	}
	if out, err := exec.Command(bin, "-uz", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("%s -uz: %v: %s", bin, err, strings.TrimSpace(string(out)))
	}
	return nil
}
