package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// FileBacked is a data set read from files: its identity is their content,
// not only the spec that names them (a CSV rewritten at the same path is
// another data set).
type FileBacked interface {
	Config
	// Files returns the paths the data set reads.
	Files() ([]string, error)
}

// Files returns the CSV file.
func (c CSV) Files() ([]string, error) { return []string{c.Path}, nil }

// Files returns the four IDX files (gzipped or not) in the configured folder.
func (c FashionMNIST) Files() ([]string, error) {
	dir := c.Dir
	if dir == "" {
		dir = FashionMNISTDir()
	}
	var out []string
	for _, base := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		p, err := findIDX(dir, base)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Fingerprint is the SHA-256 (hex) of the content of the files c reads, in
// path order, or "" for a data set generated from its spec alone. Hashes
// are cached per process by path, size and modification time.
func Fingerprint(c Config) (string, error) {
	fb, ok := c.(FileBacked)
	if !ok {
		return "", nil
	}
	files, err := fb.Files()
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		sum, err := fileSHA256(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s\n", filepath.Base(f), sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type fileKey struct {
	path    string
	size    int64
	modTime time.Time
}

var fileSums sync.Map // fileKey → string

func fileSHA256(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	key := fileKey{path, st.Size(), st.ModTime()}
	if v, ok := fileSums.Load(key); ok {
		return v.(string), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	fileSums.Store(key, sum)
	return sum, nil
}
