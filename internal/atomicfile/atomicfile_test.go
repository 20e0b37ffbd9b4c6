package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
)

func Example() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sub", "run.json")
	if err := atomicfile.Write(path, []byte(`{"format":2}`)); err != nil {
		panic(err)
	}
	raw, _ := os.ReadFile(path)
	fmt.Println(string(raw))
	// Output: {"format":2}
}

func TestWriteReplacesAndLeavesNoTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	for _, content := range []string{"first", "second, longer"} {
		if err := atomicfile.Write(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only f.txt", len(entries))
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root ignores folder permissions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := atomicfile.Write(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if err := atomicfile.Write(path, []byte("new")); err == nil {
		t.Fatal("write into a read-only folder succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file now holds %q, want the old content", got)
	}
}

// A folder where the file goes is named (rename(2) said "file exists").
func TestWriteOverAFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	os.MkdirAll(filepath.Join(path, "x"), 0o755)
	err := atomicfile.Write(path, []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), "run.json is a folder where bgdlab writes a file") {
		t.Fatalf("error %v, want it to name the folder", err)
	}
	if _, err := os.Stat(filepath.Join(path, "x")); err != nil {
		t.Errorf("the folder's contents were touched: %v", err)
	}
}
