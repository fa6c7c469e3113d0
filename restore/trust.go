package restore

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
)

// Why a record is not trusted. Each is what list, verify and restore print.
const (
	ReasonUnsigned      = "unsigned"
	ReasonUnknownSigner = "unknown signer (not certified by this identity)"
	ReasonBadCert       = "bad certificate"
	ReasonBadSignature  = "bad signature"
	ReasonRevoked       = "signed by a revoked key"
	ReasonUndecryptable = "record does not decrypt (damaged, or not for this identity)"
	ReasonTooLarge      = "too large to be a record"
	ReasonInvalid       = "invalid record"
	ReasonUnreadable    = "cannot be read"
)

// Entry is one record object on the remote and how far it is trusted.
type Entry struct {
	Object   string           // the record's object name
	Snapshot string           // the snapshot it is stored under
	subvol   string           // the subvolume it is stored under
	Record   *manifest.Record // nil when it could not be read or decoded
	Trusted  bool
	How      string // trusted: "signed" or "endorsed by SNAPSHOT"
	Reason   string // untrusted: one of the Reason constants, with detail
	hash     string
	cert     *crypto.Certificate // set when the signature checked out
	revoked  bool                // signed by a revoked key, before its revocation
	// wrongIdentity: the record is encrypted, intact, to other recipients.
	wrongIdentity bool
}

// Certificate is the certificate of the key that signed the record, when
// the signature checked out; nil otherwise.
func (e *Entry) Certificate() *crypto.Certificate { return e.cert }

// Unsigned reports whether the record is intact but unsigned and nobody
// endorsed it: what --trust-unsigned may restore.
func (e *Entry) Unsigned() bool { return !e.Trusted && e.Record != nil && e.Reason == ReasonUnsigned }

func (e *Entry) distrust(reason string, detail error) {
	e.Trusted, e.How, e.Reason = false, "", reason
	if detail != nil {
		e.Reason = fmt.Sprintf("%s: %v", reason, detail)
	}
}

// classify opens one decrypted record object: a signature envelope checked
// against roots, or a bare first-format record (unsigned until endorsed).
// host, subvol, snapshot are where it is stored, which it must name.
func classify(e *Entry, plain []byte, roots []ed25519.PublicKey, host, subvol string) {
	payload := plain
	var cert *crypto.Certificate
	if crypto.IsSigned(plain) {
		env, err := crypto.DecodeSigned(plain)
		if err != nil {
			e.distrust(ReasonBadSignature, err)
			return
		}
		v, err := crypto.VerifySigned(env, manifest.SignedRecordType, roots)
		if err != nil {
			e.distrust(signatureReason(err), nil)
			return
		}
		payload, cert = v.Payload, v.Cert
	}
	rec, err := manifest.DecodeRecord(payload)
	if err != nil {
		e.distrust(ReasonInvalid, err)
		return
	}
	if err := rec.CheckLocation(host, subvol, e.Snapshot); err != nil {
		e.distrust("wrong place", err)
		return
	}
	if cert != nil && cert.Host != rec.Host {
		e.distrust(ReasonBadCert, fmt.Errorf("signed with the key of host %q", cert.Host))
		return
	}
	// The hash of the exact bytes, not of a re-encoding: a reader older
	// than the writer would drop fields it does not know and hash
	// something else than what the expected lists name.
	e.hash = manifest.RecordHash(payload)
	e.Record, e.cert = rec, cert
	if cert == nil {
		e.distrust(ReasonUnsigned, nil)
		return
	}
	e.Trusted, e.How = true, "signed"
}

func signatureReason(err error) string {
	switch {
	case errors.Is(err, crypto.ErrNoCertificate), errors.Is(err, crypto.ErrUnknownSigner):
		return ReasonUnknownSigner
	case errors.Is(err, crypto.ErrBadCertificate):
		return ReasonBadCert
	}
	return ReasonBadSignature
}

// applyRevocations distrusts every record signed by a key that a trusted
// certificate revokes, from the revocation's date on (by commit time). The
// revocations come from every signed record of the host, so deleting one
// object does not undo one. A thief holding the old key could backdate a
// record; so a record of a revoked key dated before the revocation stays
// trusted only while no record of the same subvolume is signed by a key in
// good standing, or when such a record endorses it (its expected list names
// every backup the host had).
func applyRevocations(entries []*Entry) {
	var revs []crypto.Revocation
	for _, e := range entries {
		if e.cert != nil {
			revs = append(revs, e.cert.Revokes...)
		}
	}
	var early []*Entry // signed by a revoked key before its revocation
	for _, e := range entries {
		if e.cert == nil || !e.Trusted {
			continue
		}
		for _, r := range revs {
			if string(r.Key) != string(e.cert.Key) {
				continue
			}
			if !e.Record.Committed.Before(r.From) {
				e.distrust(ReasonRevoked, fmt.Errorf("%s revoked from %s", crypto.FormatPublicKey(r.Key), r.From.Format(time.RFC3339)))
				e.cert = nil
				break
			}
			e.revoked = true
		}
		if e.revoked && e.Trusted {
			early = append(early, e)
		}
	}
	for _, e := range early {
		if by := newestInGoodStanding(entries, e.Record.Subvolume); by != nil && !by.Record.Endorses(e.Snapshot, e.hash) {
			e.distrust(ReasonRevoked, fmt.Errorf("its key is revoked, and %s (signed since by the new key) does not name it", by.Snapshot))
			e.cert = nil
		}
	}
}

// newestInGoodStanding is the newest trusted record of subvol signed by a
// key nobody revoked, or nil.
func newestInGoodStanding(entries []*Entry, subvol string) *Entry {
	var newest *Entry
	for _, e := range entries {
		if e.Trusted && e.cert != nil && !e.revoked && e.Record.Subvolume == subvol &&
			(newest == nil || newest.Record.Created.Before(e.Record.Created)) {
			newest = e
		}
	}
	return newest
}

// applyEndorsements trusts an unsigned or revoked record whose exact record
// hash a signed, trusted record of the same subvolume names: the host's
// first signed record endorses the backups it made before signing.
func applyEndorsements(entries []*Entry) {
	for _, e := range entries {
		if e.Trusted || e.Record == nil || e.hash == "" {
			continue
		}
		if e.Reason != ReasonUnsigned {
			continue
		}
		for _, by := range entries {
			if by.Trusted && by.How == "signed" && by.Record.Subvolume == e.Record.Subvolume &&
				by.Record.Endorses(e.Snapshot, e.hash) {
				e.Trusted, e.How, e.Reason = true, "endorsed by "+by.Snapshot, ""
				break
			}
		}
	}
}

// missing lists what the newest trusted signed record of entries expected
// that no trusted record on the remote matches: backups lost (or pruned
// after that record was written) below the newest surviving one.
func missing(entries []*Entry) (by string, lost []manifest.Expected) {
	var newest *Entry
	for _, e := range entries {
		if e.Trusted && e.How == "signed" && (newest == nil || newest.Record.Created.Before(e.Record.Created)) {
			newest = e
		}
	}
	if newest == nil {
		return "", nil
	}
	have := map[string]bool{}
	for _, e := range entries {
		if e.Trusted {
			have[e.Snapshot+" "+e.hash] = true
		}
	}
	for _, x := range newest.Record.Expected {
		if !have[x.Snapshot+" "+x.RecordSHA256] {
			lost = append(lost, x)
		}
	}
	return newest.Snapshot, lost
}
