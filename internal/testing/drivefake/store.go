package drivefake

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

const (
	folderMimeType = "application/vnd.google-apps.folder"
	// RootID is the ID of the fake "My Drive". files.get("root") resolves to
	// it, as on real Drive.
	RootID = "0AFakeDriveRootFolderUk9PVA"
)

// File is a snapshot of one item in the fake Drive, for tests to inspect.
type File struct {
	ID       string
	Name     string
	Path     string // slash-separated from the root via first parents, "" for the root
	Parents  []string
	MimeType string
	IsFolder bool
	Size     int64
	MD5      string // hex, "" for folders
	Trashed  bool
	Modified time.Time
}

// file is the stored form of a Drive item; content is kept in full.
type file struct {
	id          string
	name        string
	mimeType    string
	description string
	parents     []string
	content     []byte
	created     time.Time
	modified    time.Time
	trashed     bool
}

func (f *file) isFolder() bool { return f.mimeType == folderMimeType }

// store is the in-memory Drive. It is not locked itself: Server holds its
// mutex around every use.
type store struct {
	files  map[string]*file
	nextID int
}

func newStore() *store {
	now := time.Now().UTC()
	return &store{files: map[string]*file{
		RootID: {id: RootID, name: "My Drive", mimeType: folderMimeType, created: now, modified: now},
	}}
}

// newID returns IDs shaped like Drive's: 33 URL-safe characters.
func (s *store) newID() string {
	s.nextID++
	return fmt.Sprintf("1FakeDriveFile%019d", s.nextID)
}

// get returns the item with the given ID, nil if none; "root" is an alias
// for the root folder, as on Drive.
func (s *store) get(id string) *file {
	if id == "root" {
		id = RootID
	}
	return s.files[id]
}

func (s *store) create(f *file) *file {
	f.id = s.newID()
	now := time.Now().UTC().Truncate(time.Millisecond)
	f.created = now
	if f.modified.IsZero() {
		f.modified = now
	}
	s.files[f.id] = f
	return f
}

// path returns the slash path of f from the root via first parents.
func (s *store) path(f *file) string {
	var parts []string
	for f != nil && f.id != RootID {
		parts = append(parts, f.name)
		if len(f.parents) == 0 {
			break
		}
		f = s.files[f.parents[0]]
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// children returns the untrashed items called name in folder parent.
func (s *store) children(parent, name string) []*file {
	var out []*file
	for _, f := range s.files {
		if !f.trashed && f.name == name && contains(f.parents, parent) {
			out = append(out, f)
		}
	}
	sortFiles(out)
	return out
}

// walk resolves a slash path to an untrashed item, taking the first of any
// duplicates.
func (s *store) walk(p string) (*file, error) {
	cur := s.files[RootID]
	for _, name := range strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/") {
		if name == "" {
			continue
		}
		found := s.children(cur.id, name)
		if len(found) == 0 {
			return nil, fmt.Errorf("drivefake: %q not found", p)
		}
		cur = found[0]
	}
	return cur, nil
}

// mkdirAll returns the folder at p, creating missing folders.
func (s *store) mkdirAll(p string) *file {
	cur := s.files[RootID]
	for _, name := range strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/") {
		if name == "" {
			continue
		}
		var next *file
		for _, f := range s.children(cur.id, name) {
			if f.isFolder() {
				next = f
				break
			}
		}
		if next == nil {
			next = s.create(&file{name: name, mimeType: folderMimeType, parents: []string{cur.id}})
		}
		cur = next
	}
	return cur
}

func (s *store) snapshot() []File {
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		if f.id == RootID {
			continue
		}
		sf := File{
			ID:       f.id,
			Name:     f.name,
			Path:     s.path(f),
			Parents:  append([]string(nil), f.parents...),
			MimeType: f.mimeType,
			IsFolder: f.isFolder(),
			Trashed:  f.trashed,
			Modified: f.modified,
		}
		if !f.isFolder() {
			sf.Size = int64(len(f.content))
			sum := md5.Sum(f.content)
			sf.MD5 = hex.EncodeToString(sum[:])
		}
		out = append(out, sf)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// sortFiles gives listings a stable order; real Drive's default order is
// unspecified, so nothing may depend on this one either.
func sortFiles(fs []*file) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].name != fs[j].name {
			return fs[i].name < fs[j].name
		}
		return fs[i].id < fs[j].id
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// fileJSON is a Drive v3 File resource as rclone reads it. Drive encodes
// int64 as strings.
type fileJSON struct {
	Kind              string   `json:"kind"`
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	MimeType          string   `json:"mimeType"`
	Description       string   `json:"description,omitempty"`
	Parents           []string `json:"parents,omitempty"`
	Size              int64    `json:"size,omitempty,string"`
	MD5Checksum       string   `json:"md5Checksum,omitempty"`
	SHA1Checksum      string   `json:"sha1Checksum,omitempty"`
	SHA256Checksum    string   `json:"sha256Checksum,omitempty"`
	CreatedTime       string   `json:"createdTime"`
	ModifiedTime      string   `json:"modifiedTime"`
	Trashed           bool     `json:"trashed"`
	ExplicitlyTrashed bool     `json:"explicitlyTrashed"`
	WebViewLink       string   `json:"webViewLink,omitempty"`
}

const timeFormat = "2006-01-02T15:04:05.000Z"

func (f *file) json() fileJSON {
	j := fileJSON{
		Kind:              "drive#file",
		ID:                f.id,
		Name:              f.name,
		MimeType:          f.mimeType,
		Description:       f.description,
		Parents:           append([]string(nil), f.parents...),
		CreatedTime:       f.created.UTC().Format(timeFormat),
		ModifiedTime:      f.modified.UTC().Format(timeFormat),
		Trashed:           f.trashed,
		ExplicitlyTrashed: f.trashed,
		WebViewLink:       "https://drive.google.com/file/d/" + f.id + "/view",
	}
	if !f.isFolder() {
		j.Size = int64(len(f.content))
		m, s1, s256 := md5.Sum(f.content), sha1.Sum(f.content), sha256.Sum256(f.content)
		j.MD5Checksum = hex.EncodeToString(m[:])
		j.SHA1Checksum = hex.EncodeToString(s1[:])
		j.SHA256Checksum = hex.EncodeToString(s256[:])
	}
	return j
}
