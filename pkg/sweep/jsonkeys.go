package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// duplicateKeys refuses a JSON object that names a key twice: encoding/json
// keeps the last silently, so `"seeds": [1], "seeds": [2, 3]` would run
// seeds 2 and 3 without a word.
func duplicateKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				at := dec.InputOffset()
				key, err := dec.Token()
				if err != nil {
					return err
				}
				k := key.(string)
				if seen[k] {
					for at < int64(len(raw)) && bytes.IndexByte([]byte(" \t\r\n,"), raw[at]) >= 0 {
						at++ // to the key's opening quote
					}
					line, col := lineCol(raw, at)
					return fmt.Errorf("line %d column %d: key %q is given twice in one object (JSON keeps only the last): give it once", line, col, k)
				}
				seen[k] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	err := walk()
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return jsonPosition(raw, err)
}

// jsonPosition adds the line and column to encoding/json's syntax and type
// errors (they carry only a byte offset), and says when the text is YAML.
func jsonPosition(raw []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &syn):
		off = syn.Offset - 1 // Offset counts the offending byte
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return err
	}
	line, col := lineCol(raw, off)
	hint := ""
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '{' {
		hint = " (this looks like YAML: name the file .yaml)"
	}
	return fmt.Errorf("line %d column %d: %w%s", line, col, err, hint)
}

// lineCol is the 1-based line and column of the byte at offset off in raw.
func lineCol(raw []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(raw)))
	before := raw[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	return line, int(off) - bytes.LastIndexByte(before, '\n')
}
