package main

import (
	"errors"
	"os"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
)

// restoreOnly is a config that only reads backups: no subvolumes and no
// recipients, as on the live system of docs/disaster-recovery.md. There
// the identity is what matters, and nothing may be written to the remote.
func (d *doctor) restoreOnly() bool {
	c := d.a.cfg
	return len(c.Subvolumes) == 0 && len(c.Recipients) == 0 && c.RecipientsFile == ""
}

func (d *doctor) checkKeys() {
	var rs []age.Recipient
	if d.restoreOnly() {
		d.ok("no subvolumes and no recipients: a restore-only config")
	} else {
		var err error
		if rs, err = d.a.recipients(); err != nil {
			d.fail("run argo-backup keygen and put the recipient in the config", "recipients: %v", err)
		} else {
			d.ok("%d recipient(s)", len(rs))
		}
	}
	d.checkIdentity(rs)
}

// checkIdentity loads the identity (the permission rule included) and, when
// there are recipients, proves it reads what they seal: a probe is sealed
// to every recipient (recipients and recipients_file, any key type) and
// opened with the identity.
func (d *doctor) checkIdentity(rs []age.Recipient) {
	path := d.a.cfg.Identity
	ids, err := crypto.LoadIdentities(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && d.restoreOnly():
		d.warn("restoring needs it: set identity to your copy (chmod 600), or use --escrow if it is escrowed on the remote",
			"identity %s not on this machine", path)
		return // checkRepository looks for an escrowed one
	case errors.Is(err, os.ErrNotExist):
		d.warn("fine for a machine that only pushes; keep the identity safe elsewhere for restores",
			"identity %s not on this machine", path)
		return
	case err != nil:
		d.fail("", "identity: %v", err)
		return
	}
	if len(rs) == 0 {
		d.ok("identity %s is private and readable", path)
		return
	}
	sealed, err := crypto.Encrypt(rs, []byte("argo-backup doctor probe\n"))
	if err == nil {
		_, err = crypto.Decrypt(ids, sealed)
	}
	if err != nil {
		d.warn("this identity cannot read the backups this config writes: check recipients and recipients_file",
			"identity %s matches none of the recipients", path)
		return
	}
	d.ok("identity %s is private and matches a recipient", path)
}
