package remote

import "testing"

func TestNamesFollowTheRemoteLayout(t *testing.T) {
	tests := []struct{ got, want string }{
		{SnapshotDir("ws", "home", "home.20261126T004200Z"), "ws/home/home.20261126T004200Z"},
		{PartName("ws", "home", "home.20261126T004200Z", 0), "ws/home/home.20261126T004200Z/part-000000.zst.age"},
		{PartName("ws", "home", "home.20261126T004200Z", 123456), "ws/home/home.20261126T004200Z/part-123456.zst.age"},
		{RecordName("ws", "home", "home.20261126T004200Z"), "ws/home/home.20261126T004200Z/record.json.age"},
		{LockName("ws", "home"), "ws/locks/home.lock"},
		{EscrowName("ws"), "keys/ws.identity.age"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		name                         string
		host, subvol, snapshot, file string
		ok                           bool
	}{
		{PartName("ws", "home", "home.20261126T004200Z", 7), "ws", "home", "home.20261126T004200Z", "part-000007.zst.age", true},
		{RecordName("ws", "root", "root.20261126T004200Z"), "ws", "root", "root.20261126T004200Z", "record.json.age", true},
		{MarkerName, "", "", "", "", false},
		{LockName("ws", "home"), "", "", "", "", false},
		{EscrowName("ws"), "", "", "", "", false},
		{"ws/home//part-000000.zst.age", "", "", "", "", false},
		{"a/b/c/d/e", "", "", "", "", false},
	}
	for _, tt := range tests {
		host, subvol, snapshot, file, ok := ParsePath(tt.name)
		if host != tt.host || subvol != tt.subvol || snapshot != tt.snapshot || file != tt.file || ok != tt.ok {
			t.Errorf("ParsePath(%q) = %q, %q, %q, %q, %v; want %q, %q, %q, %q, %v", tt.name,
				host, subvol, snapshot, file, ok, tt.host, tt.subvol, tt.snapshot, tt.file, tt.ok)
		}
	}
}

func TestParsePartFile(t *testing.T) {
	tests := []struct {
		file  string
		index int
		ok    bool
	}{
		{"part-000000.zst.age", 0, true},
		{"part-000042.zst.age", 42, true},
		{"part-1234567.zst.age", 1234567, true},
		{"part-42.zst.age", 0, false},
		{"record.json.age", 0, false},
		{"part-00000x.zst.age", 0, false},
		{"part-000001.zst", 0, false},
	}
	for _, tt := range tests {
		if i, ok := ParsePartFile(tt.file); i != tt.index || ok != tt.ok {
			t.Errorf("ParsePartFile(%q) = %d, %v; want %d, %v", tt.file, i, ok, tt.index, tt.ok)
		}
	}
	if !IsRecord("record.json.age") || IsRecord("part-000000.zst.age") {
		t.Error("IsRecord does not tell records from parts")
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		kind, name string
		ok         bool
	}{
		{"host", "workstation", true},
		{"subvolume", "home", true},
		{"subvolume", "var-log", true},
		{"host", "", false},
		{"host", "..", false},
		{"subvolume", "a/b", false},
		{"subvolume", ".hidden", false},
		{"host", "c:", false},
		{"host", "keys", false},
		{"subvolume", "locks", false},
		{"host", "locks", false},
		{"host", "argo-backup.json", false},
		{"host", "-v", false},
		{"host", "a b", false},
		{"subvolume", "@home", false},
		{"host", "desk.example.org", true},
		{"subvolume", "_x", true},
	}
	for _, tt := range tests {
		if err := CheckName(tt.kind, tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckName(%q, %q) = %v, want ok=%v", tt.kind, tt.name, err, tt.ok)
		}
	}
}
