package restore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

const testFS = "0b4d2c1e-6a43-4a1b-9a51-5a5c0f1f0a11"

var argoLayout = []manifest.LayoutEntry{
	{Subvol: "@", Mountpoint: "/", Mode: 0o755},
	{Subvol: "@home", Mountpoint: "/home", Mode: 0o755},
	{Subvol: "@var-log", Mountpoint: "/var/log", Mode: 0o755},
	{Subvol: "@var-cache", Mountpoint: "/var/cache", Mode: 0o755},
	{Subvol: "@snapshots", Mountpoint: "/.snapshots", Mode: 0o750},
	{Subvol: "", Mountpoint: "/mnt/top", Mode: 0o755},
}

func layoutRecord(subvol, path string, extra ...manifest.LayoutEntry) *manifest.Record {
	return &manifest.Record{Subvolume: subvol, Snapshot: subvol + ".20261101T020000Z", FSUUID: testFS,
		SubvolPath: path, SnapshotDir: "/.snapshots/argo-backup", Layout: append(append([]manifest.LayoutEntry{}, argoLayout...), extra...)}
}

func TestPlanLayout(t *testing.T) {
	home := layoutRecord("home", "@home", manifest.LayoutEntry{Subvol: "@home/.snapshots", Mode: 0o750})
	plan, err := restore.PlanLayout([]*manifest.Record{home, layoutRecord("var-log", "@var-log"), layoutRecord("root", "@")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rc := range plan.Receive {
		got = append(got, rc.Record.Subvolume+" as "+rc.Subvol+" keep "+rc.Keep)
	}
	for _, e := range plan.Empty {
		got = append(got, "empty "+e.Subvol+" "+modeString(e.Mode))
	}
	want := []string{
		"root as @ keep @snapshots/argo-backup/root.20261101T020000Z",
		"home as @home keep @snapshots/argo-backup/home.20261101T020000Z",
		"var-log as @var-log keep @snapshots/argo-backup/var-log.20261101T020000Z",
		"empty @home/.snapshots 750",
		"empty @snapshots 750",
		"empty @var-cache 755",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if plan.FSUUID != testFS {
		t.Errorf("plan names filesystem %q, want %q", plan.FSUUID, testFS)
	}
}

func TestPlanLayoutKeepsAtTopLevelWhenSnapshotDirIsUnknown(t *testing.T) {
	rec := layoutRecord("data", "@data")
	rec.SnapshotDir = ""
	plan, err := restore.PlanLayout([]*manifest.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Receive[0].Keep; got != rec.Snapshot {
		t.Errorf("keep at %q, want the top level %q", got, rec.Snapshot)
	}
}

func TestPlanLayoutRefuses(t *testing.T) {
	otherFS := layoutRecord("data", "@data")
	otherFS.FSUUID = "11111111-2222-3333-4444-555555555555"
	old := layoutRecord("root", "@")
	old.FSUUID, old.SubvolPath, old.Layout = "", "", nil
	for _, tc := range []struct {
		name    string
		records []*manifest.Record
		want    string
	}{
		{"older record", []*manifest.Record{old}, "does not record its filesystem layout (pushed by an older argo-backup)"},
		{"two filesystems", []*manifest.Record{layoutRecord("root", "@"), otherFS}, "the backups come from 2 filesystems"},
		{"same subvolume twice", []*manifest.Record{layoutRecord("root", "@"), layoutRecord("root2", "@")}, "both come from subvolume @"},
		{"path above the top level", []*manifest.Record{layoutRecord("evil", "../etc")}, "not below the top level"},
		{"nothing", nil, "no backups to restore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := restore.PlanLayout(tc.records)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PlanLayout: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPlanLayoutSkipsHostilePaths(t *testing.T) {
	rec := layoutRecord("root", "@", manifest.LayoutEntry{Subvol: "../../etc", Mountpoint: "/x", Mode: 0o755},
		manifest.LayoutEntry{Subvol: "/abs/../..", Mode: 0o755})
	plan, err := restore.PlanLayout([]*manifest.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range plan.Empty {
		if strings.Contains(e.Subvol, "..") || strings.HasPrefix(e.Subvol, "/") {
			t.Errorf("plan creates %q, outside the top level", e.Subvol)
		}
	}
}

func modeString(m uint32) string { return fmt.Sprintf("%o", m) }
