package data

import (
	"bufio"
	"fmt"
	"io"

	"github.com/bgdlab/bgdlab/internal/inputfile"
)

// MaxCSVBytes bounds the CSV files loadCSV reads: it holds every row in
// memory (about three times the file's size), so a larger file is refused
// before it is read rather than ending in an out-of-memory crash.
const MaxCSVBytes = 1 << 30

// csvSource is the text of a CSV file as encoding/csv should see it: lone
// CR line ends (classic Mac OS) become LF, and a NUL byte, which no text CSV
// holds, stops the read with an error naming UTF-16 or binary data.
type csvSource struct {
	r    *bufio.Reader
	line int
	off  int64
}

func openCSV(path string) (*csvSource, io.Closer, error) {
	f, err := inputfile.Open("csv", path, MaxCSVBytes)
	if err != nil {
		return nil, nil, err
	}
	return &csvSource{r: bufio.NewReaderSize(f, 1<<16), line: 1}, f, nil
}

func (s *csvSource) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.r.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		s.off++
		switch c {
		case 0:
			return n, fmt.Errorf("byte %d (line %d) is NUL: this is not a text CSV; UTF-16 text (Excel's \"Unicode text\") must be saved as UTF-8 CSV, and a binary file is not a CSV", s.off, s.line)
		case '\r':
			if next, err := s.r.Peek(1); err != nil || next[0] != '\n' {
				c = '\n' // a lone CR ends a line
				s.line++
			}
		case '\n':
			s.line++
		}
		p[n] = c
		n++
	}
	return n, nil
}
