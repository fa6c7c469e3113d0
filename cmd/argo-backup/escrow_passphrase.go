package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/argo-backup/argo-backup/internal/errs"
	"golang.org/x/term"
)

// PassphraseFileEnv names a file holding the escrow passphrase, for scripts
// and tests. The passphrase itself is never taken from a flag or from an
// environment variable's value: other users see both (ps, /proc/*/environ,
// shell history).
const PassphraseFileEnv = "ARGO_BACKUP_PASSPHRASE_FILE"

// minPassphrase is the shortest passphrase keygen --escrow accepts. The
// escrowed identity sits on a cloud account, where anyone who gets at the
// account can try passphrases offline; scrypt slows that down, it cannot
// save a short one.
const minPassphrase = 10

// readPassphrase gets the escrow passphrase from the file named by
// ARGO_BACKUP_PASSPHRASE_FILE, or else asks on the terminal (twice when
// confirm, so that a typo cannot lock the identity away).
func (g *globals) readPassphrase(prompt string, confirm bool) (string, error) {
	var (
		pass string
		err  error
	)
	if file := os.Getenv(PassphraseFileEnv); file != "" {
		pass, err = passphraseFromFile(file)
	} else {
		pass, err = g.askPassphrase(prompt, confirm)
	}
	if err != nil {
		return "", err
	}
	if pass == "" {
		return "", errs.Userf("the passphrase is empty: an escrowed identity needs a passphrase")
	}
	if confirm && len([]rune(pass)) < minPassphrase {
		return "", errs.Userf("the passphrase is shorter than %d characters: the escrowed identity is on the remote for anyone with the account to guess at, choose a longer one", minPassphrase)
	}
	return pass, nil
}

// passphraseFromFile reads the first line of file, which must be private to
// its owner like an identity file.
func passphraseFromFile(file string) (string, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return "", errs.Userf("%s: %v", PassphraseFileEnv, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", errs.Userf("passphrase file %s is readable by group or others (mode %04o): run chmod 600 %s", file, perm, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", errs.Userf("%s: %v", PassphraseFileEnv, err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return string(bytes.TrimSuffix(line, []byte("\r"))), nil
}

// askPassphrase reads the passphrase from the terminal without echo.
func (g *globals) askPassphrase(prompt string, confirm bool) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errs.Userf("no terminal to ask for the passphrase on: run this in a terminal, or put the passphrase in a file (mode 0600) and set %s to its path", PassphraseFileEnv)
	}
	read := func(prompt string) (string, error) {
		fmt.Fprintf(g.stderr, "%s: ", prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the passphrase: %w", err)
		}
		return string(b), nil
	}
	pass, err := read(prompt)
	if err != nil || !confirm {
		return pass, err
	}
	again, err := read("Again, to confirm")
	if err != nil {
		return "", err
	}
	if again != pass {
		return "", errs.Userf("the two passphrases differ: run the command again")
	}
	return pass, nil
}
