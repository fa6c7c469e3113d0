package index

// SignedType is the signature envelope type of an index object
// (crypto.Signed), so that no other signed object passes for an index.
const SignedType = "argo-backup file index"

// SignedHeadType is the signature envelope type of an index object of the
// second form: the envelope (one JSON line) signs a small head naming the
// sha256 and length of the index that follows it in the object, so that
// an index of any size is signed, stored and checked as a stream. The
// first form (an envelope of SignedType around the whole index) still
// reads.
const SignedHeadType = "argo-backup file index head"

// SignedHead is the payload of a SignedHeadType envelope.
type SignedHead struct {
	Subvol      string `json:"subvol"`
	Snapshot    string `json:"snapshot"`
	Parent      string `json:"parent,omitempty"`
	IndexSHA256 string `json:"index_sha256"`
	IndexBytes  int64  `json:"index_bytes"`
}
