package eval

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

// RandomInt returns a uniformly random value in [min, max) from crypto/rand,
// or min when max <= min. It is what randomInt() uses when the Runtime has
// no RandInt, and the engine's default (interp.Options.RandInt).
func RandomInt(min, max int64) int64 {
	if max <= min {
		return min
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Sub(big.NewInt(max), big.NewInt(min)))
	if err != nil {
		return min
	}
	return min + n.Int64()
}

// NewUUID returns a random lower-case UUID v4 from crypto/rand. It is what
// uuid() uses when the Runtime has no UUID, and the engine's default
// (interp.Options.UUID).
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
