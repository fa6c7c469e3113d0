package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/remote"
)

// defaultSigningKey is signing.key beside the identity file.
func defaultSigningKey(identity string) string {
	if identity == "" {
		identity = DefaultIdentityPath
	}
	return filepath.Join(filepath.Dir(identity), "signing.key")
}

// certifyCommand is the one command that certifies key for host, run
// where the identity is.
func certifyCommand(host string, key ed25519.PublicKey) string {
	return fmt.Sprintf("argo-backup certify --host %s %s", host, crypto.FormatPublicKey(key))
}

// makeSigningKey writes a new signing key at keyPath and, when the identity
// at identityPath is readable here, certifies it for host beside it.
func makeSigningKey(keyPath, host, identityPath string) (pub ed25519.PublicKey, certified bool, err error) {
	pub, err = crypto.WriteSigningKey(keyPath)
	if err != nil {
		return nil, false, err
	}
	ids, err := crypto.LoadIdentities(identityPath)
	if err != nil {
		return pub, false, nil
	}
	roots := crypto.TrustRoots(ids)
	if len(roots) == 0 {
		return pub, false, nil
	}
	cert, err := crypto.Certify(roots[0], crypto.Certificate{Host: host, Key: pub, Issued: time.Now()})
	if err != nil {
		return pub, false, err
	}
	return pub, true, crypto.WriteCertificate(crypto.CertificatePath(keyPath), cert)
}

// signer loads this host's signing key and its certificate. A missing
// certificate is looked for on the remote (where certify puts it), and,
// when the identity is on this machine, made here. Every failure is a
// config error naming the fix.
func (a *app) signer(ctx context.Context) (*crypto.Signer, error) {
	path := a.cfg.SigningKey
	key, err := crypto.LoadSigningKey(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, configErrorf("signing key %s does not exist: make it with 'argo-backup keygen --signing-only' (or set signing_key to this host's key)", path)
	}
	if err != nil {
		return nil, &ConfigError{err}
	}
	pub := key.Public().(ed25519.PublicKey)
	certPath := crypto.CertificatePath(path)
	cert, _, _ := crypto.ReadCertificate(certPath)
	s, err := crypto.NewSigner(key, cert, a.cfg.Host)
	if err == nil {
		return s, nil
	}
	if cert = a.fetchCertificate(ctx, pub); cert == nil {
		cert = a.selfCertify(pub)
	}
	if s, err2 := crypto.NewSigner(key, cert, a.cfg.Host); err2 == nil {
		if werr := crypto.WriteCertificate(certPath, cert); werr != nil {
			a.log.Warn("could not keep the certificate beside the signing key", "error", werr)
		}
		return s, nil
	}
	return nil, configErrorf("signing key %s is not certified for host %s (%v): on a machine holding the identity run: %s",
		path, a.cfg.Host, err, certifyCommand(a.cfg.Host, pub))
}

// fetchCertificate reads the certificate certify stored on the remote for
// this host, if it names pub. Its root cannot be checked here (no
// identity): a forged one only makes this host's records untrusted,
// which verify then reports.
func (a *app) fetchCertificate(ctx context.Context, pub ed25519.PublicKey) *crypto.Signed {
	st, err := a.store(ctx)
	if err != nil {
		return nil
	}
	data, err := st.ReadAll(ctx, remote.CertificateName(a.cfg.Host))
	if err != nil || len(data) > 1<<20 {
		return nil
	}
	cert, c, err := crypto.DecodeCertificate(data)
	if err != nil || c.Host != a.cfg.Host || !pub.Equal(ed25519.PublicKey(c.Key)) {
		return nil
	}
	return cert
}

// selfCertify certifies pub for this host when the identity is here: a
// one-machine user holds both, and needs no extra step.
func (a *app) selfCertify(pub ed25519.PublicKey) *crypto.Signed {
	ids, err := crypto.LoadIdentities(a.cfg.Identity)
	if err != nil {
		return nil
	}
	roots := crypto.TrustRoots(ids)
	if len(roots) == 0 {
		return nil
	}
	cert, err := crypto.Certify(roots[0], crypto.Certificate{Host: a.cfg.Host, Key: pub, Issued: time.Now()})
	if err != nil {
		return nil
	}
	a.log.Info("certified this host's signing key with the identity", "host", a.cfg.Host, "identity", a.cfg.Identity)
	return cert
}
