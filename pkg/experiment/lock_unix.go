//go:build unix

package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFolder takes the lock of a folder that one bgdlab command of kind what
// ("sweep", "report") writes at a time: a flock on dir/.what.lock, which
// holds the writer's PID and is released by the returned function or when
// the process ends, however it ends (a killed sweep never blocks its
// resume). A second writer gets an error naming the PID in the way.
func LockFolder(dir, what string) (func(), error) {
	path := filepath.Join(dir, "."+what+".lock")
	// O_NOFOLLOW: a lock planted as a symlink must not get its target's
	// contents replaced by a PID (as root, that could be any file).
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link, not a bgdlab lock file: refusing to write through it; remove it (rm %s) or choose another --out", path, path)
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file, so not a bgdlab lock file: remove it or choose another --out", path)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		raw := make([]byte, 32)
		n, _ := f.ReadAt(raw, 0)
		f.Close()
		holder := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(raw[:n]))); err == nil {
			holder = fmt.Sprintf("PID %d", pid)
		}
		return nil, fmt.Errorf("%s is in use by %s: another bgdlab %s is writing it (lock %s); wait for it to finish, or give this %s its own --out", dir, holder, what, path, what)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
