// Package index is the file index of a backup: for every inode a backup's
// send stream adds or changes, its metadata and where its bytes lie in the
// stream, so that ls, find, diff, cat and restore --path read indexes and
// only the parts that hold the wanted bytes, never whole chains.
//
// An index is a delta keyed by inode number: an incremental's index holds
// the whole record of each inode the stream touched (a directory's record
// all its entries), and a tree is the records of a full's index overlaid by
// its descendants' (Tree.Apply). Inode numbers are stable across snapshots
// of one subvolume, which makes renames and moved directories free: only
// the directories whose entries changed are written again.
//
// The package is pure logic over sendstream commands; I/O is the caller's.
package index
