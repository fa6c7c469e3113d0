package remote

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Object names on the remote (docs/formats.md, "Layout"):
//
//	argo-backup.json
//	<host>/<subvol>/<snapshot>/part-000000.zst.age
//	<host>/<subvol>/<snapshot>/record.json.age
//	<host>/locks/<subvol>.lock
//	keys/<host>.identity.age
const (
	recordFile   = "record.json.age"
	partPrefix   = "part-"
	partSuffix   = ".zst.age"
	locksDir     = "locks"
	keysDir      = "keys"
	lockSuffix   = ".lock"
	escrowSuffix = ".identity.age"
)

// SnapshotDir is the directory holding one backup's parts and record.
func SnapshotDir(host, subvol, snapshot string) string {
	return path.Join(host, subvol, snapshot)
}

// PartName is the object holding part i of a backup.
func PartName(host, subvol, snapshot string, i int) string {
	return path.Join(SnapshotDir(host, subvol, snapshot), fmt.Sprintf("%s%06d%s", partPrefix, i, partSuffix))
}

// RecordName is the object that commits a backup; it is written last.
func RecordName(host, subvol, snapshot string) string {
	return path.Join(SnapshotDir(host, subvol, snapshot), recordFile)
}

// LockName is the object that says who is writing host's subvol.
func LockName(host, subvol string) string {
	return path.Join(host, locksDir, subvol+lockSuffix)
}

// EscrowName is the object holding host's passphrase-protected identity.
func EscrowName(host string) string {
	return path.Join(keysDir, host+escrowSuffix)
}

// CertificateName is where certify leaves a host's signing certificate for
// the host to pick up: keys/<host>.signing.cert. It is public.
func CertificateName(host string) string {
	return "keys/" + host + ".signing.cert"
}

// ParsePath splits a backup object's name, as List returns it, into its
// parts. ok is false for anything else (locks, keys, the marker).
func ParsePath(name string) (host, subvol, snapshot, file string, ok bool) {
	f := strings.Split(name, "/")
	if len(f) != 4 || f[0] == keysDir || f[1] == locksDir {
		return "", "", "", "", false
	}
	for _, s := range f {
		if s == "" {
			return "", "", "", "", false
		}
	}
	return f[0], f[1], f[2], f[3], true
}

// IsRecord reports whether file (as ParsePath returns it) is a record.
func IsRecord(file string) bool { return file == recordFile }

// ParsePartFile returns the index of a part file as ParsePath returns it.
func ParsePartFile(file string) (index int, ok bool) {
	digits, found := strings.CutPrefix(file, partPrefix)
	if !found {
		return 0, false
	}
	digits, found = strings.CutSuffix(digits, partSuffix)
	if !found || len(digits) < 6 {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

// CheckName is the one rule for host and subvolume names, which become
// folder names on every backend: one plain path element of letters,
// digits, '.', '-' and '_', not starting with '.' or '-', and none of the
// names the layout reserves. kind says what the name is, for the message
// ("host", "subvolumes[0].name").
func CheckName(kind, name string) error {
	if !safeName.MatchString(name) || name == locksDir || name == keysDir || name == MarkerName {
		return fmt.Errorf("%s %q: use letters, digits, '.', '-' and '_' only, not starting with '.' or '-' (and not %s, %s or %s)",
			kind, name, locksDir, keysDir, MarkerName)
	}
	return nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
