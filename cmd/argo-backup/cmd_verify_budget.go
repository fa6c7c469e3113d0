package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// checkBudget refuses what a budgeted verify cannot do, before anything
// runs: one line, exit 2.
func (f verifyFlags) checkBudget() (restore.Budget, error) {
	switch {
	case !f.quick:
		return restore.Budget{}, errs.Userf("--budget limits the quick check: add --quick (the test restore reads whole chains)")
	case f.snapshot != "":
		return restore.Budget{}, errs.Userf("--budget checks every backup in turn: drop --snapshot, or drop --budget to check that one backup")
	}
	b, err := restore.ParseBudget(f.budget)
	if err != nil {
		return b, errs.Userf("--%v", err)
	}
	return b, nil
}

// verifyBudget runs the budgeted quick check of the subvolumes names of
// host, with the check logs in state_dir, and reports it.
func (a *app) verifyBudget(ctx context.Context, v *restore.Verifier, host string, names []string, b restore.Budget, asJSON bool) error {
	st := a.state()
	logs := map[string]*manifest.CheckLog{}
	for _, n := range names {
		logs[n] = st.CheckLog(host, n)
	}
	rep, err := v.VerifyBudget(ctx, host, names, restore.BudgetOptions{Budget: b, Logs: logs})
	if err != nil {
		return err
	}
	a.reportResult(rep)
	for n, l := range logs {
		if err := st.SaveCheckLog(host, n, l); err != nil {
			a.log.Warn("could not save what was checked: the next run may check the same parts again", "err", err)
		}
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, line := range rep.Lines() {
			fmt.Fprintln(a.stdout, line)
		}
	}
	if !rep.OK() {
		return errs.Damage(fmt.Errorf("%d damaged parts or records found: see the report; push --full makes a new chain", len(rep.Problems)))
	}
	return nil
}

// budgetScope is every subvolume of this host: those in the config (so that
// one without backups yet is said to have nothing to check) and those with
// backups on the remote.
func (a *app) budgetScope(ctx context.Context, cat *restore.Catalog, host string) ([]string, error) {
	names, err := cat.Subvolumes(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, sv := range a.cfg.Subvolumes {
		if !slices.Contains(names, sv.Name) {
			names = append(names, sv.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}
