package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
)

func newKeygenCommand(g *globals) *cobra.Command {
	var out string
	var escrow bool
	cmd := &cobra.Command{
		Use:   "keygen [-o FILE]",
		Short: "Create an age identity (the key that reads your backups)",
		Long: `keygen writes a new age identity to FILE with mode 0600 (it never
overwrites one) and prints its public recipient, the line that goes under
recipients in the config. Pushing needs only the recipient; restoring needs
the identity: keep a copy of it off this machine (a password manager, paper,
a USB stick in a drawer), or you cannot restore after a disk failure.`,
		Example: `  argo-backup keygen -o /etc/argo-backup/identity.txt
  argo-backup keygen --escrow   # also keep a passphrase-protected copy on the remote`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := out
			if path == "" {
				path = config.DefaultIdentityPath
				if cfg, err := config.Load(g.configPath); err == nil {
					path = cfg.Identity
				}
			}
			if escrow {
				return g.escrowIdentity(cmd.Context(), path)
			}
			recipient, err := crypto.WriteIdentity(path)
			if err != nil {
				return errs.Userf("keygen: %v", err)
			}
			fmt.Fprintf(g.stdout, "identity written to %s (mode 0600)\n", path)
			fmt.Fprintf(g.stdout, "recipient: %s\n", recipient)
			fmt.Fprintf(g.stdout, "Put the recipient under recipients: in the config, and keep a copy of the identity file off this machine.\n")
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the identity to FILE, e.g. -o /etc/argo-backup/identity.txt")
	cmd.Flags().BoolVar(&escrow, "escrow", false, "store the identity (made first if missing) on the remote, protected by a passphrase asked twice, as keys/<host>.identity.age")
	return cmd
}
