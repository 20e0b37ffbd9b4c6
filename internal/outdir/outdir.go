// Package outdir decides whether a bgdlab command may write into a folder:
// one rule for run, sweep, merge and report. A command writes only into a
// new or empty folder, or one its own kind of output already owns (a marker
// file, .bgdlab-<kind>, or the files an older bgdlab of that kind wrote);
// never through a symbolic link; and a folder of another kind, or holding
// anyone else's files, is refused with the names it holds.
package outdir

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
)

// Marker is the name of the file that marks dir as kind's output.
func Marker(kind string) string { return ".bgdlab-" + kind }

// Claim makes dir an output folder of kind ("run", "sweep", "merge",
// "report"), creating it if needed, or says why not. legacy names files
// (relative to dir) whose presence shows an output of this kind written
// before the markers existed.
func Claim(dir, kind string, legacy ...string) error { return claim(dir, kind, nil, legacy) }

// ClaimHolding is Claim for a folder that may also hold the entries named
// in own, bgdlab's outputs of another command (merge's shard folders
// inside the folder it merges into).
func ClaimHolding(dir, kind string, own []string, legacy ...string) error {
	return claim(dir, kind, own, legacy)
}

func claim(dir, kind string, own, legacy []string) error {
	st, err := os.Lstat(dir)
	switch {
	case os.IsNotExist(err):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return mark(dir, kind)
	case err != nil:
		return err
	case st.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: give --out a real folder (bgdlab does not write through links)", dir)
	case !st.IsDir():
		return fmt.Errorf("%s is a file, not a folder: give --out a new or empty folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var foreign []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == Marker(kind):
			return nil
		case strings.HasPrefix(name, ".bgdlab-") && name != ".bgdlab-backend-noted":
			return fmt.Errorf("%s holds a bgdlab %s's output (%s), not a %s's: give --out a new or empty folder", dir, strings.TrimPrefix(name, ".bgdlab-"), name, kind)
		case strings.HasPrefix(name, "."+kind+".lock") || slices.Contains(own, name):
			// its own lock (from a run that never got as far as the marker),
			// or an entry the caller vouches for
		default:
			foreign = append(foreign, name)
		}
	}
	if len(foreign) == 0 {
		return mark(dir, kind)
	}
	for _, l := range legacy {
		if _, err := os.Lstat(filepath.Join(dir, l)); err == nil {
			return mark(dir, kind)
		}
	}
	if len(foreign) > 3 {
		foreign = append(foreign[:3], "…")
	}
	return fmt.Errorf("%s already holds files that are not a bgdlab %s's (%s): give --out a new or empty folder; bgdlab writes only into folders it owns", dir, kind, strings.Join(foreign, ", "))
}

func mark(dir, kind string) error {
	return atomicfile.Write(filepath.Join(dir, Marker(kind)), []byte("written by bgdlab "+kind+"; a rerun into this folder resumes or replaces what bgdlab wrote here\n"))
}

// OnlyOwn tells whether dir holds only files in own (names, or prefixes
// ending in "*"), so that deleting it deletes nothing bgdlab did not write;
// otherwise it returns the first foreign name.
func OnlyOwn(dir string, own ...string) (bool, string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return os.IsNotExist(err), ""
	}
	for _, e := range entries {
		ok := false
		for _, o := range own {
			if o == e.Name() || strings.HasSuffix(o, "*") && strings.HasPrefix(e.Name(), strings.TrimSuffix(o, "*")) {
				ok = true
			}
		}
		if !ok || e.IsDir() {
			return false, e.Name()
		}
	}
	return true, ""
}
