package remote

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestPutReadsBackWhatWasStored(t *testing.T) {
	sizes := []struct {
		name string
		n    int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"a part", 3<<20 + 17},
	}
	forEachRemote(t, func(t *testing.T, s *Store) {
		for _, size := range sizes {
			t.Run(size.name, func(t *testing.T) {
				data := randomBytes(t, size.n)
				name := PartName("host", "home", "home.20261126T004200Z", 0)
				mustPut(t, s, name, data)
				wantContent(t, s, name, data)
				e, err := s.Stat(t.Context(), name)
				if err != nil {
					t.Fatal(err)
				}
				if e.Name != name || e.Size != int64(size.n) {
					t.Errorf("Stat = %q, %d bytes; want %q, %d bytes", e.Name, e.Size, name, size.n)
				}
			})
		}
	})
}

func TestPutReplacesAnObjectOfTheSameName(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		first, second := randomBytes(t, 1000), randomBytes(t, 500)
		mustPut(t, s, "h/locks/home.lock", first)
		mustPut(t, s, "h/locks/home.lock", second)
		wantContent(t, s, "h/locks/home.lock", second)
		wantNames(t, s, "", "h/locks/home.lock")
	})
}

func TestStatReportsTheBackendsMD5(t *testing.T) {
	data := []byte("the record")
	sum := md5.Sum(data)
	tests := []struct {
		name    string
		spec    func(testing.TB) string
		wantMD5 string
	}{
		// S3 lists its md5 (the ETag); local would have to read the file.
		{"s3", remotes[1].spec, hex.EncodeToString(sum[:])},
		{"local", remotes[0].spec, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, tt.spec(t))
			mustPut(t, s, "r", data)
			e, err := s.Stat(t.Context(), "r")
			if err != nil {
				t.Fatal(err)
			}
			if e.MD5 != tt.wantMD5 {
				t.Errorf("Stat MD5 = %q, want %q", e.MD5, tt.wantMD5)
			}
		})
	}
}

func TestListIsRecursiveFilesOnlyAndRelativeToTheRoot(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		for _, name := range []string{MarkerName, "h/home/s1/part-000001.zst.age", "h/home/s1/part-000000.zst.age", "h/root/s2/record.json.age", "keys/h.identity.age"} {
			mustPut(t, s, name, []byte(name))
		}
		tests := []struct {
			dir  string
			want []string
		}{
			{"", []string{MarkerName, "h/home/s1/part-000000.zst.age", "h/home/s1/part-000001.zst.age", "h/root/s2/record.json.age", "keys/h.identity.age"}},
			{"h/home", []string{"h/home/s1/part-000000.zst.age", "h/home/s1/part-000001.zst.age"}},
			{"h/root/", []string{"h/root/s2/record.json.age"}},
			{"nobody", nil},
		}
		for _, tt := range tests {
			wantNames(t, s, tt.dir, tt.want...)
		}
	})
}

func wantNames(t *testing.T, s *Store, dir string, want ...string) {
	t.Helper()
	entries, err := s.List(t.Context(), dir)
	if err != nil {
		t.Fatalf("List(%q): %v", dir, err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List(%q) = %q, want %q", dir, got, want)
	}
}

func TestMissingObjectsAreErrNotFound(t *testing.T) {
	ops := []struct {
		name string
		do   func(ctx context.Context, s *Store, name string) error
	}{
		{"Stat", func(ctx context.Context, s *Store, name string) error { _, err := s.Stat(ctx, name); return err }},
		{"ReadAll", func(ctx context.Context, s *Store, name string) error { _, err := s.ReadAll(ctx, name); return err }},
		{"Open", func(ctx context.Context, s *Store, name string) error { _, err := s.Open(ctx, name); return err }},
		{"Delete", func(ctx context.Context, s *Store, name string) error { return s.Delete(ctx, name) }},
	}
	forEachRemote(t, func(t *testing.T, s *Store) {
		mustPut(t, s, "h/home/s1/part-000000.zst.age", []byte("x"))
		for _, op := range ops {
			for _, name := range []string{"h/home/s1/record.json.age", "no/such/dir/record.json.age"} {
				err := op.do(t.Context(), s, name)
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("%s(%s) = %v, want ErrNotFound", op.name, name, err)
				}
			}
		}
	})
}

func TestDeleteRemovesOnlyThatObject(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		mustPut(t, s, "h/home/s1/part-000000.zst.age", []byte("part"))
		mustPut(t, s, "h/home/s1/record.json.age", []byte("record"))
		if err := s.Delete(t.Context(), "h/home/s1/part-000000.zst.age"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(t.Context(), "h/home/s1/part-000000.zst.age"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
		}
		wantNames(t, s, "", "h/home/s1/record.json.age")
	})
}

