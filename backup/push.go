package backup

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Version is the tool version written into every record.
var Version = "dev"

// Pusher backs up subvolumes of one host to one remote.
type Pusher struct {
	Host             string
	Store            *remote.Store
	Sealer           *crypto.Sealer
	Recipients       []age.Recipient // records are encrypted to these
	State            State
	PartSize         int64
	CompressionLevel int  // recorded; the Sealer does the compressing
	SendCompressed   bool // use send protocol 2 with --compressed-data where supported
	Workers          int  // parts sealed and uploaded at once; 0: one per CPU
	Log              *slog.Logger
	Progress         Progress
	Now              func() time.Time
}

// Progress receives the bytes of the send stream as they pass. Start is
// called once per backup with the snapshot name.
type Progress interface {
	Start(name string, total int64)
	Add(n int64)
	Finish()
}

type noProgress struct{}

func (noProgress) Start(string, int64) {}
func (noProgress) Add(int64)           {}
func (noProgress) Finish()             {}

func (p *Pusher) progress() Progress {
	if p.Progress == nil {
		return noProgress{}
	}
	return p.Progress
}

func (p *Pusher) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

func (p *Pusher) now() time.Time {
	if p.Now == nil {
		return time.Now().UTC()
	}
	return p.Now().UTC()
}

func (p *Pusher) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return max(2, runtime.NumCPU())
}

// Push takes a snapshot of sv and stores it on the remote, incrementally
// against the newest committed snapshot that still exists locally, or in
// full. It returns the committed record.
func (p *Pusher) Push(ctx context.Context, sv Subvolume, full bool) (*manifest.Record, error) {
	if err := CheckSource(sv); err != nil {
		return nil, err
	}
	committed, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	local, err := localSnapshots(sv)
	if err != nil {
		return nil, err
	}
	now, err := p.freshSecond(ctx, sv, local)
	if err != nil {
		return nil, err
	}
	parent, reason := manifest.ChooseParent(sv.Parents, committed, local, now, full)
	name, path, err := takeSnapshot(ctx, sv, now)
	if err != nil {
		return nil, err
	}
	rec, err := p.send(ctx, sv, name, path, parent, reason, now)
	if err != nil {
		// The snapshot was never committed: nothing needs it.
		if derr := btrfs.Delete(context.WithoutCancel(ctx), path); derr != nil {
			p.log().Warn("could not delete the uncommitted snapshot", "snapshot", path, "err", derr)
		}
		return nil, fmt.Errorf("push %s: %w", sv.Name, err)
	}
	removed, err := pruneLocal(ctx, sv, map[string]bool{rec.Snapshot: true})
	for _, r := range removed {
		p.log().Info("deleted old local snapshot", "snapshot", r)
	}
	if err != nil {
		p.log().Warn("local retention", "subvolume", sv.Name, "err", err)
	}
	return rec, nil
}

// send stores the snapshot at path and commits its record.
func (p *Pusher) send(ctx context.Context, sv Subvolume, name, path string, parent *manifest.Record, reason string, now time.Time) (*manifest.Record, error) {
	o := btrfs.SendOptions{Proto2Compressed: p.SendCompressed && btrfs.SupportsProto2(ctx)}
	kind := "full"
	if parent != nil {
		o.Parent = filepath.Join(sv.SnapshotDir, parent.Snapshot)
		kind = "incremental on " + parent.Snapshot
	}
	p.log().Info("backup", "subvolume", sv.Name, "snapshot", name, "kind", kind, "why", reason)
	p.progress().Start(name, -1)
	s, err := p.storeStream(ctx, path, o, func(i int) string {
		return remote.PartName(p.Host, sv.Name, name, i)
	})
	p.progress().Finish()
	if err != nil {
		return nil, err
	}
	if parent != nil && s.info.ParentUUID != parent.UUID {
		return nil, fmt.Errorf("the stream's parent %s does not match the record of %s (%s): not committed", s.info.ParentUUID, parent.Snapshot, parent.UUID)
	}
	rec := p.record(sv, name, parent, o, s, now)
	if err := p.commit(ctx, rec); err != nil {
		return nil, err
	}
	p.log().Info("committed", "snapshot", name, "bytes", s.bytes, "stored", s.stored, "parts", len(s.parts))
	return rec, nil
}

func (p *Pusher) record(sv Subvolume, name string, parent *manifest.Record, o btrfs.SendOptions, s *stream, now time.Time) *manifest.Record {
	rec := &manifest.Record{
		Format:           manifest.FormatVersion,
		ToolVersion:      Version,
		Host:             p.Host,
		Subvolume:        sv.Name,
		SourcePath:       sv.Path,
		Snapshot:         name,
		UUID:             s.info.UUID,
		CTransID:         s.info.CTransID,
		Created:          now,
		SendProto:        int(s.info.Version),
		CompressionLevel: p.CompressionLevel,
		PartSize:         p.PartSize,
		PlainBytes:       s.bytes,
		StoredBytes:      s.stored,
		StreamSHA256:     s.sha256,
		Parts:            s.parts,
	}
	if o.Proto2Compressed {
		rec.SendFlags = []string{"--proto", "2", "--compressed-data"}
	}
	if parent != nil {
		rec.Parent = parent.Snapshot
		rec.ParentUUID = s.info.ParentUUID
		rec.ParentCTransID = s.info.ParentCTransID
		rec.Depth = parent.Depth + 1
	}
	return rec
}

// commit writes the record, the commit point of a backup, and keeps the
// plaintext copy in state_dir.
func (p *Pusher) commit(ctx context.Context, rec *manifest.Record) error {
	if rec.Parent != "" && rec.ParentUUID == "" {
		return fmt.Errorf("the send stream of %s names no parent although one was given: not committed", rec.Snapshot)
	}
	rec.Committed = p.now()
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("record of %s: %w", rec.Snapshot, err)
	}
	data, err := manifest.EncodeRecord(rec)
	if err != nil {
		return err
	}
	sealed, err := crypto.Encrypt(p.Recipients, data)
	if err != nil {
		return fmt.Errorf("encrypt record: %w", err)
	}
	if err := p.Store.Put(ctx, remote.RecordName(p.Host, rec.Subvolume, rec.Snapshot), sealed); err != nil {
		return fmt.Errorf("write record of %s: %w", rec.Snapshot, err)
	}
	if err := p.State.SaveRecord(rec); err != nil {
		return fmt.Errorf("backup %s is committed on the remote, but its local copy failed: %w", rec.Snapshot, err)
	}
	return nil
}

// freshSecond returns the time for the new snapshot. Snapshot names carry
// the time to the second; a push within the same second as the previous
// one waits for the next second rather than fail.
func (p *Pusher) freshSecond(ctx context.Context, sv Subvolume, local []string) (time.Time, error) {
	now := p.now()
	for range 3 {
		if !slices.Contains(local, manifest.SnapshotName(sv.Name, now)) {
			return now, nil
		}
		select {
		case <-time.After(time.Until(now.Truncate(time.Second).Add(time.Second))):
		case <-ctx.Done():
			return now, ctx.Err()
		}
		now = p.now()
	}
	return now, fmt.Errorf("snapshot %s already exists", manifest.SnapshotName(sv.Name, now))
}
