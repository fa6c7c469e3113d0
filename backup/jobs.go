package backup

import (
	"context"
	"time"
)

// backupRun is the daemon's job for one subvolume under plan p: a push,
// logged, reported and pinged.
func (s *scheduler) backupRun(p *Plan, sc Scheduled) func(context.Context) error {
	sv := sc.Subvolume
	return func(ctx context.Context) error {
		log := s.d.log().With("subvolume", sv.Name)
		log.Info("backup started")
		p.Pinger.Start(sc.Ping)
		start := s.d.now()
		rec, err := p.Backup(ctx, sv)
		end := s.d.now()
		p.Reporter.Pushed(ctx, sv, start, end, rec, err)
		p.ended(ctx, sc.Ping, newJobResult(p.Reporter, "push", sv.Name, start, end, rec, err))
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
		p.Pinger.Start(t.Ping)
		start := s.d.now()
		sink := &resultSink{}
		err := t.Run(ctx, sink.set)
		end := s.d.now()
		p.Reporter.Ran(ctx, t.Name, start, end, err)
		res := newJobResult(p.Reporter, t.Name, "", start, end, nil, err)
		res.Report = sink.get()
		p.ended(ctx, t.Ping, res)
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

// ended pings the job's check and posts its result to the webhook. A job
// stopped by ctx (SIGTERM) neither succeeded nor failed: nothing is sent,
// and the check's grace time tells if the next run never comes.
func (p *Plan) ended(ctx context.Context, ping string, r JobResult) {
	if r.Error != "" && ctx.Err() != nil {
		return
	}
	var err error
	if r.Error != "" {
		err = jobError(r.Error)
	}
	p.Pinger.Done(ping, err)
	if p.WebhookURL != "" {
		if body, jerr := r.JSON(); jerr == nil {
			p.Pinger.Post(p.WebhookURL, body)
		}
	}
}

type jobError string

func (e jobError) Error() string { return string(e) }
