package main

import (
	"context"
	"crypto/ed25519"
	"sort"
	"strings"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// checkSigningKey: push signs every record, so the key must be here,
// private, and certified for this host (or certifiable by the identity).
func (d *doctor) checkSigningKey() {
	path := d.a.cfg.SigningKey
	key, err := crypto.LoadSigningKey(path)
	if err != nil {
		d.fail("make it with argo-backup keygen --signing-only (or set signing_key)", "signing key: %v", err)
		return
	}
	pub := key.Public().(ed25519.PublicKey)
	certs, _ := crypto.ReadCertificates(crypto.CertificatePath(path))
	if _, err := crypto.NewSigner(key, certs, d.a.cfg.Host); err == nil {
		d.ok("signing key %s certified for host %s", path, d.a.cfg.Host)
		return
	}
	if ids, err := crypto.LoadIdentities(d.a.cfg.Identity); err == nil && len(crypto.TrustRoots(ids)) > 0 {
		d.ok("signing key %s: push certifies it for host %s with the identity", path, d.a.cfg.Host)
		return
	}
	d.fail("on a machine holding the identity run: "+certifyCommand(d.a.cfg.Host, pub),
		"signing key %s is not certified for host %s", path, d.a.cfg.Host)
}

// checkCertificates warns when two hosts are certified for one signing
// key: a cloned machine that kept its image's key can sign as either host.
// It reads the certificates certify left on the remote and, with
// --identity, those carried by each host's records.
func (d *doctor) checkCertificates(ctx context.Context) {
	st, err := d.a.store(ctx, false)
	if err != nil {
		return
	}
	hosts := map[string]map[string]bool{} // key: hosts
	note := func(c *crypto.Certificate) {
		k := crypto.FormatPublicKey(c.Key)
		if hosts[k] == nil {
			hosts[k] = map[string]bool{}
		}
		hosts[k][c.Host] = true
	}
	entries, _ := st.List(ctx, "keys")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name, ".signing.cert") || e.Size > 1<<20 {
			continue
		}
		data, err := st.ReadAll(ctx, e.Name)
		if err != nil {
			continue
		}
		certs, _ := crypto.DecodeCertificates(data)
		for _, s := range certs {
			if c, err := crypto.ParseCertificate(s); err == nil {
				note(c)
			}
		}
	}
	if d.identity != "" {
		for _, c := range d.recordCertificates(ctx, st) {
			note(c)
		}
	}
	for k, hs := range hosts {
		if len(hs) > 1 {
			var names []string
			for h := range hs {
				names = append(names, h)
			}
			sort.Strings(names)
			d.warn("each machine needs its own key: run argo-backup keygen --signing-only on the clones and certify each",
				"hosts %s are certified for one signing key %s", strings.Join(names, ", "), k)
		}
	}
}

func (d *doctor) recordCertificates(ctx context.Context, st *remote.Store) []*crypto.Certificate {
	ids, err := crypto.LoadIdentities(d.identity)
	if err != nil {
		return nil
	}
	cat := &restore.Catalog{Store: st, Identities: ids}
	hosts, _ := cat.Hosts(ctx)
	var out []*crypto.Certificate
	for _, h := range hosts {
		subvols, _ := cat.Subvolumes(ctx, h)
		for _, sv := range subvols {
			l, err := cat.List(ctx, h, sv)
			if err != nil {
				continue
			}
			for _, e := range l.Entries {
				if c := e.Certificate(); c != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// checkIdentityCopy proves that the identity at d.identity checks the
// signature of, and decrypts every part of, the newest trusted backup of
// each of this host's subvolumes on the remote.
func (d *doctor) checkIdentityCopy(ctx context.Context) {
	ids, err := crypto.LoadIdentities(d.identity)
	if err != nil {
		d.fail("give the identity file that reads these backups", "--identity: %v", err)
		return
	}
	if len(crypto.TrustRoots(ids)) == 0 {
		d.fail("use an age X25519, ssh-ed25519 or ssh-rsa identity", "identity %s cannot check signatures", d.identity)
		return
	}
	st, err := d.a.repository(ctx, false)
	if err != nil {
		d.fail("check remote", "%v", err)
		return
	}
	cat := restore.Catalog{Store: st, Identities: ids}
	subvols, err := cat.Subvolumes(ctx, d.a.cfg.Host)
	if err != nil || len(subvols) == 0 {
		d.warn("push first", "no backups of host %s on the remote to prove the identity on", d.a.cfg.Host)
		return
	}
	for _, sv := range subvols {
		d.proveNewest(ctx, cat, sv)
	}
}

func (d *doctor) proveNewest(ctx context.Context, cat restore.Catalog, subvol string) {
	v := &restore.Verifier{Restorer: restore.Restorer{Catalog: cat, Log: d.a.log}}
	recs, err := cat.Records(ctx, d.a.cfg.Host, subvol)
	if err != nil || len(recs) == 0 {
		d.fail("check that this is the identity of this fleet (list --identity shows why records are untrusted)",
			"identity %s: no backup of %s it can verify", d.identity, subvol)
		return
	}
	newest := recs[len(recs)-1].Snapshot
	rep, err := v.Verify(ctx, d.a.cfg.Host, subvol, restore.VerifyOptions{Snapshot: newest, Quick: true})
	if err != nil {
		d.fail("", "identity %s: verify %s: %v", d.identity, newest, err)
		return
	}
	for _, c := range rep.Checks {
		if c.Snapshot == newest && !c.OK() {
			d.fail("run argo-backup verify for details", "identity %s: newest backup %s: %s", d.identity, newest, strings.Join(c.Lines(), "; "))
			return
		}
	}
	d.ok("identity %s verifies and decrypts %s, the newest backup of %s", d.identity, newest, subvol)
}
