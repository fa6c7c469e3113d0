package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// Key escrow: a copy of the identity, encrypted with a passphrase (age
// scrypt), stored on the remote as keys/<host>.identity.age. After a house
// fire the passphrase and access to the cloud account are then enough to
// restore. The escrowed identity is only ever decrypted into memory.

// addEscrowFlags gives the commands that read backups an --escrow flag.
// --host picks whose escrowed identity is used, as it picks whose backups.
func addEscrowFlags(g *globals, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "restore" && c.Name() != "list" && c.Name() != "verify" {
			continue
		}
		c.Flags().BoolVar(&g.escrow, "escrow", false,
			"read the backups with the identity escrowed on the remote by 'keygen --escrow' (asks for its passphrase)")
		c.PreRunE = func(cmd *cobra.Command, _ []string) error {
			if f := cmd.Flags().Lookup("host"); f != nil {
				g.escrowHost = f.Value.String()
			}
			return nil
		}
	}
}

// escrowIdentity stores the identity at path on the remote, protected by a
// passphrase asked twice; it creates the identity first if there is none.
// An escrow already on the remote is never replaced: it may be the only
// key to older backups.
func (g *globals) escrowIdentity(ctx context.Context, path string) error {
	a, err := g.load()
	if err != nil {
		return err
	}
	st, err := a.repository(ctx, true)
	if err != nil {
		return err
	}
	name := remote.EscrowName(a.cfg.Host)
	switch _, err := st.Stat(ctx, name); {
	case err == nil:
		return errs.Userf("an identity of host %q is already escrowed on %s (%s): delete that object first to replace it, once no backup needs the old identity",
			a.cfg.Host, st, name)
	case !errors.Is(err, remote.ErrNotFound):
		return fmt.Errorf("keygen --escrow: %w", err)
	}
	pass, err := g.readPassphrase("Passphrase for the escrowed identity", true)
	if err != nil {
		return err
	}
	if !identityPresent(path) {
		recipient, err := crypto.WriteIdentity(path)
		if err != nil {
			return errs.Userf("keygen: %v", err)
		}
		fmt.Fprintf(g.stdout, "identity written to %s (mode 0600)\n", path)
		fmt.Fprintf(g.stdout, "recipient: %s\n", recipient)
	}
	if _, err := crypto.LoadIdentities(path); err != nil { // the permission rule, and a parse check
		return errs.User(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("keygen --escrow: %w", err)
	}
	sealed, err := crypto.EscrowSeal(string(text), pass)
	if err != nil {
		return errs.User(fmt.Errorf("keygen --escrow: %w", err))
	}
	if err := st.Put(ctx, name, sealed); err != nil {
		return fmt.Errorf("keygen --escrow: %w", err)
	}
	fmt.Fprintf(g.stdout, "identity escrowed on %s as %s, protected by the passphrase\n", st, name)
	fmt.Fprintf(g.stdout, "After a disaster, 'argo-backup restore --escrow' needs only the remote and the passphrase: do not lose it.\n")
	return nil
}

// escrowCatalog reads the backups with the escrowed identity of the host
// named by --host (or the config's host), decrypted into memory only.
func (a *app) escrowCatalog(ctx context.Context, identityFlag string) (*restore.Catalog, error) {
	if identityFlag != "" {
		return nil, errs.Userf("give --identity FILE or --escrow, not both")
	}
	host := a.hostOr(a.escrowHost)
	st, err := a.repository(ctx, false)
	if err != nil {
		return nil, err
	}
	name := remote.EscrowName(host)
	sealed, err := st.ReadAll(ctx, name)
	if errors.Is(err, remote.ErrNotFound) {
		return nil, errs.Userf("no escrowed identity of host %q on %s (%s is made by 'argo-backup keygen --escrow'): use --identity FILE", host, st, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read escrowed identity: %w", err)
	}
	pass, err := a.readPassphrase(fmt.Sprintf("Passphrase of the escrowed identity of %s", host), false)
	if err != nil {
		return nil, err
	}
	ids, _, err := crypto.EscrowOpen(sealed, pass)
	if err != nil {
		hint := ""
		if errors.Is(err, crypto.ErrWrongPassphrase) {
			hint = ": give the passphrase chosen at 'argo-backup keygen --escrow'"
		}
		return nil, errs.Userf("%s on %s: %v%s", name, st, err, hint)
	}
	a.log.Info("using the escrowed identity", "host", host, "object", name)
	return &restore.Catalog{Store: st, Identities: ids}, nil
}
