package remote

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// compareBack is verify on a local-directory remote: it reads the file
// back and compares it with data byte for byte. The local backend's Hash
// reads the file back too and hashes it, which cost a push of 380 MiB
// ~0.2 s of sha256 (docs/performance.md, "fourth round"); comparing the
// same bytes with the data (a spooled part's file, read from the page
// cache) proves the file holds them, which is what the hash proved, for a
// fraction of the CPU. want is data's sha256 (computed by sums or given to
// PutSHA256): matching data is matching it.
func (s *Store) compareBack(ctx context.Context, o fs.Object, name string, data *io.SectionReader, want string) (Checked, error) {
	rc, err := o.Open(ctx)
	if err != nil {
		return Checked{}, fmt.Errorf("reading back %s after upload: %w", name, err)
	}
	defer rc.Close()
	buf, mine := make([]byte, compareSlice), make([]byte, compareSlice)
	var pos int64
	for {
		n, err := io.ReadFull(rc, buf)
		if int64(n) > data.Size()-pos {
			return Checked{}, &MismatchError{Name: name, What: hash.SHA256.String(), Want: want, Got: "other bytes"}
		}
		if _, rerr := data.ReadAt(mine[:n], pos); rerr != nil && n > 0 {
			return Checked{}, fmt.Errorf("reading back %s after upload: reading what was uploaded: %w", name, rerr)
		}
		if !bytes.Equal(buf[:n], mine[:n]) {
			return Checked{}, &MismatchError{Name: name, What: hash.SHA256.String(), Want: want, Got: "other bytes"}
		}
		pos += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return Checked{}, fmt.Errorf("reading back %s after upload: %w", name, err)
		}
	}
	if pos != data.Size() {
		return Checked{}, &MismatchError{Name: name, What: "size", Want: fmt.Sprint(data.Size()), Got: fmt.Sprint(pos)}
	}
	return Checked{Hash: hash.SHA256.String()}, nil
}

// compareSlice is how much of the file compareBack reads at a time.
const compareSlice = 256 << 10
