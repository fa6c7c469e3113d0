package config

import (
	"strings"
	"testing"
)

// TestWholeNumbersStrict: viper's weak decoding turned 4.5 into 4, true
// into 1 and "" into 0 without a word, and answered "abc" with strconv's
// message. Each bad value must be refused on one line naming the key.
func TestWholeNumbersStrict(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"transfers: abc", `transfers: "abc" is not a whole number`},
		{"transfers: 4.5", "transfers: 4.5 is not a whole number"},
		{"transfers: true", "transfers: true is not a whole number"},
		{"transfers: 1e10", "transfers: 1e+10 is too large"},
		{`transfers: ""`, `transfers: "" is not a whole number`},
		{"transfers: [4]", "transfers: [4] is not a whole number"},
		{"parallel: abc", `parallel: "abc" is not a whole number`},
		{"compression_level: 4.5", "compression_level: 4.5 is not a whole number"},
		{"subvolumes:\n  - {name: a, path: /a, keep_local: 1.5}", "keep_local: 1.5 is not a whole number"},
		{"transfers: 1e3", "transfers 1000: must be between 1 and 64"},
	}
	for _, c := range cases {
		_, err := Parse([]byte("host: desk\n" + c.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.yaml, err, c.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n'") {
			t.Errorf("%s: error is not one plain line: %q", c.yaml, err)
		}
	}
}

func TestWholeNumbersAccepted(t *testing.T) {
	cases := []struct {
		yaml string
		want int
	}{
		{"transfers: 8", 8},
		{`transfers: "8"`, 8},
		{"transfers: 16.0", 16},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte("host: desk\n" + c.yaml + "\n"))
		if err != nil {
			t.Errorf("%s: %v", c.yaml, err)
			continue
		}
		if cfg.Transfers != c.want {
			t.Errorf("%s: transfers %d, want %d", c.yaml, cfg.Transfers, c.want)
		}
	}
}

// TestKeyTwice: the YAML parser's message for a key given twice names the
// key on its second line; the user must see that line.
func TestKeyTwice(t *testing.T) {
	_, err := Parse([]byte("host: desk\ntransfers: 3\nparallel: 1\ntransfers: 4\n"))
	if err == nil || !strings.Contains(err.Error(), `"transfers" already defined`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v, want one line naming transfers as given twice", err)
	}
}
