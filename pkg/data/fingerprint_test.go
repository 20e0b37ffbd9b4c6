package data_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/data"
)

// A CSV's fingerprint follows its content: the same bytes give the same
// hash, a rewrite at the same path (even of the same size) another; data
// generated from a spec has none.
func TestFingerprint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.csv")
	write := func(body string, mod time.Time) string {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, mod, mod)
		fp, err := data.Fingerprint(data.CSV{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}
	t0 := time.Unix(1_700_000_000, 0)
	a := write("x,y\n1,2\n3,4\n", t0)
	if b := write("x,y\n1,2\n3,4\n", t0.Add(time.Second)); b != a {
		t.Errorf("same content, another mtime: %s vs %s", b, a)
	}
	if c := write("x,y\n1,2\n3,5\n", t0.Add(2*time.Second)); c == a {
		t.Error("content changed at the same path and size, fingerprint did not")
	}
	if fp, err := data.Fingerprint(data.Spirals{N: 100}); err != nil || fp != "" {
		t.Errorf("generated data: %q, %v; want none", fp, err)
	}
	if _, err := data.Fingerprint(data.CSV{Path: filepath.Join(t.TempDir(), "missing.csv")}); err == nil {
		t.Error("a missing file has no fingerprint")
	}
}
