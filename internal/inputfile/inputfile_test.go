package inputfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bgdlab/bgdlab/internal/inputfile"
)

func TestReadAll(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.csv")
	os.WriteFile(small, []byte("a,b\n1,2\n"), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		limit int64
		want  string // "" for success
	}{
		{small, 100, ""},
		{small, 8, ""},
		{small, 7, "small.csv is 8 B; bgdlab reads at most 7 B of it"},
		{"/dev/zero", 1 << 30, "is not a regular file (it is a device)"},
		{dir, 100, "is not a regular file (it is a folder)"},
		{fifo, 100, "is not a regular file (it is a named pipe)"}, // would block forever in os.Open
		{filepath.Join(dir, "nope"), 100, "no such file"},
	}
	for _, tc := range tests {
		raw, err := inputfile.ReadAll("csv", tc.path, tc.limit)
		switch {
		case tc.want == "" && (err != nil || string(raw) != "a,b\n1,2\n"):
			t.Errorf("%s limit %d: %q, %v", tc.path, tc.limit, raw, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s limit %d: error %v, want %q", tc.path, tc.limit, err, tc.want)
		}
	}
}

func ExampleSize() {
	fmt.Println(inputfile.Size(3<<29), inputfile.Size(2048))
	// Output: 1.5 GiB 2.0 KiB
}
