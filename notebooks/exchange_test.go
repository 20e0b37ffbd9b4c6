package notebooks

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runner runs nbgrader in a folder, with env overriding the teacher's settings.
type runner func(dir string, env []string, args ...string)

// exchanged is one student's round through an nbgrader exchange.
type exchanged struct {
	student  string // as nbgrader names them (the login)
	home     string // the student's folder, outside the checkout
	data     string // the student's JUPYTER_DATA_DIR, the same for submit and fetch_feedback
	exchange string
	in       runner
}

// exchangeRound is the teacher's and one student's way through a local
// exchange (BGDLAB_EXCHANGE, which nbgrader_config.py reads):
// release_assignment; the student's fetch_assignment into a folder outside
// the checkout, their edit (the solutions), submit; the teacher's collect.
func exchangeRound(t *testing.T, teacher func(args ...string), in runner, course, exch string, sources []string) exchanged {
	t.Helper()
	if err := os.MkdirAll(exch, 0o1777); err != nil {
		t.Fatal(err)
	}
	ex := exchanged{home: t.TempDir(), exchange: exch, in: in}
	ex.data = filepath.Join(ex.home, ".jupyter-data")
	before := submitted(course)
	teacher("release_assignment", "bgd", "--force")
	ex.run(t, "fetch_assignment", "bgd")
	for _, src := range sources {
		fetched := filepath.Join(ex.home, "bgd", filepath.Base(src))
		if _, err := os.Stat(fetched); err != nil {
			t.Fatalf("fetch_assignment did not bring %s: %v", filepath.Base(src), err)
		}
		copyFile(t, src, fetched) // the student's edit: their solutions
	}
	ex.run(t, "submit", "bgd")
	teacher("collect", "bgd")
	for name := range submitted(course) {
		if !before[name] {
			ex.student = name
		}
	}
	if ex.student == "" {
		t.Fatal("collect brought no new submission into submitted/")
	}
	return ex
}

// run is an nbgrader command as the student: in their folder, with their
// data folder, the course and the exchange named on the command line (no
// course config there).
func (ex exchanged) run(t *testing.T, args ...string) {
	t.Helper()
	ex.in(ex.home, []string{"JUPYTER_DATA_DIR=" + ex.data, "BGDLAB_EXCHANGE="}, append(args, "--course", "bgdlab", "--Exchange.root="+ex.exchange)...)
}

// fetchFeedback releases the feedback and fetches it as the student: one
// HTML per notebook arrives, equal to the course's, without the hidden tests.
func (ex exchanged) fetchFeedback(t *testing.T, teacher func(args ...string), course string, notebooks int) {
	t.Helper()
	teacher("release_feedback", "bgd", "--student="+ex.student) // the others were never submitted (no timestamp.txt)
	ex.run(t, "fetch_feedback", "bgd")
	got, _ := filepath.Glob(filepath.Join(ex.home, "bgd", "feedback", "*", "*.html"))
	if len(got) != notebooks {
		t.Fatalf("fetch_feedback brought %d HTML files, want %d: %v", len(got), notebooks, got)
	}
	for _, p := range got {
		raw, _ := os.ReadFile(p)
		want, err := os.ReadFile(filepath.Join(course, "feedback", ex.student, "bgd", filepath.Base(p)))
		if err != nil || !bytes.Equal(raw, want) {
			t.Errorf("%s: the fetched feedback is not the course's (%v)", filepath.Base(p), err)
		}
		if strings.Contains(string(raw), "HIDDEN TESTS") {
			t.Errorf("%s: the fetched feedback shows the hidden tests", filepath.Base(p))
		}
	}
}

// submitted is the set of student folders in the course's submitted/.
func submitted(course string) map[string]bool {
	entries, _ := os.ReadDir(filepath.Join(course, "submitted"))
	out := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			out[e.Name()] = true
		}
	}
	return out
}
