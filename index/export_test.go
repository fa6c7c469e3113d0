package index

// SetMaxLive sets how many records a Builder holds before it spills, so
// that small test trees exercise the spill file; it returns the undo.
func SetMaxLive(n int) func() {
	old := maxLive
	maxLive = n
	return func() { maxLive = old }
}
