package main

import (
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
