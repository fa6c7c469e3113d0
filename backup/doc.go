// Package backup takes read-only snapshots of btrfs subvolumes and stores
// them on a remote: snapshot, parent choice, the send pipeline (send,
// validate, cut, seal, upload) and the record that commits the backup.
//
// The record is written last. Until it exists the parts on the remote are not
// a backup, only the beginning of one: an interrupted push leaves nothing that
// looks complete, and the next push finishes or replaces it.
package backup
