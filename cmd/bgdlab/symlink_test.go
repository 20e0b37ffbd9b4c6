package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// symlinkCases: a lock file planted as a symbolic link to a user's file
// (issue 29, class 1) must be refused, and the user's file left as it was.
func symlinkCases() []hostileCase {
	const mine = "my own notes\n"
	planted := func(t *testing.T, dir, out, lock string) {
		t.Helper()
		write(t, filepath.Join(dir, "notes.txt"), mine)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(dir, "notes.txt"), filepath.Join(out, lock)); err != nil {
			t.Fatal(err)
		}
	}
	intact := func(dir, _, _ string) string {
		if raw, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(raw) != mine {
			return "the file the planted lock pointed to was changed: " + string(raw)
		}
		return ""
	}
	return []hostileCase{
		{class: "7 symlinks", name: "sweep lock planted as a symlink", want: "is a symbolic link", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			planted(t, dir, filepath.Join(dir, "o"), ".sweep.lock")
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}, check: intact},
		{class: "7 symlinks", name: "report lock planted as a symlink", want: "is a symbolic link", setup: func(t *testing.T, dir string) []string {
			args := []string{"report", "--sections", "textbook", "--notebooks", "", "--out", filepath.Join(dir, "rep")}
			if code, _, stderr, _ := cli(dir, nil, 3*time.Minute, args...); code != 0 {
				t.Fatalf("first report: exit %d\n%s", code, stderr)
			}
			os.Remove(filepath.Join(dir, "rep", ".report.lock"))
			planted(t, dir, filepath.Join(dir, "rep"), ".report.lock")
			return args
		}, check: intact},
	}
}
