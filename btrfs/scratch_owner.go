package btrfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A LoopFS names its image and mount directory after the process that made
// it (owner), so that what a SIGKILLed process left can be told apart from
// what a live one is using: the boot, the pid and the pid's start time
// (pids are reused; start times within a boot are not).
//
//	argo-loop-<boot>.<pid>.<start>-<random>.img
//	argo-mnt-<boot>.<pid>.<start>-<random>
const (
	loopPrefix = "argo-loop-"
	mntPrefix  = "argo-mnt-"
)

// owner identifies a process across pid reuse and reboots.
type owner struct {
	boot  string // the first 8 characters of the kernel's boot_id
	pid   int
	start uint64 // clock ticks after boot, /proc/PID/stat field 22
}

func (o owner) String() string { return fmt.Sprintf("%s.%d.%d", o.boot, o.pid, o.start) }

// self is this process as an owner; the zero owner if /proc cannot say,
// which names scratch the old way (its owner unknown, never swept).
func self() owner {
	boot, err := bootID()
	if err != nil {
		return owner{}
	}
	start, err := startTime(os.Getpid())
	if err != nil {
		return owner{}
	}
	return owner{boot: boot, pid: os.Getpid(), start: start}
}

// ownerPattern is the os.CreateTemp/MkdirTemp pattern for a scratch entry
// of this process with prefix and suffix.
func ownerPattern(prefix, suffix string) string {
	o := self()
	if o.boot == "" {
		return prefix + "*" + suffix
	}
	return prefix + o.String() + "-*" + suffix
}

// parseOwner reads the owner from a scratch entry's base name; ok is false
// for anything not named by a LoopFS, and known is false for the names of
// earlier versions, which carry no owner.
func parseOwner(name string) (o owner, known, ok bool) {
	rest, found := strings.CutPrefix(name, loopPrefix)
	if found {
		if rest, found = strings.CutSuffix(rest, ".img"); !found {
			return owner{}, false, false
		}
	} else if rest, found = strings.CutPrefix(name, mntPrefix); !found {
		return owner{}, false, false
	}
	tag, _, hasRandom := strings.Cut(rest, "-")
	fields := strings.Split(tag, ".")
	if !hasRandom || len(fields) != 3 {
		return owner{}, false, true
	}
	pid, err1 := strconv.Atoi(fields[1])
	start, err2 := strconv.ParseUint(fields[2], 10, 64)
	if err1 != nil || err2 != nil || len(fields[0]) != 8 {
		return owner{}, false, true
	}
	return owner{boot: fields[0], pid: pid, start: start}, true, true
}

// alive reports whether o is a process running now.
func (o owner) alive() bool {
	if boot, err := bootID(); err != nil || boot != o.boot {
		return err != nil // cannot tell: assume alive, touch nothing
	}
	start, err := startTime(o.pid)
	return err == nil && start == o.start
}

func bootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("reading boot id: %w", err)
	}
	id := strings.ReplaceAll(strings.TrimSpace(string(b)), "-", "")
	if len(id) < 8 {
		return "", fmt.Errorf("reading boot id: %q is too short", id)
	}
	return id[:8], nil
}

// startTime is field 22 of /proc/PID/stat; the fields are counted after
// the command name, which is in parentheses and may hold spaces.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	fields := strings.Fields(string(b[i+1:]))
	if i < 0 || len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64) // field 22 is the 20th after ")"
}
