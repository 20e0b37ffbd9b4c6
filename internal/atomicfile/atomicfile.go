// Package atomicfile writes files so that readers never see half of one: the
// data goes to a temporary file beside the target, which is then renamed over
// it. A crash leaves either the old file or the new one, never a mixture.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path atomically, creating parent directories. The file
// gets mode 0644. On error the temporary file is removed and path is left as
// it was.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		// rename(2) would say only "file exists".
		return fmt.Errorf("%s is a folder where bgdlab writes a file: move or remove it, then rerun", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
