// Package nodac runs a test, or a command, as root without the capabilities
// that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
//
// A folder that its owner cannot read (chmod 000) is what a remote with
// root_squash NFS, a wrong owner or a backend refusing a listing looks like,
// and the tests of how argo-backup reports it must see the refusal. Root,
// which CI runs as, reads such a folder anyway; capabilities are per
// thread, so a Go test cannot drop them for itself. It runs again under
// setpriv(1) (util-linux) instead, as root still, so files it made are its
// own, only without those two capabilities.
package nodac

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const childEnv = "ARGO_BACKUP_TEST_NODAC"

// Args is the command prefix that runs a command without the two
// capabilities: setpriv, with them dropped from the bounding set, so that
// the exec that follows cannot gain them.
func Args() []string {
	return []string{"setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"}
}

// Needed says whether t runs with the power to read any file: as root,
// and not already under Args.
func Needed() bool { return os.Geteuid() == 0 && os.Getenv(childEnv) == "" }

// Rerun runs t's test again in a child test process under Args and reports
// its output, when Needed; then it returns false and the caller returns.
// Otherwise (not root, or the child itself) it returns true: go on.
func Rerun(t *testing.T) bool {
	t.Helper()
	if !Needed() {
		return true
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	name := t.Name()
	if i := strings.IndexByte(name, '/'); i >= 0 {
		t.Fatalf("nodac.Rerun in subtest %s: call it at the top of the test", name)
	}
	args := append(Args(), exe, "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("as root without CAP_DAC_OVERRIDE (%s):\n%s", strings.Join(Args(), " "), out)
	if err != nil {
		t.Fatalf("the test, run without CAP_DAC_OVERRIDE: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("the test did not run (and pass) without CAP_DAC_OVERRIDE")
	}
	return false
}
