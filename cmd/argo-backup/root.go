package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// globals are the flags every command shares.
type globals struct {
	configPath string
	logFormat  string
	quiet      bool
	verbose    bool
	stdout     io.Writer
	stderr     io.Writer
	logs       *logSwitch // stderr for log lines, above the progress bars when live
	escrow     bool       // restore/list/verify --escrow: use the identity escrowed on the remote
	escrowHost string     // whose escrowed identity: --host, or the config's host
}

// execute runs the CLI with args and returns the exit status.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
	case ctx.Err() != nil && !errors.Is(err, errAborted):
		// Every command carries on where it stopped when run again: push
		// resumes its parts, restore finishes, verify and prune start over.
		fmt.Fprintf(stderr, "argo-backup: interrupted (%v): run the same command again to carry on\n", context.Cause(ctx))
	default:
		report(stderr, err)
	}
	return exitCode(ctx, err)
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "argo-backup",
		Short: "Encrypted off-site backups of btrfs subvolumes",
		Long: `argo-backup takes read-only btrfs snapshots, sends them incrementally,
compresses (zstd) and encrypts (age) the stream and stores it on any rclone
remote. restore replays the chain onto a new disk; verify proves it restores.`,
		Version:       version,
		Args:          unknownCommand,
		RunE:          func(c *cobra.Command, _ []string) error { return c.Help() },
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return errs.User(fmt.Errorf("%w: see '%s --help'", flagValueError(err), c.CommandPath()))
	})
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configPath, "config", "c", config.DefaultPath, "config file (YAML), e.g. --config /etc/argo-backup/config.yaml")
	pf.StringVar(&g.logFormat, "log-format", "", "log format: text or json (default: text on a terminal, json otherwise for the daemon)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars, only errors")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "more log lines")
	root.AddCommand(
		newPushCommand(g),
		newRestoreCommand(g),
		newListCommand(g),
		newKeygenCommand(g),
		newCertifyCommand(g),
		newInitCommand(g),
		newDemoCommand(g),
		newDoctorCommand(g),
		newVerifyCommand(g),
		newDaemonCommand(g),
		newStatusCommand(g),
		newPruneCommand(g),
		newLsCommand(g), newFindCommand(g), newDiffCommand(g), newCatCommand(g), newIndexCommand(g), newMountCommand(g),
	)
	addEscrowFlags(g, root)
	return root
}

// logger builds the slog logger for this run.
// interactive reports whether stderr is a terminal (progress bars go there).
func (g *globals) interactive() bool {
	f, ok := g.stderr.(*os.File)
	return ok && !g.quiet && term.IsTerminal(int(f.Fd()))
}

// noArgs and maxArgs are cobra's argument checks, returning user errors
// (exit 2) instead of cobra's plain ones.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return errs.Userf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return errs.Userf("%s takes at most %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// unknownCommand refuses a first word that names no command. Cobra's own
// check only returns text; this one returns a user error (exit 2).
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return errs.Userf("unknown command %q: see 'argo-backup --help' for the commands", args[0])
	}
	return nil
}
