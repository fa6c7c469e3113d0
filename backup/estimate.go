package backup

import (
	"context"
	"sort"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// estimateSize is estimate, and for a first full, where there is no
// earlier full to go by, the subvolume's referenced bytes where quotas are
// enabled (btrfs.Referenced); 0 when nothing says.
func (p *Pusher) estimateSize(ctx context.Context, sv Subvolume, committed []*manifest.Record, full bool) int64 {
	if p.Progress == nil {
		return 0 // nobody to show it to
	}
	if n := estimate(committed, full); n > 0 || !full {
		return n
	}
	n, err := btrfs.Referenced(ctx, sv.Path)
	if err != nil {
		p.log().Debug("no size estimate for the first full: quotas are off", "subvolume", sv.Name, "err", err)
		return 0
	}
	return n
}

// estimate guesses the size of the stream a push is about to send, for the
// progress bar's percent and ETA: a full is about as big as the last full
// (the subvolume rarely shrinks or doubles between fulls); an incremental
// about as big as the median of the last few incrementals. 0 when there is
// nothing to go by. It is only ever shown as an estimate.
func estimate(committed []*manifest.Record, full bool) int64 {
	var sizes []int64
	for i := len(committed) - 1; i >= 0 && len(sizes) < 5; i-- {
		r := committed[i]
		if r.IsFull() != full {
			continue
		}
		sizes = append(sizes, r.PlainBytes)
		if full {
			break // the newest full says the most
		}
	}
	if len(sizes) == 0 {
		return 0
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	return sizes[len(sizes)/2]
}
