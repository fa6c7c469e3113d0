package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
)

type certifyFlags struct {
	host, identity, out, revokeFrom string
	revoke                          []string
}

func newCertifyCommand(g *globals) *cobra.Command {
	var f certifyFlags
	cmd := &cobra.Command{
		Use:   "certify --host HOST KEY",
		Short: "Certify a host's signing key with the identity (run where the identity is)",
		Long: `certify makes the certificate that lets a restore trust what the signing
key KEY (the ed25519:... line keygen and push print) signs as host HOST. It
needs the identity: its trust root, derived from the identity's secret,
signs the certificate. The certificate goes to the remote as
keys/HOST.signing.cert, where the host's next push picks it up; with -o it
is written to FILE instead, to copy beside the host's signing key.

Rotation and revocation: certify the host's new key with --revoke OLDKEY
(repeatable) and --revoke-from DATE (default: now). Every record the new
key signs carries the revocation, so no single deleted object undoes it;
what OLDKEY signed from DATE on is no longer trusted. Revocations of the
host's previous certificate on the remote are carried over.`,
		Example: `  argo-backup certify --host web1 ed25519:3q2+7w...
  argo-backup certify --host laptop ed25519:NEW... --revoke ed25519:OLD... --revoke-from 2026-11-20`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errs.Userf("certify takes one argument, the signing public key (ed25519:...), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.certify(cmd.Context(), f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.host, "host", "", "the host name the key signs for, e.g. --host web1 (required)")
	fl.StringVar(&f.identity, "identity", "", "identity file (default: the config's identity)")
	fl.StringVarP(&f.out, "output", "o", "", "write the certificate to FILE instead of the remote")
	fl.StringArrayVar(&f.revoke, "revoke", nil, "stop trusting this older key of the host, e.g. --revoke ed25519:... (repeatable)")
	fl.StringVar(&f.revokeFrom, "revoke-from", "", "distrust what the revoked keys signed from this date (YYYY-MM-DD or RFC 3339, default: now)")
	return cmd
}

func (g *globals) certify(ctx context.Context, f certifyFlags, keyText string) error {
	cert, err := f.certificate(keyText)
	if err != nil {
		return err
	}
	cfg, cfgErr := config.Load(g.configPath)
	identity := f.identity
	if identity == "" {
		if cfgErr != nil {
			return errs.Userf("certify needs the identity: pass --identity FILE (the config %s cannot be read: %v)", g.configPath, cfgErr)
		}
		identity = cfg.Identity
	}
	ids, err := crypto.LoadIdentities(identity)
	if err != nil {
		return errs.User(err)
	}
	roots := crypto.TrustRoots(ids)
	if len(roots) == 0 {
		return errs.Userf("identity %s holds no key that can certify (age X25519, ssh-ed25519 or ssh-rsa)", identity)
	}
	if f.out != "" {
		return g.writeCertificate(roots[0], cert, f.out)
	}
	if cfgErr != nil {
		return errs.Userf("certify stores the certificate on the remote, and the config %s cannot be read (%v): fix it, or pass -o FILE", g.configPath, cfgErr)
	}
	return g.storeCertificate(ctx, cfg, roots[0], cert)
}

// certificate builds the certificate the flags ask for (not yet signed).
func (f certifyFlags) certificate(keyText string) (crypto.Certificate, error) {
	c := crypto.Certificate{Host: f.host, Issued: time.Now()}
	if err := remote.CheckName("host", f.host); err != nil {
		return c, errs.Userf("certify: --host: %v", err)
	}
	key, err := crypto.ParsePublicKey(keyText)
	if err != nil {
		return c, errs.Userf("certify: %v", err)
	}
	c.Key = key
	from := time.Now()
	if f.revokeFrom != "" {
		if from, err = parseDay(f.revokeFrom); err != nil {
			return c, errs.Userf("certify: --revoke-from %q: use YYYY-MM-DD or RFC 3339", f.revokeFrom)
		}
	}
	for _, r := range f.revoke {
		old, err := crypto.ParsePublicKey(r)
		if err != nil {
			return c, errs.Userf("certify: --revoke: %v", err)
		}
		if old.Equal(key) {
			return c, errs.Userf("certify: --revoke names the key being certified")
		}
		c.Revokes = append(c.Revokes, crypto.Revocation{Key: old, From: from})
	}
	return c, nil
}

func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", s, time.Local)
}

func (g *globals) writeCertificate(root crypto.TrustRoot, c crypto.Certificate, out string) error {
	signed, err := crypto.Certify(root, c)
	if err != nil {
		return err
	}
	if err := crypto.WriteCertificates(out, []*crypto.Signed{signed}); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "certificate for host %s written to %s: copy it beside that host's signing key, named like it with .cert for .key\n", c.Host, out)
	return nil
}

// storeCertificate puts the certificate where the host's push finds it,
// carrying over the revocations of the certificate it replaces.
func (g *globals) storeCertificate(ctx context.Context, cfg *config.Config, root crypto.TrustRoot, c crypto.Certificate) error {
	a := &app{globals: g, cfg: cfg, log: g.logger()}
	st, err := a.repository(ctx, true)
	if err != nil {
		return err
	}
	name := remote.CertificateName(c.Host)
	previous := storedCertificates(ctx, st, name)
	c.Revokes = append(c.Revokes, carriedRevocations(previous, root.Public(), c.Key)...)
	signed, err := crypto.Certify(root, c)
	if err != nil {
		return err
	}
	data, err := crypto.EncodeCertificates(crypto.MergeCertificates(sameKey(previous, c.Key), []*crypto.Signed{signed}))
	if err != nil {
		return err
	}
	if err := st.Put(ctx, name, data); err != nil {
		return fmt.Errorf("store certificate %s: %w", name, err)
	}
	fmt.Fprintf(g.stdout, "certificate for host %s stored on the remote as %s: the next push on %s picks it up\n", c.Host, name, c.Host)
	return nil
}

// storedCertificates are the certificates at name, or none.
func storedCertificates(ctx context.Context, st *remote.Store, name string) []*crypto.Signed {
	data, err := st.ReadAll(ctx, name)
	if err != nil || len(data) > 1<<20 {
		return nil
	}
	certs, _ := crypto.DecodeCertificates(data)
	return certs
}

// carriedRevocations are the revocations of root's earlier certificate
// among previous, so that certifying a new key never drops one.
func carriedRevocations(previous []*crypto.Signed, root ed25519.PublicKey, key []byte) []crypto.Revocation {
	var out []crypto.Revocation
	for _, s := range previous {
		c, err := crypto.ParseCertificate(s)
		if err != nil || !root.Equal(ed25519.PublicKey(s.Key)) || s.Check() != nil {
			continue
		}
		for _, r := range c.Revokes {
			if !ed25519.PublicKey(r.Key).Equal(ed25519.PublicKey(key)) {
				out = append(out, r)
			}
		}
	}
	return out
}

// sameKey keeps the certificates (of other identities) for key: those of
// a replaced key are dropped.
func sameKey(certs []*crypto.Signed, key []byte) []*crypto.Signed {
	var out []*crypto.Signed
	for _, s := range certs {
		if c, err := crypto.ParseCertificate(s); err == nil && ed25519.PublicKey(c.Key).Equal(ed25519.PublicKey(key)) {
			out = append(out, s)
		}
	}
	return out
}
