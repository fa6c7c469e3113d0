package main

// backedUp returns the configured subvolumes that have a committed backup
// (a record copy in state_dir), for the daemon's scheduled verify. A daemon
// on a fresh set-up reaches its first verify before the first push has
// committed: then there is nothing to check, which is said (INFO) and is
// not a failure, so `status` does not show one.
func (a *app) backedUp() []string {
	var names []string
	for _, sv := range a.cfg.Subvolumes {
		recs, err := a.state().Records(a.cfg.Host, sv.Name)
		if err == nil && len(recs) == 0 {
			a.log.Info("verify: nothing to check before the first backup", "subvolume", sv.Name)
			continue
		}
		names = append(names, sv.Name) // an unreadable state is verify's to report
	}
	return names
}
