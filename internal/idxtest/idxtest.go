// Package idxtest writes IDX files (the format of MNIST and Fashion-MNIST)
// for tests: well-formed, gzipped, or broken on purpose.
package idxtest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
)

// Bytes is an IDX file of unsigned bytes with the given dimensions and
// payload; the payload need not match the dimensions.
func Bytes(dims []uint32, payload []byte) []byte {
	return WithMagic(uint32(0x0800|len(dims)), dims, payload)
}

// WithMagic is an IDX file with any magic number (a wrong one included).
func WithMagic(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

// Gzip compresses raw as the .gz files of the data sets are.
func Gzip(raw []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(raw)
	w.Close()
	return b.Bytes()
}

// BadCRC is Gzip(raw) with its CRC-32 trailer corrupted.
func BadCRC(raw []byte) []byte {
	out := Gzip(raw)
	out[len(out)-5] ^= 0xff
	return out
}
