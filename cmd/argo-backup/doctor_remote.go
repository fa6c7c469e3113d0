package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// checkRemote proves a pushing machine's remote is writable with a probe
// object. A local remote directory that is not there yet is left to the
// first push to create: doctor never makes it, so a typo stays visible.
func (d *doctor) checkRemote(ctx context.Context) {
	if dir := d.a.cfg.Remote; filepath.IsAbs(dir) {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			d.warn("the first push creates it; if backups should be there already, check remote",
				"remote %s does not exist yet", dir)
			return
		}
	}
	st, err := d.a.store(ctx, false)
	if err != nil {
		d.fail("check remote and rclone_config", "%v", err)
		return
	}
	probe := fmt.Sprintf("%s/doctor-probe-%d", d.a.cfg.Host, time.Now().UnixNano())
	if err := st.Put(ctx, probe, []byte("argo-backup doctor probe\n")); err != nil {
		d.fail("check the remote's credentials and quota", "remote %s is not writable: %v", st, err)
		return
	}
	if err := st.Delete(ctx, probe); err != nil {
		d.warn("delete "+probe+" by hand", "remote %s: probe object not deleted: %v", st, err)
		return
	}
	d.ok("remote %s reachable and writable", st)
}

// checkRepository is a restore-only config's remote check, which writes
// nothing: the repository is there, this host has backups in it, and the
// identity opens the newest record it finds.
func (d *doctor) checkRepository(ctx context.Context) {
	st, err := d.a.repository(ctx, false)
	if err != nil {
		d.fail("check remote, rclone_config and the network", "%v", err)
		return
	}
	cat := &restore.Catalog{Store: st}
	host := d.a.cfg.Host
	subvols, err := st.Dirs(ctx, host)
	if err != nil {
		d.fail("check the network and the remote's credentials", "remote %s: %v", st, err)
		return
	}
	subvols = slices.DeleteFunc(subvols, func(s string) bool { return remote.CheckName("subvolume", s) != nil }) // locks
	if len(subvols) == 0 {
		hosts, _ := cat.Hosts(ctx)
		d.fail("set host to one of the hosts there", "remote %s has no backups of host %q (hosts there: %s)", st, host, quoted(hosts))
		return
	}
	d.ok("remote %s reachable: host %s has backups of %s", st, host, quoted(subvols))
	d.checkRecordOpens(ctx, st, host, subvols)
}

// checkRecordOpens decrypts one record of host with the identity: the
// proof that this identity reads these backups.
func (d *doctor) checkRecordOpens(ctx context.Context, st *remote.Store, host string, subvols []string) {
	ids, err := crypto.LoadIdentities(d.a.cfg.Identity)
	if errors.Is(err, os.ErrNotExist) {
		d.checkEscrow(ctx, st, host)
		return
	}
	if err != nil {
		return // checkIdentity said why
	}
	for _, sv := range subvols {
		snaps, err := st.Dirs(ctx, host+"/"+sv)
		for i := len(snaps) - 1; err == nil && i >= 0; i-- {
			name := remote.RecordName(host, sv, snaps[i])
			sealed, rerr := st.ReadAll(ctx, name)
			if rerr != nil {
				continue // an unfinished push has no record
			}
			if _, err := crypto.Decrypt(ids, sealed); err != nil {
				d.fail("use the identity the backups were made for (see disaster-recovery.md, What if)", "identity %s cannot open %s: %v", d.a.cfg.Identity, name, err)
			} else {
				d.ok("identity %s opens %s", d.a.cfg.Identity, name)
			}
			return
		}
	}
	d.warn("no backup has been committed yet", "host %s has no record on the remote to open", host)
}

// checkEscrow is the identity check of a restore-only config without an
// identity file: the escrowed identity must be on the remote (opening it
// needs the passphrase, which doctor does not ask for).
func (d *doctor) checkEscrow(ctx context.Context, st *remote.Store, host string) {
	name := remote.EscrowName(host)
	if _, err := st.Stat(ctx, name); err != nil {
		d.fail("set identity to your copy of the identity file", "no identity on this machine, and none of host %s escrowed on the remote (%s): %v", host, name, err)
		return
	}
	d.ok("the identity of host %s is escrowed on the remote (%s): use list, restore and verify with --escrow", host, name)
}
