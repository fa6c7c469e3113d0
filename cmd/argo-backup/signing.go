package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
)

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
	return pub, true, crypto.WriteCertificates(crypto.CertificatePath(keyPath), []*crypto.Signed{cert})
}

// signer loads this host's signing key and its certificates: those beside
// it, those certify left on the remote (one per identity that certified
// it), and, when the identity is on this machine, one made here. Every
// failure is a config error naming the fix.
func (a *app) signer(ctx context.Context) (*crypto.Signer, error) {
	key, err := a.signingKey()
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	certPath := crypto.CertificatePath(a.cfg.SigningKey)
	local, _ := crypto.ReadCertificates(certPath)
	// Local certificates last: they win over the remote's for the same
	// identity, and are never the ones dropped beyond the limit.
	certs := a.selfCertified(key, crypto.MergeCertificates(a.fetchCertificates(ctx, pub), local))
	s, err := crypto.NewSigner(key, certs, a.cfg.Host)
	if err != nil {
		why := ""
		if !errors.Is(err, crypto.ErrNotCertified) || err.Error() != crypto.ErrNotCertified.Error() {
			why = fmt.Sprintf(" (%v)", err)
		}
		return nil, errs.Userf("signing key %s is not certified for host %s%s: on a machine holding the identity run: %s",
			a.cfg.SigningKey, a.cfg.Host, why, certifyCommand(a.cfg.Host, pub))
	}
	if !sameCertificates(local, s.Certificates()) {
		if err := crypto.WriteCertificates(certPath, s.Certificates()); err != nil {
			a.log.Warn("could not keep the certificates beside the signing key", "error", err)
		}
	}
	return s, nil
}

// signingKey loads the signing key. A machine that holds the identity
// (upgraded from before signing existed) makes a missing one: nothing to
// do by hand. Elsewhere a missing key is a config error.
func (a *app) signingKey() (ed25519.PrivateKey, error) {
	path := a.cfg.SigningKey
	key, err := crypto.LoadSigningKey(path)
	if _, ok := a.localRoot(); ok && errors.Is(err, os.ErrNotExist) {
		if _, werr := crypto.WriteSigningKey(path); werr == nil {
			a.log.Info("made this host's signing key", "path", path)
			key, err = crypto.LoadSigningKey(path)
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.Userf("signing key %s does not exist: make it with 'argo-backup keygen --signing-only' (or set signing_key to this host's key)", path)
	}
	if err != nil {
		return nil, errs.User(err)
	}
	return key, nil
}

// selfCertified adds a certificate made with the identity on this machine,
// if there is one and certs hold none of it that fits: a one-machine user
// holds both, and needs no certify step.
func (a *app) selfCertified(key ed25519.PrivateKey, certs []*crypto.Signed) []*crypto.Signed {
	root, ok := a.localRoot()
	if !ok {
		return certs
	}
	if s, err := crypto.NewSigner(key, certs, a.cfg.Host); err == nil && s.IssuedBy(root.Public()) {
		return certs
	}
	pub := key.Public().(ed25519.PublicKey)
	c, err := crypto.Certify(root, crypto.Certificate{Host: a.cfg.Host, Key: pub, Issued: time.Now()})
	if err != nil {
		return certs
	}
	a.log.Info("certified this host's signing key for host "+a.cfg.Host+" with the identity on this machine", "identity", a.cfg.Identity)
	return crypto.MergeCertificates(certs, []*crypto.Signed{c})
}

// fetchCertificates reads the certificates certify stored on the remote for
// this host that name pub. Who issued them cannot be checked here (no
// identity): a forged one is simply never used by a verifier.
func (a *app) fetchCertificates(ctx context.Context, pub ed25519.PublicKey) []*crypto.Signed {
	st, err := a.store(ctx, false)
	if err != nil {
		return nil
	}
	data, err := st.ReadAll(ctx, remote.CertificateName(a.cfg.Host))
	if err != nil || len(data) > 1<<20 {
		return nil
	}
	certs, err := crypto.DecodeCertificates(data)
	if err != nil {
		return nil
	}
	var out []*crypto.Signed
	for _, s := range certs {
		if c, err := crypto.ParseCertificate(s); err == nil && c.Host == a.cfg.Host && pub.Equal(ed25519.PublicKey(c.Key)) {
			out = append(out, s)
		}
	}
	return out
}

// localRoot is the trust root of the identity on this machine, if any: a
// one-machine user holds both, and needs no certify step.
func (a *app) localRoot() (crypto.TrustRoot, bool) {
	ids, err := crypto.LoadIdentities(a.cfg.Identity)
	if err != nil {
		return crypto.TrustRoot{}, false
	}
	roots := crypto.TrustRoots(ids)
	if len(roots) == 0 {
		return crypto.TrustRoot{}, false
	}
	return roots[0], true
}

func sameCertificates(a, b []*crypto.Signed) bool {
	ea, errA := crypto.EncodeCertificates(a)
	eb, errB := crypto.EncodeCertificates(b)
	return errA == nil && errB == nil && bytes.Equal(ea, eb)
}
