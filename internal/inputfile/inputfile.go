// Package inputfile opens the files a user hands bgdlab (CSV and IDX data,
// sweep configs, run records): regular files only, never a device, FIFO or
// socket (csv:path=/dev/zero would be read until memory runs out, and a FIFO
// would block forever), and never more than a stated number of bytes.
package inputfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Open opens path for reading if it is a regular file of at most limit
// bytes. what names the file in errors ("csv", "sweep config"). The open
// does not block on a FIFO (O_NONBLOCK), and the returned reader stops with
// an error if the file grows past limit after the check.
func Open(what, path string, limit int64) (io.ReadCloser, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %s is not a regular file (it is a %s): give the path of a file", what, path, kind(st.Mode()))
	}
	if st.Size() > limit {
		f.Close()
		return nil, fmt.Errorf("%s %s is %s; bgdlab reads at most %s of it: %s", what, path, Size(st.Size()), Size(limit), tooBig(what))
	}
	return &bounded{f: f, left: limit, what: what, path: path, limit: limit}, nil
}

// ReadAll reads the whole of a regular file of at most limit bytes.
func ReadAll(what, path string, limit int64) ([]byte, error) {
	r, err := Open(what, path, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// bounded is the file, read up to limit bytes.
type bounded struct {
	f           *os.File
	left, limit int64
	what, path  string
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, _ := b.f.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s %s grew past %s while being read: %s", b.what, b.path, Size(b.limit), tooBig(b.what))
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.f.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *bounded) Close() error { return b.f.Close() }

func tooBig(what string) string {
	if what == "csv" {
		return "sample it (shuf -n 100000 FILE) or keep fewer columns"
	}
	return "is it the file you meant?"
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// Size formats a byte count: "512 B", "3.2 MiB", "2.0 GiB".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
