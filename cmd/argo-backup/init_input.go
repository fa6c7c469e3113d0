package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// wizard asks one question at a time; an empty answer takes the proposed
// default. Ctrl-C (the end of ctx) and Ctrl-D (the end of the input) abort
// the wizard with nothing written: neither is an answer.
type wizard struct {
	ctx   context.Context
	lines <-chan string // closed at the end of the input
	out   io.Writer
}

func newWizard(ctx context.Context, in *bufio.Reader, out io.Writer) wizard {
	lines := make(chan string)
	go func() {
		defer close(lines)
		for {
			line, err := in.ReadString('\n')
			if err != nil { // a line without its newline is Ctrl-D too
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	return wizard{ctx: ctx, lines: lines, out: out}
}

// errAborted is returned when the user leaves the wizard.
var errAborted = errors.New("init aborted: nothing was written")

func (w wizard) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(w.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(w.out, "%s: ", question)
	}
	select {
	case <-w.ctx.Done():
		fmt.Fprintln(w.out)
		return "", fmt.Errorf("%w (interrupted)", errAborted) // exit 130: ctx is done
	case line, ok := <-w.lines:
		if !ok {
			fmt.Fprintln(w.out)
			return "", errs.Userf("%v (the input ended: Ctrl-D); run 'argo-backup init' again", errAborted)
		}
		if line = strings.TrimSpace(line); line != "" {
			return line, nil
		}
		return def, nil
	}
}

// askUntil asks until valid accepts the answer, saying why it did not.
func (w wizard) askUntil(question, def string, valid func(string) error) (string, error) {
	var err error
	for range 3 {
		a, askErr := w.ask(question, def)
		if askErr != nil {
			return "", askErr
		}
		if err = valid(a); err == nil {
			return a, nil
		}
		fmt.Fprintf(w.out, "  %v\n", err)
	}
	return "", errs.Userf("init: %v; nothing was written", err)
}

func (w wizard) yes(question string) (bool, error) {
	a, err := w.ask(question+" (y/n)", "y")
	a = strings.ToLower(a)
	return a == "y" || a == "yes", err
}
