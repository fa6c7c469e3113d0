package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// intHook decodes whole-number keys (transfers, parallel, keep_local, ...)
// strictly. viper decodes weakly, which for an int key turns 4.5 into 4,
// true into 1 and "" into 0 without a word, and answers "abc" with
// strconv's message. Here a YAML integer, a float with no fraction (1e3)
// or a decimal string (the form ARGO_BACKUP_* environment values arrive
// in) is taken; anything else is refused with the value and an example.
// Sizes and durations have their own hooks and are left alone.
func intHook(from, to reflect.Type, data any) (any, error) {
	if !isPlainInt(to) {
		return data, nil
	}
	switch d := data.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return d, nil
	case float64:
		if d != math.Trunc(d) || math.IsInf(d, 0) {
			return nil, notWholeNumber(d)
		}
		if math.Abs(d) > math.MaxInt32 {
			return nil, fmt.Errorf("%v is too large: give a whole number such as 4", d)
		}
		return int64(d), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(d))
		if err != nil {
			return nil, notWholeNumber(fmt.Sprintf("%q", d))
		}
		return n, nil
	}
	return nil, notWholeNumber(data)
}

// isPlainInt is true for the int kinds that are not a ByteSize or a
// time.Duration.
func isPlainInt(t reflect.Type) bool {
	if t == byteSizeType || t == durationType {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

func notWholeNumber(v any) error {
	return fmt.Errorf("%v is not a whole number: write one like 4", v)
}
