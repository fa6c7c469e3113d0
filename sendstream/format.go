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

// Attribute types (TLV tags), as in btrfs-progs kernel-shared/send.h.
const (
	attrUUID             = 1
	attrCTransID         = 2
	attrIno              = 3
	attrSize             = 4
	attrMode             = 5
	attrUID              = 6
	attrGID              = 7
	attrRdev             = 8
	attrCtime            = 9
	attrMtime            = 10
	attrAtime            = 11
	attrOtime            = 12
	attrXattrName        = 13
	attrXattrData        = 14
	attrPath             = 15
	attrPathTo           = 16
	attrPathLink         = 17
	attrFileOffset       = 18
	attrData             = 19
	attrCloneUUID        = 20
	attrCloneCTransID    = 21
	attrClonePath        = 22
	attrCloneOffset      = 23
	attrCloneLen         = 24
	attrFallocateMode    = 25 // v2
	attrFileattr         = 26
	attrUnencodedFileLen = 27
	attrUnencodedLen     = 28
	attrUnencodedOffset  = 29
	attrCompression      = 30
	attrEncryption       = 31
	attrVerityAlgorithm  = 32 // v3
	attrVerityBlockSize  = 33
	attrVeritySalt       = 34
	attrVeritySig        = 35
	attrMax              = 35
)

// Compression values of ENCODED_WRITE (btrfs_encoded_io_compression).
const (
	CompressNone  = 0
	CompressZlib  = 1
	CompressZstd  = 2
	CompressLzo4K = 3 // 3..7: lzo with 4 KiB .. 64 KiB sectors
	CompressLzo64 = 7
)
