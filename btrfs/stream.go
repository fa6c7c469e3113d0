package btrfs

import "github.com/argo-backup/argo-backup/sendstream"

// The send stream format lives in package sendstream; these names keep the
// btrfs package's callers (backup, restore) unchanged.
type (
	// Validator is sendstream.Validator.
	Validator = sendstream.Validator
	// StreamInfo is sendstream.StreamInfo.
	StreamInfo = sendstream.StreamInfo
)

// NewValidator is sendstream.NewValidator.
func NewValidator() *Validator { return sendstream.NewValidator() }
