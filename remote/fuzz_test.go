package remote

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Everything below parses bytes or names read from the remote, which
// anyone with write access to it controls.

// FuzzLockFile: a lock object of any content is read without a panic, and
// what decodes is reported and judged (stale, dead) without one.
func FuzzLockFile(f *testing.F) {
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	real, err := json.Marshal(lockFile{Holder: "workstation pid 4242", Since: now, Heartbeat: now.Add(time.Hour),
		Token: newToken(), Boot: "6a1c5e5e-3b6f-4f7e-9d61-0c1f2e3d4c5b", PID: 4242})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add([]byte(`{"holder":"workstation pid 4242","since":"2026-11-26T02:00:00Z","heartbeat":"2026-11-26T03:30:00Z","token":"9f3c"}`))
	f.Add([]byte(`{"pid":-1,"boot":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var l lockFile
		if json.Unmarshal(data, &l) != nil {
			return
		}
		_ = l.locked(LockName("h", "home")).Error()
		_ = l.deadHere()
	})
}

// FuzzFormatMarker: only a marker of a format this version reads passes,
// and every refusal names the remote and says what to do.
func FuzzFormatMarker(f *testing.F) {
	f.Add([]byte(`{"format":1,"created":"2026-11-26T00:42:00Z"}` + "\n"))
	f.Add([]byte(`{"format":2,"created":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"format":1e400}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkMarker("gdrive:argo", data)
		var m marker
		valid := json.Unmarshal(data, &m) == nil && m.Format >= 1 && m.Format <= FormatVersion
		if (err == nil) != valid {
			t.Fatalf("marker %q: %v, want accepted = %v", data, err, valid)
		}
		if err != nil && (!strings.Contains(err.Error(), "gdrive:argo") || strings.Contains(err.Error(), "\n")) {
			t.Fatalf("marker %q: refusal %q does not name the remote on one line", data, err)
		}
	})
}

// FuzzObjectNames: listing names are split only into names the layout can
// have made: four non-empty elements, never a lock or a key, and a part
// index that is not negative.
func FuzzObjectNames(f *testing.F) {
	for _, name := range []string{
		PartName("workstation", "home", "home.20261126T005616Z", 3),
		RecordName("workstation", "home", "home.20261126T005616Z"),
		LockName("workstation", "home"),
		EscrowName("workstation"),
		MarkerName,
		"workstation/home/home.20261126T005616Z/part-0000007.zst.age",
		"a//b/c",
	} {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		host, subvol, snapshot, file, ok := ParsePath(name)
		if ok {
			if strings.Join([]string{host, subvol, snapshot, file}, "/") != name || host == keysDir || subvol == locksDir {
				t.Fatalf("ParsePath(%q) = %q %q %q %q", name, host, subvol, snapshot, file)
			}
			if i, ok := ParsePartFile(file); ok && i < 0 {
				t.Fatalf("ParsePartFile(%q) = %d", file, i)
			}
		}
		if CheckName("host", name) == nil && (strings.ContainsAny(name, "/\\:") || name == keysDir || name == "" || name == "." || name == "..") {
			t.Fatalf("CheckName accepted host %q", name)
		}
	})
}
