package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// storeIndex writes an index (by write) to a temporary file in state_dir,
// stores it on the remote, and then keeps the file as the plain copy the
// next push builds on. The index is never whole in memory: it is hashed
// as it is written, signed through a small head that names that hash
// (index.SignedHead), and sealed from the file; only the sealed object,
// compressed, is held for the upload.
func (p *Pusher) storeIndex(ctx context.Context, subvol, snapshot, parent string, write func(io.Writer) error) (*manifest.IndexRef, error) {
	local := p.localIndexPath(subvol, snapshot)
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return nil, fmt.Errorf("keep file index of %s in state_dir: %w", snapshot, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(local), ".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("keep file index of %s in state_dir: %w", snapshot, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum := &hashCounter{h: sha256.New()}
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, sum), 256<<10)
	if err := write(bw); err != nil {
		return nil, fmt.Errorf("write file index of %s: %w", snapshot, err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write file index of %s: %w", snapshot, err)
	}
	head := index.SignedHead{Subvol: subvol, Snapshot: snapshot, Parent: parent,
		IndexSHA256: hex.EncodeToString(sum.h.Sum(nil)), IndexBytes: sum.n}
	ref, err := p.uploadIndex(ctx, head, io.NewSectionReader(tmp, 0, sum.n))
	if err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("keep file index of %s in state_dir: %w", snapshot, err)
	}
	if err := os.Rename(tmp.Name(), local); err != nil {
		return nil, fmt.Errorf("keep file index of %s in state_dir: %w", snapshot, err)
	}
	return ref, nil
}

// uploadIndex seals and uploads the index object: the signed head (one
// JSON line) followed by the index, or without a Signer the bare index.
func (p *Pusher) uploadIndex(ctx context.Context, head index.SignedHead, body io.Reader) (*manifest.IndexRef, error) {
	var envelope []byte
	if p.Signer != nil {
		payload, err := json.Marshal(head)
		if err != nil {
			return nil, fmt.Errorf("sign file index of %s: %w", head.Snapshot, err)
		}
		if envelope, err = p.Signer.Sign(index.SignedHeadType, payload); err != nil {
			return nil, fmt.Errorf("sign file index of %s: %w", head.Snapshot, err)
		}
	}
	size := int64(len(envelope)) + head.IndexBytes
	plain := &hashCounter{h: sha256.New()}
	var sealed bytes.Buffer
	src := io.TeeReader(io.MultiReader(bytes.NewReader(envelope), body), plain)
	if err := p.Sealer.SealFrom(&sealed, src, size); err != nil {
		return nil, fmt.Errorf("seal file index of %s: %w", head.Snapshot, err)
	}
	storedSum := chunked.SHA256(sealed.Bytes())
	name := remote.IndexName(p.Host, head.Subvol, head.Snapshot)
	if _, err := p.putChecked(ctx, name, bytes.NewReader(sealed.Bytes()), hex.EncodeToString(storedSum[:]), nil); err != nil {
		return nil, err
	}
	return &manifest.IndexRef{PlainBytes: size, PlainSHA256: hex.EncodeToString(plain.h.Sum(nil)),
		StoredBytes: int64(sealed.Len()), StoredSHA256: hex.EncodeToString(storedSum[:])}, nil
}

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return c.h.Write(b)
}
