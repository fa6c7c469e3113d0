package btrfs

import "github.com/argo-backup/argo-backup/sendstream"

// iocGetSubvolInfo is BTRFS_IOC_GET_SUBVOL_INFO:
// _IOR(BTRFS_IOCTL_MAGIC, 60, struct btrfs_ioctl_get_subvol_info_args).
const iocGetSubvolInfo = 0x81F8943C

// rootSubvolRdonly is BTRFS_ROOT_SUBVOL_RDONLY. GET_SUBVOL_INFO reports the
// root item's flags, where read-only is bit 0; BTRFS_SUBVOL_RDONLY (1<<1) is
// the different flag of the snapshot-creation ioctls.
const rootSubvolRdonly = 1 << 0

// ioctlTimespec is struct btrfs_ioctl_timespec; C pads it to 16 bytes.
type ioctlTimespec struct {
	Sec  uint64
	Nsec uint32
	_    uint32
}

// getSubvolInfoArgs is struct btrfs_ioctl_get_subvol_info_args from
// linux/btrfs.h, 504 bytes (0x1F8, the size encoded in iocGetSubvolInfo).
type getSubvolInfoArgs struct {
	TreeID       uint64
	Name         [256]byte
	ParentID     uint64
	DirID        uint64
	Generation   uint64
	Flags        uint64
	UUID         [16]byte
	ParentUUID   [16]byte
	ReceivedUUID [16]byte
	CTransID     uint64
	OTransID     uint64
	STransID     uint64
	RTransID     uint64
	CTime        ioctlTimespec
	OTime        ioctlTimespec
	STime        ioctlTimespec
	RTime        ioctlTimespec
	Reserved     [8]uint64
}

func (a *getSubvolInfoArgs) info() *SubvolInfo {
	return &SubvolInfo{
		TreeID:       a.TreeID,
		UUID:         sendstream.FormatUUID(a.UUID[:]),
		ParentUUID:   sendstream.FormatUUID(a.ParentUUID[:]),
		ReceivedUUID: sendstream.FormatUUID(a.ReceivedUUID[:]),
		CTransID:     a.CTransID,
		Generation:   a.Generation,
		ReadOnly:     a.Flags&rootSubvolRdonly != 0,
	}
}
