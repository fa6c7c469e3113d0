package sendstream

import "fmt"

// Cmd is a send stream command type, numbered as in btrfs-progs
// kernel-shared/send.h.
type Cmd uint16

// Commands of protocol versions 1, 2 and 3.
const (
	CmdSubvol       Cmd = 1
	CmdSnapshot     Cmd = 2
	CmdMkfile       Cmd = 3
	CmdMkdir        Cmd = 4
	CmdMknod        Cmd = 5
	CmdMkfifo       Cmd = 6
	CmdMksock       Cmd = 7
	CmdSymlink      Cmd = 8
	CmdRename       Cmd = 9
	CmdLink         Cmd = 10
	CmdUnlink       Cmd = 11
	CmdRmdir        Cmd = 12
	CmdSetXattr     Cmd = 13
	CmdRemoveXattr  Cmd = 14
	CmdWrite        Cmd = 15
	CmdClone        Cmd = 16
	CmdTruncate     Cmd = 17
	CmdChmod        Cmd = 18
	CmdChown        Cmd = 19
	CmdUtimes       Cmd = 20
	CmdEnd          Cmd = 21
	CmdUpdateExtent Cmd = 22
	CmdFallocate    Cmd = 23 // v2
	CmdFileattr     Cmd = 24 // v2
	CmdEncodedWrite Cmd = 25 // v2
	CmdEnableVerity Cmd = 26 // v3
)

var cmdNames = [...]string{
	CmdSubvol: "subvol", CmdSnapshot: "snapshot", CmdMkfile: "mkfile",
	CmdMkdir: "mkdir", CmdMknod: "mknod", CmdMkfifo: "mkfifo",
	CmdMksock: "mksock", CmdSymlink: "symlink", CmdRename: "rename",
	CmdLink: "link", CmdUnlink: "unlink", CmdRmdir: "rmdir",
	CmdSetXattr: "set_xattr", CmdRemoveXattr: "remove_xattr",
	CmdWrite: "write", CmdClone: "clone", CmdTruncate: "truncate",
	CmdChmod: "chmod", CmdChown: "chown", CmdUtimes: "utimes", CmdEnd: "end",
	CmdUpdateExtent: "update_extent", CmdFallocate: "fallocate",
	CmdFileattr: "fileattr", CmdEncodedWrite: "encoded_write",
	CmdEnableVerity: "enable_verity",
}

// String returns btrfs-progs' name of the command, or "command N".
func (c Cmd) String() string {
	if int(c) < len(cmdNames) && cmdNames[c] != "" {
		return cmdNames[c]
	}
	return fmt.Sprintf("command %d", uint16(c))
}

// Attribute types (TLV tags), as in btrfs-progs kernel-shared/send.h;
// Command.Has tells which a command carried.
const (
	AttrUUID             = 1
	AttrCTransID         = 2
	AttrIno              = 3
	AttrSize             = 4
	AttrMode             = 5
	AttrUID              = 6
	AttrGID              = 7
	AttrRdev             = 8
	AttrCtime            = 9
	AttrMtime            = 10
	AttrAtime            = 11
	AttrOtime            = 12
	AttrXattrName        = 13
	AttrXattrData        = 14
	AttrPath             = 15
	AttrPathTo           = 16
	AttrPathLink         = 17
	AttrFileOffset       = 18
	AttrData             = 19
	AttrCloneUUID        = 20
	AttrCloneCTransID    = 21
	AttrClonePath        = 22
	AttrCloneOffset      = 23
	AttrCloneLen         = 24
	AttrFallocateMode    = 25 // v2
	AttrFileattr         = 26
	AttrUnencodedFileLen = 27
	AttrUnencodedLen     = 28
	AttrUnencodedOffset  = 29
	AttrCompression      = 30
	AttrEncryption       = 31
	AttrVerityAlgorithm  = 32 // v3
	AttrVerityBlockSize  = 33
	AttrVeritySalt       = 34
	AttrVeritySig        = 35
	AttrMax              = 35
)

// Compression values of ENCODED_WRITE (btrfs_encoded_io_compression).
const (
	CompressNone  = 0
	CompressZlib  = 1
	CompressZstd  = 2
	CompressLzo4K = 3 // 3..7: lzo with 4 KiB .. 64 KiB sectors
	CompressLzo64 = 7
)
