package index

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// Name is a file name, symlink target or xattr name: any bytes. In JSON it
// is a string when it is valid UTF-8, else {"base64": "..."}, so that no
// name is ever mangled into U+FFFD.
type Name string

type rawName struct {
	Base64 string `json:"base64"`
}

// MarshalJSON writes n as a string, or as base64 when it is not UTF-8.
func (n Name) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(n)) {
		return json.Marshal(string(n))
	}
	return json.Marshal(rawName{base64.StdEncoding.EncodeToString([]byte(n))})
}

// UnmarshalJSON reads either form MarshalJSON writes.
func (n *Name) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var r rawName
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(r.Base64)
		*n = Name(raw)
		return err
	}
	// Most names are plain strings: take their bytes as they are (an index
	// holds a million of them), and leave escapes to the JSON package.
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		*n = Name(b[1 : len(b)-1])
		return nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	*n = Name(s)
	return err
}
