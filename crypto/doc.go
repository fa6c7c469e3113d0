// Package crypto seals and opens argo-backup's stored objects.
//
// A part of a send stream is sealed by compressing it with zstd and then
// encrypting it with age to every configured recipient; opening reverses
// both steps as a stream, so a restore never holds a whole part in memory.
// Records are small and only encrypted (see Encrypt and Decrypt).
//
// Recipients are public (age X25519 or SSH keys) so that push, daemon and
// prune never need a secret. Identities are only needed to read the remote,
// and are loaded from files that must not be readable by group or others.
package crypto
