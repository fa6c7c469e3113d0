package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/go-viper/mapstructure/v2"
)

var byteSizeType = reflect.TypeOf(ByteSize(0))

func byteSizeHook(from, to reflect.Type, data any) (any, error) {
	if to != byteSizeType {
		return data, nil
	}
	switch d := data.(type) {
	case string:
		n, err := humanize.ParseBytes(d)
		if err != nil {
			return nil, fmt.Errorf("%q is not a size: write it like 64MiB", d)
		}
		return ByteSize(n), nil
	case int, int64, uint64, float64:
		return data, nil
	}
	return data, nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// durationHook accepts Go durations ("720h") and also days and weeks
// ("30d", "2w"), which is how people think about backup chains.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, fmt.Errorf("%v is not a duration: write it with a unit, like 720h or 30d", data)
	}
	return parseDuration(s)
}

func parseDuration(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, found := strings.CutSuffix(s, suffix); found {
			var v float64
			if _, err := fmt.Sscanf(n, "%g", &v); err == nil && !strings.ContainsAny(n, "hms") {
				return time.Duration(v * float64(unit)), nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like 720h or 30d", s)
	}
	return d, nil
}

// describeDecodeError turns mapstructure's error list into one line that
// names the offending key.
func describeDecodeError(err error) error {
	msg := err.Error()
	var de *mapstructure.DecodeError
	if errors.As(err, &de) && !strings.Contains(msg, "has invalid keys: ") {
		return fmt.Errorf("%s: %s", de.Name(), firstLine(de.Unwrap().Error()))
	}
	if i := strings.Index(msg, "has invalid keys: "); i >= 0 {
		keys := strings.TrimSpace(msg[i+len("has invalid keys: "):])
		keys = firstLine(keys)
		return fmt.Errorf("unknown key %s: check the spelling against docs/configuration.md", keys)
	}
	lines := strings.Split(msg, "\n")
	for _, l := range lines {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "*"))
		if l != "" && !strings.HasPrefix(l, "decoding failed") && !strings.Contains(l, "error(s) decoding") {
			return errors.New(l)
		}
	}
	return errors.New(firstLine(msg))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// yamlProblem is the one line of a YAML error that says what is wrong. The
// parser's message for a key given twice puts the key and the lines on the
// line after "unmarshal errors:", where cutting at the first line left the
// user with no clue.
func yamlProblem(err error) string {
	msg := strings.TrimPrefix(strings.TrimSpace(err.Error()), "While parsing config: ")
	head, rest, found := strings.Cut(msg, "\n")
	if !found || !strings.HasSuffix(head, "unmarshal errors:") {
		return head
	}
	return firstLine(rest)
}
