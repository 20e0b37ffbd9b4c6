package idxtest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/bgdlab/bgdlab/internal/idxtest"
)

func TestBytesAndGzip(t *testing.T) {
	raw := idxtest.Bytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	want := []byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	if !bytes.Equal(raw, want) {
		t.Fatalf("Bytes = %v, want %v", raw, want)
	}
	r, err := gzip.NewReader(bytes.NewReader(idxtest.Gzip(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if back, err := io.ReadAll(r); err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("Gzip does not round-trip: %v %v", back, err)
	}
	r, _ = gzip.NewReader(bytes.NewReader(idxtest.BadCRC(raw)))
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("BadCRC reads without a checksum error")
	}
}
