package remote

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/rclone/rclone/fs/fshttp"
)

func TestEnsureFormat(t *testing.T) {
	tests := []struct {
		name    string
		marker  string // "" for none
		create  bool
		wantErr string // "" for success
	}{
		{"new repository refused without create", "", false, "no argo-backup repository at "},
		{"new repository created by push", "", true, ""},
		{"current format", `{"format":1,"created":"2026-11-26T00:42:00Z"}`, false, ""},
		{"unknown fields ignored", `{"format":1,"created":"2026-11-26T00:42:00Z","by":"argo-backup 2.0"}`, false, ""},
		{"newer format refused", `{"format":2,"created":"2030-01-01T00:00:00Z"}`, true, "has format 2, newer than this argo-backup understands (1): upgrade argo-backup"},
		{"not a marker", `<html>`, true, "is not an argo-backup format marker"},
	}
	forEachRemote(t, func(t *testing.T, s *Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.marker != "" {
					mustPut(t, s, MarkerName, []byte(tt.marker))
				} else {
					_ = s.Delete(t.Context(), MarkerName)
				}
				err := s.EnsureFormat(t.Context(), tt.create)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Fatalf("EnsureFormat(%v) = %v", tt.create, err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Fatalf("EnsureFormat(%v) = %v, want an error containing %q", tt.create, err, tt.wantErr)
				}
				if tt.wantErr == "" {
					wantMarker(t, s)
				}
			})
		}
	})
}

// wantMarker checks the marker is the plaintext JSON docs/formats.md promises.
func wantMarker(t *testing.T, s *Store) {
	t.Helper()
	data, err := s.ReadAll(t.Context(), MarkerName)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Format  int    `json:"format"`
		Created string `json:"created"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("marker %q: %v", data, err)
	}
	if _, err := time.Parse(time.RFC3339, m.Created); m.Format != 1 || err != nil {
		t.Errorf("marker = %s, want format 1 and an RFC 3339 creation time", data)
	}
}

// A marker deleted on the remote does not stand between a user and the
// backups there (the trial: every restore refused with "push once to
// create it"); a path that holds other folders, but no backup, is still
// no repository. Readers do not write the marker back.
func TestMissingMarkerWithBackups(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		_ = s.Delete(t.Context(), MarkerName)
		mustPut(t, s, "photos/2024/img.jpg", []byte("not a backup"))
		if err := s.EnsureFormat(t.Context(), false); err == nil || !strings.Contains(err.Error(), "no argo-backup repository") {
			t.Fatalf("a path with other folders and no marker: %v, want no repository", err)
		}
		mustPut(t, s, RecordName("h", "home", "home.1"), []byte("sealed record"))
		mustPut(t, s, "h/home/home.2/part-000000.zst.age", []byte("an unfinished push"))
		if err := s.EnsureFormat(t.Context(), false); err != nil {
			t.Fatalf("backups without a marker: %v, want them read", err)
		}
		if _, err := s.ReadAll(t.Context(), MarkerName); err == nil {
			t.Error("a reader wrote the marker back")
		}
	})
}

// A remote without a marker whose folders cannot be listed is not called
// an empty repository ("push once to create it"): the listing's error is
// the error.
func TestMissingMarkerUnlistableRoot(t *testing.T) {
	s := openStore(t, remotetest.WebDAV(t))
	fshttp.SetFaultInjector(func(req *http.Request) (int, error) {
		if req.Method == "PROPFIND" && !strings.HasSuffix(req.URL.Path, MarkerName) {
			return http.StatusForbidden, nil
		}
		return 0, nil
	})
	t.Cleanup(func() { fshttp.SetFaultInjector(nil) })
	err := s.EnsureFormat(t.Context(), false)
	if err == nil || errors.Is(err, ErrNoRepository) || !strings.Contains(err.Error(), "could not be listed") {
		t.Fatalf("EnsureFormat on a remote that refuses listings: %v, want the listing error, not no repository", err)
	}
}
