package notebooks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/notebook"
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
		if strings.Contains(string(raw), "cdnjs.cloudflare.com/ajax/libs/mathjax") || !strings.Contains(string(raw), "MathJax 3.2.2 (es5/tex-svg.js), embedded") {
			t.Errorf("%s: the feedback loads MathJax from a CDN instead of embedding it (notebooks/exercises/templates)", filepath.Base(p))
		}
	}
	checkFeedbackMath(t, got[0])
}

// checkFeedbackMath opens a feedback page in headless Chromium, from the
// file alone (no server, nothing on the network), and requires its math
// typeset: MathJax 3 embedded in the page turned every $…$ into an
// mjx-container, and no raw LaTeX delimiters are left in the markdown.
func checkFeedbackMath(t *testing.T, page string) {
	t.Helper()
	c := startChromium(t, findChromium(t, "the feedback's math"))
	if _, err := c.call("Page.navigate", map[string]any{"url": "file://" + page}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	var typeset struct {
		Version string
		Math    int
		Raw     []string
	}
	js := `(() => { if (!window.MathJax?.startup?.promise || !document.querySelector('mjx-container')) return false;
		const raw = [...document.querySelectorAll('.text_cell_render, .jp-MarkdownOutput')].map(e => e.innerText).join('\n').match(/\$[^$\n]{1,40}\$/g) || [];
		return {version: MathJax.version, math: document.querySelectorAll('mjx-container').length, raw: raw.slice(0, 5)} })()`
	if err := c.waitFor(js, 30*time.Second, &typeset); err != nil {
		t.Fatalf("%s: no math typeset in the feedback page within 30 s (MathJax not embedded?): %v\nconsole: %q", filepath.Base(page), err, c.console)
	}
	if typeset.Math == 0 || len(typeset.Raw) > 0 {
		t.Errorf("%s: MathJax %s typeset %d formulas, and raw LaTeX is left in the text: %q", filepath.Base(page), typeset.Version, typeset.Math, typeset.Raw)
	}
	t.Logf("%s: MathJax %s typeset %d formulas offline", filepath.Base(page), typeset.Version, typeset.Math)
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

// runFetched executes, in the student's folder outside the checkout (with
// BGDLAB_ROOT naming it, as the setup cell asks), their solved copy of the
// first exercise — it must run clean, Run All to the end — and the
// unsolved student version, whose "Use it" cell must say to finish the
// exercise instead of printing the stub's goroutine trace.
func runFetched(t *testing.T, root string, ex exchanged, stub string) {
	t.Helper()
	solved, _ := filepath.Glob(filepath.Join(ex.home, "bgd", "01_*.ipynb"))
	if len(solved) != 1 {
		t.Fatalf("the student's folder holds %v, want one exercise 01", solved)
	}
	unsolved := filepath.Join(ex.home, "unsolved", filepath.Base(stub))
	copyFile(t, stub, unsolved)
	out := t.TempDir()
	for _, path := range []string{solved[0], unsolved} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		res, err := notebook.Execute(ctx, path, notebook.Options{OutDir: filepath.Join(out, filepath.Base(filepath.Dir(path))),
			ToolsBin: filepath.Join(root, ".tools", "bin"), JupyterDataDir: filepath.Join(root, ".tools", "jupyter"),
			Env: []string{"BGDLAB_ROOT=" + root, "BGDLAB_OUT=" + out}})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		_, cells := readNB(t, res.Executed)
		text := ""
		for _, c := range cells {
			text += outputText(c)
		}
		if path == solved[0] {
			for _, p := range res.Problems {
				t.Errorf("the student's solved copy, run in their folder: %s", p)
			}
			continue
		}
		if !strings.Contains(text, "Skipped: the GD update is not finished yet") || strings.Contains(text, "goroutine ") {
			t.Errorf("the unsolved copy's Use-it cell should say to finish the exercise, without a trace; its outputs:\n%s", tail(text, 20))
		}
	}
}
