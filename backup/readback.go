package backup

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// readBackAttempts bounds the uploads of one part whose read-back differs.
const readBackAttempts = 3

// errReadBack marks a part that the remote does not hold as uploaded.
var errReadBack = errors.New("the part did not read back as uploaded")

// readBack checks what the remote now holds under name against the sealed
// bytes just uploaded: the size, and the sha256 or md5 where the listing
// gives one; where it gives neither, the object is downloaded and hashed.
// The upload's own check (remote.Store.Put) compares the remote with what
// reached it; this compares it with what the push meant to store, so that
// a layer that lost bytes on the way is caught before the record commits.
// It returns the object's md5 where known, for later listings (S3).
func (p *Pusher) readBack(ctx context.Context, name string, sealed []byte, storedSHA256 string) (string, error) {
	e, err := p.Store.Stat(ctx, name)
	if err != nil {
		return "", fmt.Errorf("read back %s: %w", name, err)
	}
	mismatch := func(what, got, want string) error {
		return fmt.Errorf("%w: %s has %s %s, want %s", errReadBack, name, what, got, want)
	}
	if e.Size != int64(len(sealed)) {
		return "", mismatch("size", fmt.Sprint(e.Size), fmt.Sprint(len(sealed)))
	}
	switch {
	case e.SHA256 != "":
		if e.SHA256 != storedSHA256 {
			return "", mismatch("sha256", e.SHA256, storedSHA256)
		}
		return e.MD5, nil
	case e.MD5 != "":
		sum := md5.Sum(sealed)
		if want := hex.EncodeToString(sum[:]); e.MD5 != want {
			return "", mismatch("md5", e.MD5, want)
		}
		return e.MD5, nil
	}
	return "", p.downloadBack(ctx, name, storedSHA256, mismatch)
}

// downloadBack reads the object back where the backend lists no hash,
// hashing it as it streams: a second part-sized buffer per worker would
// raise the push's memory bound.
func (p *Pusher) downloadBack(ctx context.Context, name, storedSHA256 string, mismatch func(what, got, want string) error) error {
	rc, err := p.Store.Open(ctx, name)
	if err != nil {
		return fmt.Errorf("read back %s: %w", name, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return fmt.Errorf("read back %s: %w", name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != storedSHA256 {
		return mismatch("sha256", got, storedSHA256)
	}
	return nil
}

// putChecked uploads a sealed part and reads it back, uploading it again
// (up to readBackAttempts times in all) while the remote holds something
// else. It returns the object's md5 where known.
//
// Where the upload itself compared a hash that the remote computed over
// what it holds with the sealed bytes (remote.Checked: the local backend
// reads the file back, Drive and B2 list their own sums, S3 its md5), the
// read-back would prove the same again, and is skipped: on a local remote
// it read and hashed every part a second time. Only a remote that checked
// the size alone (WebDAV, an S3 multipart upload) is read back.
func (p *Pusher) putChecked(ctx context.Context, name string, sealed []byte, storedSHA256 string) (string, error) {
	var err error
	for attempt := 1; attempt <= readBackAttempts; attempt++ {
		var checked remote.Checked
		if checked, err = p.Store.PutSHA256(ctx, name, sealed, storedSHA256); err != nil {
			return "", fmt.Errorf("upload %s: %w", name, err)
		}
		if checked.Hash != "" {
			return checked.MD5, nil
		}
		var md5sum string
		md5sum, err = p.readBack(ctx, name, sealed, storedSHA256)
		if err == nil {
			return md5sum, nil
		}
		if !errors.Is(err, errReadBack) {
			return "", err
		}
		p.log().Warn("a part did not read back as uploaded: uploading it again", "object", name, "attempt", attempt, "err", err)
	}
	return "", fmt.Errorf("upload %s: %w (after %d uploads)", name, err, readBackAttempts)
}

// markReadBack notes, once rec is committed, that the parts this push read
// back were intact then, so that a budgeted verify reads older parts first.
// The log is a cache: failing to write it is worth a warning, no more.
func (p *Pusher) markReadBack(j *pushJournal, rec *manifest.Record) {
	j.mu.Lock()
	readBack := j.readBack
	j.mu.Unlock()
	if len(readBack) == 0 {
		return
	}
	log := p.State.CheckLog(p.Host, rec.Subvolume)
	now := p.now()
	for _, part := range rec.Parts {
		if md5sum, ok := readBack[part.Index]; ok {
			log.Mark(remote.PartName(p.Host, rec.Subvolume, rec.Snapshot, part.Index), part, md5sum, now)
		}
	}
	if err := p.State.SaveCheckLog(p.Host, rec.Subvolume, log); err != nil {
		p.log().Warn("could not note the parts read back after the push: verify --budget reads them again", "err", err)
	}
}
