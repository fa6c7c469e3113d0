package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/fserrors"
	"github.com/rclone/rclone/fs/hash"
	"github.com/rclone/rclone/fs/object"
)

// verifyHashes are the hashes Put hands to the backend and checks after
// the upload, strongest first; every shipped backend keeps one of them,
// except webdav, which keeps none.
var verifyHashes = []hash.Type{hash.SHA256, hash.SHA1, hash.MD5}

// Put stores data as name, replacing any object of that name, and checks
// what the remote then holds: the size always, the content too where the
// backend keeps one of our hashes. Failures are retried from data, with
// backoff, up to Options.Retries times.
//
// An existing object is updated rather than uploaded again, because Drive
// would otherwise keep both under the same name.
func (s *Store) Put(ctx context.Context, name string, data []byte) error {
	src, size := bytes.NewReader(data), int64(len(data))
	sums, err := s.sums(src, size, "")
	if err != nil {
		return err
	}
	_, err = s.put(ctx, name, src, size, sums)
	return err
}

// Checked is what Put found the remote to hold after an upload, beyond
// the size, which it always checks.
type Checked struct {
	// Hash names the hash ("sha256", "sha1", "md5") that the remote
	// computed over what it holds and that matched the caller's data (for
	// sha256 given to PutSHA256: matched that sum); "" when the backend
	// keeps none of them (webdav) or reported none (an S3 multipart
	// upload): then only the size was checked.
	Hash string
	// MD5 is the object's md5 where that was the hash checked, for
	// listings that report only md5 (S3).
	MD5 string
}

// PutSHA256 is Put for the size bytes of src, whose sha256 the caller has
// computed anyway (a part's stored_sha256): where the backend keeps sha256
// (local, Drive), that is the hash verified, and the data is not read a
// second time to hash it. The result says which hash the remote's copy was
// checked with, so that the caller need not read the object back again to
// prove the same. src is read from its start for every attempt: a part
// spooled to a file (backup/spool.go) is uploaded from the file, not from
// memory.
func (s *Store) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (Checked, error) {
	sums, err := s.sums(src, size, sha256Hex)
	if err != nil {
		return Checked{}, err
	}
	return s.put(ctx, name, src, size, sums)
}

func (s *Store) put(ctx context.Context, name string, src io.ReaderAt, size int64, sums map[hash.Type]string) (Checked, error) {
	var checked Checked
	err := s.retry(ctx, "upload "+name, func() (err error) {
		checked, err = s.putOnce(ctx, name, src, size, sums)
		return err
	})
	if err != nil {
		return Checked{}, fmt.Errorf("uploading %s to %s: %w", name, s, explainStall(s.uploadLimit(err), s.opt.StallTimeout))
	}
	return checked, nil
}

// ErrUploadLimit is matched (errors.Is) by the error of an upload that the
// remote refused because the account's upload quota for the day is used up.
// Retrying today is pointless; what is stored stays stored.
var ErrUploadLimit = errors.New("the daily upload limit of Google Drive (750 GB a day) is used up: " +
	"the parts uploaded so far are kept, and the next push after the limit resets (within 24 hours) resumes from there")

// uploadLimit marks Drive's daily upload limit with ErrUploadLimit. rclone
// makes it a fatal error (stop_on_upload_limit, on by default, see Open);
// an ordinary rate limit has the same reason but is retried, never fatal.
func (s *Store) uploadLimit(err error) error {
	if s.backend == "drive" && fserrors.IsFatalError(err) && strings.Contains(err.Error(), "userRateLimitExceeded") {
		return fmt.Errorf("%w: %w", ErrUploadLimit, err)
	}
	return err
}

func (s *Store) putOnce(ctx context.Context, name string, data io.ReaderAt, size int64, sums map[hash.Type]string) (Checked, error) {
	src := object.NewStaticObjectInfo(name, time.Now(), size, true, sums, s.f)
	old, err := s.newObject(ctx, name)
	in, done := s.accounted(ctx, name, size, io.NewSectionReader(data, 0, size))
	switch {
	case err == nil:
		err = old.Update(ctx, in, src)
	case isNotFound(err):
		_, err = s.f.Put(ctx, in, src)
	}
	done(err)
	if err != nil {
		return Checked{}, err
	}
	return s.verify(ctx, name, size, sums)
}

// sums computes the hashes Put gives the backend: the strongest one it
// keeps, for verify, and MD5 too on S3, which checks an upload against its
// Content-MD5. A known sha256 is used rather than computed again; only a
// hash still needed reads data.
func (s *Store) sums(data io.ReaderAt, size int64, knownSHA256 string) (map[hash.Type]string, error) {
	var set hash.Set
	for _, t := range verifyHashes {
		if s.f.Hashes().Contains(t) && (set.Count() == 0 || (t == hash.MD5 && s.backend == "s3")) {
			set.Add(t)
		}
	}
	known := map[hash.Type]string{}
	if knownSHA256 != "" && set.Contains(hash.SHA256) {
		known[hash.SHA256] = knownSHA256
		set = set.Overlap(hash.NewHashSet(hash.MD5))
	}
	if set.Count() > 0 {
		mh, err := hash.NewMultiHasherTypes(set)
		if err != nil { // only for unknown types, which verifyHashes are not
			panic(err)
		}
		if _, err := io.Copy(mh, io.NewSectionReader(data, 0, size)); err != nil {
			return nil, fmt.Errorf("hashing for upload: %w", err)
		}
		for t, v := range mh.Sums() {
			known[t] = v
		}
	}
	return known, nil
}

// verify reads back what the remote holds under name. One matching hash is
// proof enough; a backend that has none of ours gets only the size check.
// On a local directory too the file is hashed again, not compared with
// data: the sha256 a caller gives PutSHA256 is what the record names, and
// only a hash of the file proves the file matches it (a compare would take
// sealed bytes damaged after they were hashed).
func (s *Store) verify(ctx context.Context, name string, size int64, sums map[hash.Type]string) (Checked, error) {
	o, err := s.newObject(ctx, name)
	if err != nil {
		return Checked{}, fmt.Errorf("reading back after upload: %w", err)
	}
	if o.Size() != size {
		return Checked{}, &MismatchError{Name: name, What: "size", Want: fmt.Sprint(size), Got: fmt.Sprint(o.Size())}
	}
	for _, t := range verifyHashes {
		want, ok := sums[t]
		if !ok {
			continue
		}
		got, err := o.Hash(ctx, t)
		if err != nil {
			return Checked{}, fmt.Errorf("reading back %s after upload: %w", t, err)
		}
		if got == "" {
			continue // e.g. an S3 multipart upload has no md5
		}
		if !strings.EqualFold(got, want) {
			return Checked{}, &MismatchError{Name: name, What: t.String(), Want: want, Got: got}
		}
		checked := Checked{Hash: t.String()}
		if t == hash.MD5 {
			checked.MD5 = strings.ToLower(got)
		}
		return checked, nil
	}
	return Checked{}, nil
}

// MismatchError says the remote holds something other than what was
// uploaded.
type MismatchError struct {
	Name, What, Want, Got string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s holds %s %s after upload, want %s", e.Name, e.What, e.Got, e.Want)
}

func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrorObjectNotFound) || errors.Is(err, fs.ErrorDirNotFound)
}
