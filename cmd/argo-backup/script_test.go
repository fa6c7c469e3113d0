package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"argo-backup": func() {
			pauseFromEnv()
			os.Exit(run())
		},
	})
}

// TestScripts runs the CLI stories in testdata/script: what a user types and
// what they must see. Scripts that need root and btrfs say so with
// [!root] skip; under CI=true those run (CI runs as root).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exits,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			// A typo such as [rot] must not skip a script silently.
			return false, fmt.Errorf("unknown condition %q: the scripts know [root]", cond)
		},
	})
}

// exits runs a command and checks its exit status: `exits 2 argo-backup ...`.
// Scripts rely on the distinct statuses, so the tests check them exactly.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits STATUS command [args...]")
	}
	err := ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		got = exitErr.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if strconv.Itoa(got) != args[0] {
		ts.Fatalf("%s exited with status %d, want %s", args[1], got, args[0])
	}
}
