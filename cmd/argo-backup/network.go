package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/remote"
)

// networkFlags are --transfers and --bwlimit, on push, restore and verify.
type networkFlags struct {
	transfers int
	bwlimit   string
	cmd       *cobra.Command // to tell a flag given from its default
}

func addNetworkFlags(cmd *cobra.Command, f *networkFlags) {
	f.cmd = cmd
	fl := cmd.Flags()
	// No default of its own (0 is never used: network reads the flag only
	// when it was given), so that --help states the one default there is.
	fl.IntVar(&f.transfers, "transfers", 0,
		fmt.Sprintf("parts uploaded or downloaded at once, 1..%d, e.g. --transfers 8 (default: transfers from the config, %d)",
			config.MaxTransfers, config.DefaultTransfers))
	fl.StringVar(&f.bwlimit, "bwlimit", "",
		`bandwidth limit in rclone's syntax, e.g. --bwlimit 10M, 10M:50M (upload:download) or "08:00,2M 23:00,off"`)
}

// network resolves transfers and the bandwidth limit for one command and
// puts the limit in place; stop lifts it. The config's bwlimit applies
// only where useConfigLimit (push and verify, as the daemon runs them): a
// restore after a disaster is never throttled unless --bwlimit says so.
// Inside the daemon the daemon holds the config's limit, so a job adds
// none of its own.
func (a *app) network(ctx context.Context, f networkFlags, useConfigLimit bool) (transfers int, stop func(), err error) {
	transfers, stop = a.cfg.Transfers, func() {}
	if f.cmd != nil && f.cmd.Flags().Changed("transfers") {
		if err := config.ValidTransfers("--transfers", f.transfers); err != nil {
			return 0, stop, err
		}
		transfers = f.transfers
	}
	text := ""
	switch {
	case f.cmd != nil && f.cmd.Flags().Changed("bwlimit"):
		text = f.bwlimit
	case useConfigLimit && !a.daemonJob:
		text = a.cfg.BwLimit
	}
	limit, err := config.ParseBwLimit(flagOrKey(f, "bwlimit"), text)
	if err != nil {
		return 0, stop, err
	}
	if limit.IsSet() {
		a.log.Info("bandwidth limit", "bwlimit", limit.String())
		stop = remote.LimitBandwidth(ctx, limit)
	}
	return transfers, stop, nil
}

func flagOrKey(f networkFlags, key string) string {
	if f.cmd != nil && f.cmd.Flags().Changed(key) {
		return "--" + key
	}
	return key
}

// daemonLimit puts the config's bandwidth limit in place for the daemon's
// jobs, replacing the one of the config before a reload.
func (a *app) daemonLimit() {
	limit, err := config.ParseBwLimit("bwlimit", a.cfg.BwLimit)
	if err != nil {
		return // Load validated it
	}
	if limit.IsSet() {
		a.log.Info("bandwidth limit for the daemon's jobs", "bwlimit", limit.String())
	}
	remote.LimitBandwidth(context.Background(), limit)
}
