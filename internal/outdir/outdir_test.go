package outdir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/outdir"
)

func TestClaim(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(dir string) // dir does not exist yet
		legacy []string
		want   string // "" = claimed; else a substring of the refusal
	}{
		{"new folder", func(string) {}, nil, ""},
		{"empty folder", func(d string) { os.MkdirAll(d, 0o755) }, nil, ""},
		{"own marker", func(d string) { write(d, outdir.Marker("sweep"), "") }, nil, ""},
		{"own lock only", func(d string) { write(d, ".sweep.lock", "12") }, nil, ""},
		{"older output of this kind", func(d string) { write(d, "sweep.json", "{}"); write(d, "summary.csv", "") }, []string{"sweep.json"}, ""},
		{"another kind's marker", func(d string) { write(d, outdir.Marker("report"), "") }, nil, "holds a bgdlab report's output"},
		{"a user's files", func(d string) { write(d, "history.csv", "mine"); write(d, "notes.txt", "mine") }, nil, "history.csv, notes.txt"},
		{"a file", func(d string) { os.MkdirAll(filepath.Dir(d), 0o755); os.WriteFile(d, nil, 0o644) }, nil, "is a file"},
		{"a symlink to a folder", func(d string) {
			real := d + "-real"
			os.MkdirAll(real, 0o755)
			os.Symlink(real, d)
		}, nil, "symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tc.setup(dir)
			err := outdir.Claim(dir, "sweep", tc.legacy...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "":
				if _, err := os.Stat(filepath.Join(dir, outdir.Marker("sweep"))); err != nil {
					t.Errorf("claimed without a marker: %v", err)
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// ClaimHolding accepts the entries it is told are bgdlab's, nothing else.
func TestClaimHolding(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "merged")
	os.MkdirAll(filepath.Join(dir, "shard-0"), 0o755)
	os.MkdirAll(filepath.Join(dir, "shard-1"), 0o755)
	if err := outdir.ClaimHolding(dir, "merge", []string{"shard-0", "shard-1"}); err != nil {
		t.Fatalf("the shards' parent refused: %v", err)
	}
	other := filepath.Join(t.TempDir(), "merged")
	os.MkdirAll(filepath.Join(other, "shard-0"), 0o755)
	write(other, "notes.txt", "mine")
	if err := outdir.ClaimHolding(other, "merge", []string{"shard-0"}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a user's notes.txt beside the shards: %v", err)
	}
}

func TestOnlyOwn(t *testing.T) {
	dir := t.TempDir()
	write(dir, "run.json", "{}")
	write(dir, ".run.json.tmp123", "")
	if ok, name := outdir.OnlyOwn(dir, "run.json", "history.csv", ".run.json.tmp*"); !ok {
		t.Errorf("own files refused (%s)", name)
	}
	write(dir, "notes.txt", "mine")
	if ok, name := outdir.OnlyOwn(dir, "run.json", ".run.json.tmp*"); ok || name != "notes.txt" {
		t.Errorf("a user's notes.txt: ok=%v, name %q", ok, name)
	}
}

func write(dir, name, body string) {
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
}
