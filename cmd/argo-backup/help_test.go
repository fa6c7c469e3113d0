package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// Every command explains itself with a description and an example, and
// every flag with a usage line: --help is the manual on a live USB.
func TestHelpIsComplete(t *testing.T) {
	root := newRootCommand(&globals{})
	for _, cmd := range root.Commands() {
		if cmd.Hidden || cmd.Name() == "help" || cmd.Name() == "completion" {
			continue
		}
		if cmd.Long == "" || cmd.Example == "" {
			t.Errorf("%s: --help lacks a description or an example", cmd.Name())
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if len(f.Usage) < 10 {
				t.Errorf("%s --%s: usage %q explains nothing", cmd.Name(), f.Name, f.Usage)
			}
		})
	}
}

// A flag states its default once: a usage that explains the default itself
// ("default: transfers from the config") must not get pflag's "(default 4)"
// after it, which in push --help read as two different defaults.
func TestHelpOneDefault(t *testing.T) {
	root := newRootCommand(&globals{})
	for _, cmd := range root.Commands() {
		for _, line := range strings.Split(cmd.Flags().FlagUsages(), "\n") {
			if strings.Count(line, "default") > 1 {
				t.Errorf("%s --help: two defaults on one line: %s", cmd.Name(), strings.TrimSpace(line))
			}
		}
	}
}

// A number flag given something else says so in words, exit 2, instead of
// quoting strconv.
func TestFlagNumberErrors(t *testing.T) {
	cases := []struct{ arg, want string }{
		{"--transfers=abc", `--transfers "abc": not a whole number: write one like --transfers 8`},
		{"--transfers=4.5", `--transfers "4.5": not a whole number`},
		{"--transfers=99999999999999999999", "--transfers 99999999999999999999: the number is too large"},
	}
	for _, c := range cases {
		got := runCLIOut(t, 2, "push", c.arg)
		if !strings.Contains(got, c.want) || strings.Contains(got, "strconv") || strings.Count(strings.TrimSpace(got), "\n") > 0 {
			t.Errorf("push %s: %q, want one line saying %q", c.arg, got, c.want)
		}
	}
}
