package index

// SignedType is the signature envelope type of an index object
// (crypto.Signed), so that no other signed object passes for an index.
const SignedType = "argo-backup file index"
