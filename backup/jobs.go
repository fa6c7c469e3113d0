package backup

import (
	"context"
	"time"
)

// backupRun is the daemon's job for one subvolume under plan p: a push,
// logged and reported.
func (s *scheduler) backupRun(p *Plan, sv Subvolume) func(context.Context) error {
	return func(ctx context.Context) error {
		log := s.d.log().With("subvolume", sv.Name)
		log.Info("backup started")
		start := s.d.now()
		rec, err := p.Backup(ctx, sv)
		end := s.d.now()
		p.Reporter.Pushed(ctx, sv, start, end, rec, err)
		switch {
		case err != nil && ctx.Err() != nil:
			log.Info("backup stopped: nothing committed, the next run carries on", "err", err)
		case err != nil:
			log.Error("backup failed", "err", err, "duration", end.Sub(start).Round(time.Millisecond))
		default:
			log.Info("backup done", "snapshot", rec.Snapshot, "depth", rec.Depth, "bytes", rec.PlainBytes,
				"stored", rec.StoredBytes, "duration", end.Sub(start).Round(time.Millisecond))
		}
		return err
	}
}

// taskRun is the daemon's job for a task (verify, prune) under plan p.
func (s *scheduler) taskRun(p *Plan, t Task) func(context.Context) error {
	return func(ctx context.Context) error {
		log := s.d.log().With("task", t.Name)
		log.Info("task started")
		start := s.d.now()
		err := t.Run(ctx)
		end := s.d.now()
		p.Reporter.Ran(ctx, t.Name, start, end, err)
		switch {
		case err != nil && ctx.Err() != nil:
			log.Info("task stopped", "err", err)
		case err != nil:
			log.Error("task failed", "err", err)
		default:
			log.Info("task done", "duration", end.Sub(start).Round(time.Millisecond))
		}
		return err
	}
}