func TestOpenStreamsTheObject(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		data := randomBytes(t, 1<<20)
		mustPut(t, s, "p", data)
		r, err := s.Open(t.Context(), "p")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		half := make([]byte, len(data)/2)
		if _, err := io.ReadFull(r, half); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := append(half, rest...); string(got) != string(data) {
			t.Errorf("Open streamed %d bytes that differ from the %d stored", len(got), len(data))
		}
	})
}

// OpenRange streams exactly the bytes asked for, on every backend, and
// refuses a range beyond the object.
func TestOpenRangeStreamsThoseBytes(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		data := randomBytes(t, 1<<20)
		mustPut(t, s, "p", data)
		for _, r := range [][2]int64{{0, 1}, {0, 1 << 20}, {12345, 300000}, {1<<20 - 7, 7}} {
			rc, err := s.OpenRange(t.Context(), "p", r[0], r[1])
			if err != nil {
				t.Fatalf("range %v: %v", r, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("range %v: %v", r, err)
			}
			if string(got) != string(data[r[0]:r[0]+r[1]]) {
				t.Errorf("range %v streamed %d bytes that differ from the object's", r, len(got))
			}
		}
		if _, err := s.OpenRange(t.Context(), "p", 1<<20-1, 2); err == nil {
			t.Error("a range past the end was opened")
		}
	})
}

func TestDuplicates(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{nil, nil},
		{[]string{"a", "b"}, nil},
		{[]string{"b", "a", "b", "c", "a", "b"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		var entries []Entry
		for _, n := range tt.names {
			entries = append(entries, Entry{Name: n})
		}
		if got := Duplicates(entries); !slices.Equal(got, tt.want) {
			t.Errorf("Duplicates(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

func TestListReportsNamesStoredTwice(t *testing.T) {
	s := openStore(t, remotes[0].spec(t))
	mustPut(t, s, "h/home/s1/part-000000.zst.age", []byte("a"))
	mustPut(t, s, "h/home/s1/record.json.age", []byte("b"))
	s.f = doubledListing{s.f}

	entries, err := s.List(t.Context(), "")
	var dup *DuplicatesError
	if !errors.As(err, &dup) || !slices.Equal(dup.Names, []string{"h/home/s1/part-000000.zst.age", "h/home/s1/record.json.age"}) {
		t.Fatalf("List = %v, want a *DuplicatesError naming both objects", err)
	}
	if len(entries) != 4 {
		t.Errorf("List returned %d entries, want all 4 copies", len(entries))
	}
}

// PutSHA256 verifies the upload against the sha256 it is given, without
// hashing the data again: a wrong sum is a mismatch, not a silent success.
// It says which hash the remote's copy was checked with, the one each
// backend keeps (FACTS.md: local all, s3 md5, sftp md5/sha1, b2 sha1,
// webdav none), so that the push reads back only what Put could not check.
func TestPutSHA256(t *testing.T) {
	want := map[string]string{"local": "sha256", "s3": "md5", "webdav": "", "sftp": "sha1", "b2": "sha1"}
	data := []byte("a sealed part")
	sum := sha256.Sum256(data)
	md5sum := md5.Sum(data)
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) {
			ctx := t.Context()
			s := openStore(t, r.spec(t))
			// From a file, as a push uploads a spooled part.
			spooled, err := os.CreateTemp(t.TempDir(), "part-*")
			if err != nil {
				t.Fatal(err)
			}
			defer spooled.Close()
			if _, err := spooled.Write(data); err != nil {
				t.Fatal(err)
			}
			checked, err := s.PutSHA256(ctx, "h/s/n/part-000000.zst.age", spooled, int64(len(data)), hex.EncodeToString(sum[:]))
			if err != nil {
				t.Fatalf("PutSHA256 with the right sum: %v", err)
			}
			wantMD5 := ""
			if want[r.name] == "md5" {
				wantMD5 = hex.EncodeToString(md5sum[:])
			}
			if checked != (Checked{Hash: want[r.name], MD5: wantMD5}) {
				t.Errorf("PutSHA256 checked %+v, want the hash %q (md5 %q)", checked, want[r.name], wantMD5)
			}
			if want[r.name] != "sha256" {
				return // the given sum is not what such a backend checks
			}
			_, err = s.PutSHA256(ctx, "h/s/n/part-000001.zst.age", bytes.NewReader(data), int64(len(data)), strings.Repeat("0", 64))
			var mismatch *MismatchError
			if !errors.As(err, &mismatch) {
				t.Fatalf("PutSHA256 with a wrong sum: %v, want a *MismatchError", err)
			}
		})
	}
}
