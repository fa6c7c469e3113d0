package remote

import (
	"strings"
	"testing"
)

// Redact never shows a secret of a connection string, in any form rclone
// accepts or rejects, and leaves what holds none as it is.
func TestRedact(t *testing.T) {
	const secret = "TOPSECRET"
	tests := []struct {
		spec string
		keep []string // must still be shown
	}{
		{":s3,provider=Other,access_key_id=AKID" + secret + ",secret_access_key=" + secret + ",endpoint='http://h:9000':bucket/dir", []string{":s3,", "endpoint='http://h:9000'", ":bucket/dir"}},
		{`:s3,secret_access_key="` + secret + `,x":bucket`, []string{":s3,", ":bucket"}},
		{":webdav,url='http://h/',user=u,pass=" + secret + ":dav", []string{":webdav,", "url='http://h/'", ":dav"}},
		{":webdav,url=http://h/,user=u,pass=" + secret + ":dav", []string{":webdav,"}}, // unquoted ':' in url
		{":nosuchbackend,token=" + secret + ":x", []string{":nosuchbackend,"}},
		{"gdrive,token=" + secret + ":backups", []string{"gdrive,", ":backups"}},
		{":s3,secret_access_key='" + secret + ":bucket", []string{":s3"}}, // unparseable: unterminated quote
		{"gdrive:backups", []string{"gdrive:backups"}},
		{"/srv/backups", []string{"/srv/backups"}},
	}
	for _, tt := range tests {
		got := Redact(tt.spec)
		if strings.Contains(got, secret) {
			t.Errorf("Redact(%q) = %q: shows the secret", tt.spec, got)
		}
		for _, k := range tt.keep {
			if !strings.Contains(got, k) {
				t.Errorf("Redact(%q) = %q, want it to keep %q", tt.spec, got, k)
			}
		}
	}
}
