// Package remote is argo-backup's view of an rclone remote: a flat store of
// named objects (parts, records, locks, the format marker) under one root.
//
// It hides rclone's process-global configuration behind Open, uploads from
// memory with a known size so every backend can check what it stored, and
// verifies each upload itself, because some backends (local, memory) accept
// short input silently.
package remote
