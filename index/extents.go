package index

// cut returns ext without the bytes [off, end): what a write, a punched
// hole or a truncation removes. It never changes ext's array.
func cut(ext []Extent, off, end int64) []Extent {
	out := make([]Extent, 0, len(ext)+1)
	for _, e := range ext {
		eEnd := e.Off + e.Len
		if eEnd <= off || e.Off >= end {
			out = append(out, e)
			continue
		}
		if e.Off < off {
			head := e
			head.Len = off - e.Off
			out = append(out, head)
		}
		if eEnd > end {
			tail := e
			tail.Skip += end - e.Off
			tail.Off = end
			tail.Len = eEnd - end
			out = append(out, tail)
		}
	}
	return out
}

// within returns the parts of ext inside [off, end), trimmed, moved by
// shift: the source side of a clone.
func within(ext []Extent, off, end, shift int64) []Extent {
	var out []Extent
	for _, e := range ext {
		lo, hi := max(e.Off, off), min(e.Off+e.Len, end)
		if lo >= hi {
			continue
		}
		e.Skip += lo - e.Off
		e.Off, e.Len = lo+shift, hi-lo
		out = append(out, e)
	}
	return out
}

// place puts add (sorted, inside [off, end)) over ext's bytes [off, end).
func place(ext []Extent, off, end int64, add ...Extent) []Extent {
	out := cut(ext, off, end)
	i := 0
	for i < len(out) && out[i].Off < off {
		i++
	}
	res := make([]Extent, 0, len(out)+len(add))
	res = append(res, out[:i]...)
	res = append(res, add...)
	return append(res, out[i:]...)
}
