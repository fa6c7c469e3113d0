package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// flagValueError says in words what is wrong with a number given to a
// flag. pflag's own message ends in strconv's ("strconv.ParseInt: parsing
// "abc": invalid syntax"), which names Go, not the problem.
func flagValueError(err error) error {
	var bad *pflag.InvalidValueError
	var num *strconv.NumError
	if !errors.As(err, &bad) || !errors.As(err, &num) {
		return err
	}
	name := "--" + bad.GetFlag().Name
	if errors.Is(num.Err, strconv.ErrRange) {
		return fmt.Errorf("%s %s: the number is too large", name, bad.GetValue())
	}
	return fmt.Errorf("%s %q: not a whole number: write one like %s 8", name, bad.GetValue(), name)
}
