//go:build unix

package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is the lock a sweep holds on its output folder.
const lockFile = ".sweep.lock"

// lockFolder takes the folder's sweep lock (flock, released by the returned
// function or when the process dies), or says another sweep holds it.
func lockFolder(out string) (func(), error) {
	path := filepath.Join(out, lockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another bgdlab sweep is writing %s (it holds %s): wait for it to finish, or give this sweep its own --out (shards: one folder each, then bgdlab merge)", out, path)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
