package restore

import (
	"slices"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/remote"
)

// Hosts are the top-level folders that can be hosts: a host with only an
// unfinished push is still named (it is where its backups would be), the
// escrow folder and the marker are not.
func TestCatalogHosts(t *testing.T) {
	st, err := remote.Open(t.Context(), remotetest.Local(t), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		remote.MarkerName,
		remote.RecordName("laptop", "home", "home.20261126T005616Z"),
		remote.PartName("workstation", "root", "root.20261126T005616Z", 0),
		remote.EscrowName("laptop"),
	} {
		if err := st.Put(t.Context(), name, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := (&Catalog{Store: st}).Hosts(t.Context())
	if want := []string{"laptop", "workstation"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Hosts = %q, %v; want %q", got, err, want)
	}
}
