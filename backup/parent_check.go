package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/argo-backup/argo-backup/manifest"
)

// checkRemote lists the remote once before a push and compares it with the
// backups this host committed. It returns parent if it, and every backup it
// builds on, is still whole on the remote; else nil (a full backup) and
// why: an incremental on a parent the remote lost (deleted, rolled back)
// would commit fine and never restore. It also returns every loss found,
// which the push forgets once it has committed (forgetLost).
func (p *Pusher) checkRemote(ctx context.Context, sv Subvolume, committed []*manifest.Record, parent *manifest.Record) (*manifest.Record, string, []Loss, error) {
	losses, err := RemoteLosses(ctx, p.Store, p.Host, sv.Name, committed)
	if err != nil {
		return nil, "", nil, fmt.Errorf("push %s: checking the remote still holds what this host pushed: %w", sv.Name, err)
	}
	if parent == nil {
		return nil, "", losses, nil
	}
	chain, err := manifest.Chain(committed, parent.Snapshot)
	if err != nil {
		return nil, fmt.Sprintf("the chain of parent %s is incomplete in state_dir (%v)", parent.Snapshot, err), losses, nil
	}
	var lost []string
	for _, l := range losses {
		if slices.ContainsFunc(chain, func(r *manifest.Record) bool { return r.Snapshot == l.Snapshot }) {
			lost = append(lost, l.String())
		}
	}
	if len(lost) == 0 {
		return parent, "", losses, nil
	}
	return nil, fmt.Sprintf("parent %s cannot be restored from the remote any more (%s)", parent.Snapshot, strings.Join(lost, "; ")), losses, nil
}

// forgetLost moves the state copies of backups the remote lost aside, into
// state_dir's lost/ folder: they must no longer be chosen as parents, kept
// by retention or reported by every later status and verify, but the host
// remembers that they were lost (status shows them until that folder is
// deleted).
func (p *Pusher) forgetLost(sv Subvolume, losses []Loss) {
	for _, l := range losses {
		p.log().Warn("the remote lost a backup this host pushed: forgetting it", "subvolume", sv.Name, "snapshot", l.Snapshot, "what", l.What)
		if err := p.State.MarkLost(p.Host, sv.Name, l); err != nil {
			p.log().Warn("could not move the lost backup's record aside", "snapshot", l.Snapshot, "err", err)
		}
	}
}

// parentLost says why an interrupted incremental on parent must not be
// finished: the remote lost parent or a backup it builds on. "" if whole.
func (p *Pusher) parentLost(ctx context.Context, sv Subvolume, parent *manifest.Record) (string, error) {
	committed, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return "", err
	}
	kept, why, _, err := p.checkRemote(ctx, sv, committed, parent)
	if err != nil || kept != nil {
		return "", err
	}
	return why, nil
}
