package data

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/bgdlab/bgdlab/internal/idxtest"
)

// FuzzReadIDX: any bytes named like an IDX file give data or an error, never
// a panic or an allocation the header alone asks for; accepted data matches
// its dimensions. Seeds: the cases that once crashed or were accepted
// (dimensions whose product overflows int, a bad gzip CRC, trailing bytes).
func FuzzReadIDX(f *testing.F) {
	good := idxtest.Bytes([]uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(good)
	f.Add(idxtest.Gzip(good))
	f.Add(idxtest.Bytes([]uint32{1 << 31, 1 << 31, 1 << 31}, nil)) // overflowing product
	f.Add(idxtest.Bytes([]uint32{0xffffffff, 0xffffffff, 16}, []byte{1}))
	f.Add(append(idxtest.Bytes([]uint32{2}, []byte{1, 2}), 9, 9)) // trailing garbage
	f.Add(idxtest.BadCRC(good))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(dir, "x-idx3-ubyte")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		dims, data, err := ReadIDX(path)
		if err != nil {
			return
		}
		total := 1
		for _, d := range dims {
			total *= d
		}
		if total != len(data) {
			t.Fatalf("accepted dims %v (%d bytes) with %d bytes of data", dims, total, len(data))
		}
	})
}

// FuzzLoadCSV: any file gives a data set whose sizes hold together or an
// error, never a panic; the seeds are the CSV cases that were silently
// misread (a BOM without a header, duplicate target names, a constant
// target, NaN, ragged rows).
func FuzzLoadCSV(f *testing.F) {
	for _, seed := range []struct{ body, target string }{
		{"a,b,y\n1,2,3\n4,5,6\n7,8,10\n", ""},
		{"\ufeff1,2,3\n4,5,6\n7,8,9\n", ""},
		{"x,y,y\n1,2,3\n4,5,6\n", "y"},
		{"a,y\n1,3\n2,3\n", "y"},
		{"a,y\n1,NaN\n2,3\n", ""},
		{"a,y\n1,2,3\n2,3\n", ""},
		{"a,y\n", ""},
		{"", ""},
		{"1,2\n3,4\n", "7"},
		{"a,y\n1,1e400\n2,3\n", "y"},
	} {
		f.Add(seed.body, seed.target, false)
		f.Add(seed.body, seed.target, true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body, target string, classify bool) {
		path := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		task := Regression
		if classify {
			task = Classification
		}
		d, err := loadCSV(CSV{Path: path, Target: target, Header: "auto", Task: task})
		if err != nil {
			return
		}
		if d.N < 1 || d.D < 1 || len(d.X) != d.N*d.D {
			t.Fatalf("accepted N=%d D=%d with %d features", d.N, d.D, len(d.X))
		}
		for _, v := range d.X {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted a non-finite feature %v", v)
			}
		}
		if task == Regression && len(d.Y) != d.N*max(d.T, 1) {
			t.Fatalf("accepted %d targets for %d rows", len(d.Y), d.N)
		}
		if task == Classification && len(d.Labels) != d.N {
			t.Fatalf("accepted %d labels for %d rows", len(d.Labels), d.N)
		}
	})
}

// FuzzParse: dataset specs parse and validate or fail cleanly, and a valid
// one reads back from its String, without loading anything (sizes are checked before any
// allocation: n=1e15 and d=1e8 were out-of-memory crashes).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"synthetic-linear:n=1e15", "blobs:d=1e8", "synthetic-linear:n=200,d=5,kappa=10", "textbook", "csv:path=/nonexistent", "fashion-mnist:subset=-1", "two-moons:n=1e300", "nope:x=1", ":", "blobs:n=10,n=20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil || c.Validate() != nil {
			return
		}
		back, err := Parse(c.String())
		if err != nil || back.String() != c.String() {
			t.Fatalf("%q parsed as %q, which reads back as %v (error %v)", s, c.String(), back, err)
		}
	})
}
