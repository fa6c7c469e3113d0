package crypto

import (
	"errors"
	"strings"
)

// bech32Decode decodes a BIP 173 bech32 string (case-insensitive, no
// length limit, as age uses it) into its human-readable part and data
// bytes. age keeps its own decoder internal; the trust root needs the raw
// secret of an AGE-SECRET-KEY-1 line.
func bech32Decode(s string) (hrp string, data []byte, err error) {
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return "", nil, errors.New("bech32: separator misplaced")
	}
	hrp = s[:pos]
	var values []byte
	for _, c := range s[pos+1:] {
		v := strings.IndexRune(bech32Charset, c)
		if v < 0 {
			return "", nil, errors.New("bech32: invalid character")
		}
		values = append(values, byte(v))
	}
	if bech32Polymod(append(bech32ExpandHRP(hrp), values...)) != 1 {
		return "", nil, errors.New("bech32: bad checksum")
	}
	data, err = convertBits(values[:len(values)-6], 5, 8)
	return hrp, data, err
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32ExpandHRP(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// convertBits regroups 5-bit values into bytes, refusing non-zero padding.
func convertBits(in []byte, from, to uint) ([]byte, error) {
	var acc, bits uint
	var out []byte
	for _, v := range in {
		acc = acc<<from | uint(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&(1<<to-1)))
		}
	}
	if bits >= from || acc<<(to-bits)&(1<<to-1) != 0 {
		return nil, errors.New("bech32: bad padding")
	}
	return out, nil
}
