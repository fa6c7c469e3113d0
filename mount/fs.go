package mount

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// Source is what the filesystem shows: a host's trusted backups of some
// subvolumes, read through a Catalog.
type Source struct {
	Catalog *restore.Catalog
	Host    string
	Subvols []string
	// Cache, when set, keeps the parts read for the life of the mount
	// (a DiskCache); without it only the last two parts are kept.
	Cache restore.PartCache
	// Log receives what a reader only sees as EIO (a refused index, a
	// damaged part); nil drops it.
	Log func(msg string, err error)

	mu      sync.Mutex
	refused map[string]error // backups whose index was refused (damage): by snapshot
}

// refusal is the error a backup's index was refused with, or nil.
func (s *Source) refusal(snapshot string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[snapshot]
}

// refuse remembers that snapshot's index was refused as damaged or
// untrusted, and logs it, once: the object will not change while mounted,
// and every ls or stat asking again would download it again and fill the
// log. A failure that may pass (the network) is not remembered.
func (s *Source) refuse(snapshot string, err error) {
	if !errs.IsDamage(err) {
		s.log("file index of "+snapshot, err)
		return
	}
	s.mu.Lock()
	if s.refused == nil {
		s.refused = map[string]error{}
	}
	_, known := s.refused[snapshot]
	s.refused[snapshot] = err
	s.mu.Unlock()
	if !known {
		s.log("file index of "+snapshot+" refused: it stays unreadable until the next mount", err)
	}
}

// ttl is how long the kernel may cache names and attributes: backups never
// change, but a new one may appear under a subvolume.
const ttl = time.Minute

// Mount serves src at dir until Unmount (fusermount -u dir) or Wait.
func Mount(dir string, src *Source) (*fuse.Server, error) {
	d := ttl
	opts := &fs.Options{EntryTimeout: &d, AttrTimeout: &d, MountOptions: fuse.MountOptions{
		FsName: "argo-backup", Name: "argo-backup", Options: []string{"ro"}, DisableXAttrs: true}}
	return fs.Mount(dir, &rootNode{src: src}, opts)
}

func (s *Source) log(msg string, err error) {
	if s.Log != nil {
		s.Log(msg, err)
	}
}

// rootNode lists the subvolumes.
type rootNode struct {
	fs.Inode
	src *Source
}

var (
	_ fs.NodeLookuper  = (*rootNode)(nil)
	_ fs.NodeReaddirer = (*rootNode)(nil)
)

func (r *rootNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	for _, sv := range r.src.Subvols {
		if sv == name {
			if ch := r.GetChild(name); ch != nil {
				return ch, 0
			}
			return r.NewInode(ctx, &subvolNode{src: r.src, name: name}, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
		}
	}
	return nil, syscall.ENOENT
}

func (r *rootNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	var list []fuse.DirEntry
	for _, sv := range r.src.Subvols {
		list = append(list, fuse.DirEntry{Name: sv, Mode: syscall.S_IFDIR})
	}
	return fs.NewListDirStream(list), 0
}

// subvolNode lists a subvolume's trusted backups.
type subvolNode struct {
	fs.Inode
	src  *Source
	name string
}

var (
	_ fs.NodeLookuper  = (*subvolNode)(nil)
	_ fs.NodeReaddirer = (*subvolNode)(nil)
)

func (s *subvolNode) records(ctx context.Context) ([]*manifest.Record, syscall.Errno) {
	recs, err := s.src.Catalog.Records(ctx, s.src.Host, s.name)
	if err != nil {
		s.src.log("list the backups of "+s.name, err)
		return nil, syscall.EIO
	}
	return recs, 0
}

func (s *subvolNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if ch := s.GetChild(name); ch != nil {
		return ch, 0
	}
	recs, errno := s.records(ctx)
	if errno != 0 {
		return nil, errno
	}
	for _, r := range recs {
		if r.Snapshot == name {
			if s.src.refusal(name) != nil {
				return nil, syscall.EIO
			}
			root := &treeNode{snap: &snapshot{src: s.src, recs: recs, name: name}, ino: index.RootIno}
			// The kernel keeps the attributes a lookup answers for ttl:
			// left empty, the backup's root would show as 0755 root:root
			// of 1970 until then, not as the subvolume's root was. This
			// reads the backup's indexes (no part), as listing it would.
			var a fuse.AttrOut
			if errno := root.Getattr(ctx, nil, &a); errno != 0 {
				return nil, errno
			}
			out.Attr = a.Attr
			return s.NewInode(ctx, root, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
		}
	}
	return nil, syscall.ENOENT
}

func (s *subvolNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	recs, errno := s.records(ctx)
	if errno != 0 {
		return nil, errno
	}
	var list []fuse.DirEntry
	for _, r := range recs {
		list = append(list, fuse.DirEntry{Name: r.Snapshot, Mode: syscall.S_IFDIR})
	}
	return fs.NewListDirStream(list), 0
}

// snapshot is one backup: its tree, loaded from the indexes when first
// needed, and its chain's streams.
type snapshot struct {
	src     *Source
	recs    []*manifest.Record
	name    string
	once    sync.Once
	tree    *index.Tree
	streams *restore.PartStreams
	err     error
}

func (s *snapshot) load(ctx context.Context) (*index.Tree, syscall.Errno) {
	s.once.Do(func() {
		if s.err = s.src.refusal(s.name); s.err != nil {
			return
		}
		s.tree, s.err = s.src.Catalog.Tree(ctx, s.src.Host, s.recs, s.name)
		s.streams = restore.NewPartStreams(s.src.Catalog, s.src.Host, s.recs)
		s.streams.Cache = s.src.Cache
		if s.err != nil {
			s.src.refuse(s.name, s.err)
		}
	})
	if s.err != nil {
		return nil, syscall.EIO
	}
	return s.tree, 0
}
