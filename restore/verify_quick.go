package restore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// quick checks every backup in scope without a filesystem: each part is
// listed with its recorded size (and hash, where the remote keeps one),
// decrypts, decompresses and has its recorded plaintext sha256, and the
// whole stream parses (every command's crc32c, END last), has the
// record's sha256 and names the record's UUIDs.
func (v *Verifier) quick(ctx context.Context, sc *scope) error {
	for _, rec := range sc.order {
		if err := v.quickOne(ctx, sc, rec); err != nil {
			return err
		}
	}
	return nil
}

func (v *Verifier) quickOne(ctx context.Context, sc *scope, rec *manifest.Record) error {
	c := sc.check(rec)
	present := listedParts(sc, rec, c)
	intact := len(present) == len(rec.Parts)
	stream := btrfs.NewValidator()
	whole := sha256.New()
	v.progress().Start(rec.Snapshot, rec.PlainBytes)
	err := v.fetchParts(ctx, rec, present, v.ahead(), func(_ manifest.Part, data []byte, err error) error {
		if err != nil {
			c.fail(problemOf(rec.Snapshot, err))
			intact = false
			return nil
		}
		v.progress().Add(int64(len(data)))
		if !intact {
			return nil
		}
		chunked.Write(whole, data)
		if _, err := stream.Write(data); err != nil {
			c.fail(Problem{Snapshot: rec.Snapshot, What: err.Error()})
			intact = false
		}
		return nil
	})
	v.progress().Finish()
	if err != nil {
		return err
	}
	if intact {
		checkStream(c, rec, stream, whole)
	}
	return nil
}

// listedParts checks rec's parts against the listing and returns those
// worth downloading; the others get a problem on c without a download.
func listedParts(sc *scope, rec *manifest.Record, c *Check) []manifest.Part {
	var present []manifest.Part
	for _, p := range rec.Parts {
		name := remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, p.Index)
		e, ok := sc.objects[name]
		problem := Problem{Snapshot: rec.Snapshot, Object: name}
		switch {
		case !ok:
			problem.What = "missing from the remote"
		case e.Size != p.StoredBytes:
			problem.What = fmt.Sprintf("stored size is %d bytes, the record says %d", e.Size, p.StoredBytes)
		case e.SHA256 != "" && e.SHA256 != p.StoredSHA256:
			problem.What = fmt.Sprintf("the remote's sha256 is %s, the record says %s", e.SHA256, p.StoredSHA256)
		default:
			present = append(present, p)
			continue
		}
		c.fail(problem)
	}
	return present
}

// checkStream checks the whole plaintext stream of an intact set of parts.
func checkStream(c *Check, rec *manifest.Record, stream *btrfs.Validator, whole hash.Hash) {
	fail := func(format string, args ...any) {
		c.fail(Problem{Snapshot: rec.Snapshot, What: fmt.Sprintf(format, args...)})
	}
	info, err := stream.Finish()
	if err != nil {
		fail("%v", err)
		return
	}
	if got := hex.EncodeToString(whole.Sum(nil)); got != rec.StreamSHA256 {
		fail("the stream's sha256 is %s, the record says %s", got, rec.StreamSHA256)
		return
	}
	if info.UUID != rec.UUID {
		fail("the stream is of subvolume UUID %s, the record says %s", info.UUID, rec.UUID)
	}
	if info.ParentUUID != rec.ParentUUID {
		fail("the stream's parent UUID is %q, the record says %q", info.ParentUUID, rec.ParentUUID)
	}
}

// problemOf turns an error from fetching a part into a problem naming the
// part's object.
func problemOf(snapshot string, err error) Problem {
	var pe *PartError
	if errors.As(err, &pe) {
		return Problem{Snapshot: pe.Snapshot, Object: pe.Object, What: pe.Err.Error()}
	}
	return Problem{Snapshot: snapshot, What: err.Error()}
}
