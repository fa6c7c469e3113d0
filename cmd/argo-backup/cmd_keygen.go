package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
)

func newKeygenCommand(g *globals) *cobra.Command {
	var out, host string
	var escrow, signingOnly, noSigningKey bool
	cmd := &cobra.Command{
		Use:   "keygen [-o FILE]",
		Short: "Create an age identity (the key that reads your backups) and this host's signing key",
		Long: `keygen writes a new age identity to FILE with mode 0600 (it never
overwrites one) and prints its public recipient, the line that goes under
recipients in the config. Pushing needs only the recipient; restoring needs
the identity: keep a copy of it off this machine (a password manager, paper,
a USB stick in a drawer), or you cannot restore after a disk failure.

It also writes this host's signing key, signing.key (0600) beside the
identity, and its certificate signing.cert, made with the identity for
this host's name (--host, else the config's host, else the hostname):
every record is signed with it, and a restore trusts only signed records.
With --signing-only it writes only the signing key (-o names it, default:
the config's signing_key) and, without the identity here, prints the one
command that certifies it on a machine that has the identity.`,
		Example: `  argo-backup keygen -o /etc/argo-backup/identity.txt
  argo-backup keygen --escrow   # also keep a passphrase-protected copy on the remote
  argo-backup keygen --signing-only   # a push-only host: its signing key only`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _ := config.Load(g.configPath)
			if signingOnly {
				return g.keygenSigningOnly(cfg, out, host)
			}
			path := out
			if path == "" {
				path = config.DefaultIdentityPath
				if cfg != nil {
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
			if !noSigningKey { // a recovery identity certifies keys and signs nothing
				if err := g.keygenBesideIdentity(path, keygenHost(cfg, host)); err != nil {
					return err
				}
			}
			fmt.Fprintf(g.stdout, "Put the recipient under recipients: in the config, and keep a copy of the identity file off this machine.\n")
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the identity to FILE, e.g. -o /etc/argo-backup/identity.txt")
	cmd.Flags().StringVar(&host, "host", "", "certify the signing key for this host name, e.g. --host laptop (default: the config's host, else the hostname)")
	cmd.Flags().BoolVar(&signingOnly, "signing-only", false, "write only this host's signing key (a push-only host, or an identity made before signing existed)")
	cmd.Flags().BoolVar(&noSigningKey, "no-signing-key", false, "write only the identity, e.g. a recovery key kept offline (then certify each host's key with it)")
	cmd.Flags().BoolVar(&escrow, "escrow", false, "store the identity (made first if missing) on the remote, protected by a passphrase asked twice, as keys/<host>.identity.age")
	return cmd
}

// keygenBesideIdentity makes signing.key beside the new identity at path,
// certified with it, unless one is there already.
func (g *globals) keygenBesideIdentity(path, host string) error {
	key := filepath.Join(filepath.Dir(path), "signing.key")
	if _, err := os.Stat(key); err == nil {
		fmt.Fprintf(g.stdout, "signing key %s exists: kept (push certifies it anew with the identity the config names)\n", key)
		return nil
	}
	return g.keygenSigningKey(key, host, path)
}

// keygenHost is the host a new signing key is certified for.
func keygenHost(cfg *config.Config, flag string) string {
	switch {
	case flag != "":
		return flag
	case cfg != nil:
		return cfg.Host
	}
	h, _ := os.Hostname()
	return h
}

// keygenSigningOnly writes only a signing key: -o, else the config's.
func (g *globals) keygenSigningOnly(cfg *config.Config, out, host string) error {
	path, identity := out, config.DefaultIdentityPath
	if cfg != nil {
		identity = cfg.Identity
		if path == "" {
			path = cfg.SigningKey
		}
	}
	if path == "" {
		path = config.DefaultSigningKey(identity)
	}
	return g.keygenSigningKey(path, keygenHost(cfg, host), identity)
}

// keygenSigningKey makes the signing key and says what to do next.
func (g *globals) keygenSigningKey(path, host, identity string) error {
	if err := remote.CheckName("host", host); err != nil {
		return errs.Userf("keygen: %v: pass --host NAME", err)
	}
	pub, certified, err := makeSigningKey(path, host, identity)
	if err != nil {
		return errs.Userf("keygen: %v", err)
	}
	fmt.Fprintf(g.stdout, "signing key written to %s (mode 0600): %s\n", path, crypto.FormatPublicKey(pub))
	if certified {
		fmt.Fprintf(g.stdout, "certified for host %s: %s\n", host, crypto.CertificatePath(path))
		return nil
	}
	fmt.Fprintf(g.stdout, "not certified yet: on a machine holding the identity run:\n  %s\n", certifyCommand(host, pub))
	return nil
}
