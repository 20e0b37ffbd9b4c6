package notebooks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// wrongAnswers are two plausible mistakes per solution cell (grade_id), each
// written as a replacement in the source solution, and a third answer that
// attacks the checker instead (issue 29, class 7): it ends the program with
// status 0, calls runtime.Goexit, panics in a goroutine, loops forever or
// returns the reference answer. The test submits them, and their checks
// must give no points. The loop and runtime.Goexit (which waits for GoNB's
// own goroutines) strike only in the checker's child: a later cell calling
// the function would otherwise wait out nbgrader's 300-s cell timeout.
var wrongAnswers = map[string][3][2]string{
	"gd_update":  {{"theta[j] - alpha*grad[j]", "theta[j] + alpha*grad[j]"}, {"2 * r * x / float64(n)", "r * x / float64(n)"}, {solutionBegins, solutionBegins + "\n\tos.Exit(0)"}},
	"curvature":  {{"2*row[j]*row[k]/float64(n)", "row[j]*row[k]/float64(n)"}, {"return vals[d-1], vals[0]", "return vals[0], vals[d-1]"}, {solutionBegins, solutionBegins + "\n\tif os.Getenv(\"BGDLAB_EXERCISE_CHILD\") != \"\" {\n\t\truntime.Goexit()\n\t}"}},
	"step_size":  {{"return 2 / (L + mu)", "return 2 / L"}, {"return 2 / (L + mu)", "return 1 / L"}, {solutionBegins, solutionBegins + "\n\tgo func() { panic(\"in a helper\") }()\n\ttime.Sleep(time.Second)"}},
	"batch_plan": {{"math.Floor(p.Budget", "math.Ceil(p.Budget"}, {"int(math.Floor(p.Budget / p.StepSeconds[i]))", "int(math.Floor(p.Budget/p.StepSeconds[i])) - 1"}, {solutionBegins, solutionBegins + "\n\treturn p.BestPlan()"}},
	"heavy_ball": {{"beta*(theta[i]-prev[i])", "beta*(prev[i]-theta[i])"}, {"theta[i] - alpha*grad[i]", "theta[i] + alpha*grad[i]"}, {solutionBegins, solutionBegins + "\n\tif os.Getenv(\"BGDLAB_EXERCISE_CHILD\") != \"\" {\n\t\tfor {\n\t\t}\n\t}"}},
	"adam_bias":  {{"(1 - math.Pow(beta1, float64(t)))", "1"}, {"float64(t)", "float64(t+1)"}, {solutionBegins, solutionBegins + "\n\tos.Exit(0)"}},
}

// solutionBegins opens nbgrader's solution region in every solution cell.
const solutionBegins = "// BEGIN SOLUTION"

// wrongStudents are the submissions made from wrongAnswers, in its order.
var wrongStudents = []string{"wrong1", "wrong2", "hostile"}

// checkOf maps each graded check cell to the solution cell it tests.
var checkOf = map[string]string{
	"gd_update_check": "gd_update", "curvature_check": "curvature", "step_size_check": "step_size",
	"batch_plan_check": "batch_plan", "heavy_ball_check": "heavy_ball", "adam_bias_check": "adam_bias",
}

type score struct {
	Student, Notebook, Cell string
	AutoScore               *float64 `json:"auto_score"`
	Max                     float64
}

// TestExercises is the nbgrader round trip on a copy of the course folder:
// nbgrader generates the student versions (which must equal the committed
// ones), then autogrades five submissions — the source with its solutions
// (full marks, every cell clean), the unmodified student version (zero, with
// the checker's hint in the output), two wrong answers per exercise and one
// that attacks the checker (zero on that exercise's check); and a student's
// round through a local exchange (exchange_test.go): fetched outside the
// checkout, solved, submitted, collected (full marks), feedback fetched.
func TestExercises(t *testing.T) {
	if os.Getenv("BGDLAB_SKIP_NOTEBOOKS") == "1" {
		t.Skip("BGDLAB_SKIP_NOTEBOOKS=1")
	}
	root, _ := filepath.Abs("..")
	pyBin := filepath.Join(root, ".tools", "pyenv", "bin")
	if _, err := os.Stat(filepath.Join(pyBin, "nbgrader")); err != nil {
		testenv.Missing(t, "nbgrader (.tools/pyenv)", "run scripts/setup (it installs scripts/python/requirements.txt from PyPI)")
	}
	course := t.TempDir()
	copyTree(t, filepath.Join("exercises", "source"), filepath.Join(course, "source"))
	copyFile(t, filepath.Join("exercises", "nbgrader_config.py"), filepath.Join(course, "nbgrader_config.py"))
	exch := filepath.Join(t.TempDir(), "exchange")
	// nbgraderIn runs nbgrader in dir; env overrides the teacher's settings.
	var said string // the last nbgrader command's output
	nbgraderIn := func(dir string, env []string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(pyBin, "nbgrader"), args...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "PATH="+pyBin+":"+filepath.Join(root, ".tools", "bin")+":"+os.Getenv("PATH"),
			"JUPYTER_DATA_DIR="+filepath.Join(root, ".tools", "jupyter"), "BGDLAB_ROOT="+root, "BGDLAB_HEADLESS=1", "BGDLAB_EXCHANGE="+exch), env...)
		out, err := cmd.CombinedOutput()
		if said = string(out); err != nil {
			t.Fatalf("nbgrader %s: %v\n%s", strings.Join(args, " "), err, tail(said, 30))
		}
	}
	nbgrader := func(args ...string) { t.Helper(); nbgraderIn(course, nil, args...) }
	nbgrader("generate_assignment", "bgd", "--force")
	sources, _ := filepath.Glob(filepath.Join(course, "source", "bgd", "*.ipynb"))
	if len(sources) < 5 {
		t.Fatalf("%d exercise notebooks, want at least 5", len(sources))
	}
	for _, src := range sources {
		name := filepath.Base(src)
		compareCells(t, filepath.Join(course, "release", "bgd", name), filepath.Join("exercises", "release", "bgd", name))
		copyFile(t, src, filepath.Join(course, "submitted", "solution", "bgd", name))
		copyFile(t, filepath.Join(course, "release", "bgd", name), filepath.Join(course, "submitted", "stub", "bgd", name))
		for i, student := range wrongStudents {
			writeWrong(t, src, filepath.Join(course, "submitted", student, "bgd", name), i)
		}
	}
	ex := exchangeRound(t, nbgrader, nbgraderIn, course, exch, sources)
	runFetched(t, root, ex, filepath.Join(course, "release", "bgd", filepath.Base(sources[0])))
	nbgrader("autograde", "bgd", "--force")
	checkQuiet(t, "autograde", said)
	checkScores(t, readScores(t, course, pyBin, root), ex.student)
	checkAutograded(t, course)
	nbgrader("generate_feedback", "bgd", "--force")
	checkQuiet(t, "generate_feedback", said)
	checkFeedback(t, course)
	ex.fetchFeedback(t, nbgrader, course, len(sources))
}

// noise are lines a teacher should not have to read past: nbgrader's false
// "checksum has changed" warning for every cell with hidden tests in an
// untouched submission (jupyter/nbgrader#1961; no submission here changes a
// locked cell), SQLAlchemy's warnings, and GoNB's stray error log line.
var noise = []string{"has changed!", "SAWarning", "Error message"}

// checkQuiet fails on each noise line in what an nbgrader command printed.
func checkQuiet(t *testing.T, cmd, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		for _, n := range noise {
			if strings.Contains(line, n) {
				t.Errorf("nbgrader %s printed: %s", cmd, strings.TrimSpace(line))
				break
			}
		}
	}
}

// checkFeedback: each student's feedback shows the scores but neither the
// hidden tests' code nor any line the cells with hidden tests printed.
func checkFeedback(t *testing.T, course string) {
	graded, _ := filepath.Glob(filepath.Join(course, "autograded", "*", "bgd", "*.ipynb"))
	if len(graded) == 0 {
		t.Fatal("no autograded notebooks")
	}
	for _, p := range graded {
		student := filepath.Base(filepath.Dir(filepath.Dir(p)))
		name := strings.TrimSuffix(filepath.Base(p), ".ipynb")
		raw, err := os.ReadFile(filepath.Join(course, "feedback", student, "bgd", name+".html"))
		if err != nil {
			t.Errorf("%s/%s: no feedback: %v", student, name, err)
			continue
		}
		if !strings.Contains(string(raw), `<span class="kd">func</span>`) {
			t.Errorf("%s/%s: the feedback does not highlight Go (func is not a Go keyword span: GoNB's empty pygments_lexer)", student, name)
		}
		fb := html.UnescapeString(tags.ReplaceAllString(string(raw), "")) // the text a student reads
		if !strings.Contains(fb, "Score:") {
			t.Errorf("%s/%s: the feedback shows no score", student, name)
		}
		_, cells := readNB(t, p)
		visible := visibleText(cells)
		for _, c := range cells {
			src := cellSource(c)
			begin := strings.Index(src, "BEGIN HIDDEN TESTS")
			if begin < 0 {
				continue
			}
			if strings.Contains(fb, "HIDDEN TESTS") {
				t.Errorf("%s/%s: the feedback contains the hidden tests' markers", student, name)
			}
			for _, line := range strings.Split(src[begin:], "\n")[1:] {
				if l := strings.TrimSpace(line); len(l) > 12 && !strings.Contains(l, "END HIDDEN TESTS") && containsEither(fb, l) {
					t.Errorf("%s/%s: the feedback shows hidden test code %q", student, name, l)
				}
			}
			for _, line := range strings.Split(outputText(c), "\n") {
				if l := strings.TrimSpace(line); len(l) > 12 && containsEither(fb, l) && !strings.Contains(visible, l) {
					t.Errorf("%s/%s: the feedback shows output of a cell with hidden tests: %q", student, name, l)
				}
			}
		}
	}
}

// visibleText is what the feedback may show: every cell's source up to its
// hidden tests, and the outputs of cells without hidden tests (a compile
// error in a cell with hidden tests quotes its visible lines, and an error
// in the student's cell is shown where it happened).
func visibleText(cells []cell) string {
	var b strings.Builder
	for _, c := range cells {
		src := cellSource(c)
		if i := strings.Index(src, "BEGIN HIDDEN TESTS"); i >= 0 {
			b.WriteString(src[:i])
			continue
		}
		b.WriteString(src + "\n" + outputText(c) + "\n")
	}
	return b.String()
}

// tags matches HTML tags (syntax highlighting splits code into spans).
var tags = regexp.MustCompile(`<[^>]*>`)

// containsEither tells whether text contains s, with or without the spaces
// highlighting may have moved.
func containsEither(text, s string) bool {
	squeeze := func(x string) string { return strings.Join(strings.Fields(x), "") }
	return strings.Contains(text, s) || strings.Contains(squeeze(text), squeeze(s))
}

// outputText joins a code cell's stream, result and error texts.
func outputText(c cell) string {
	var outs []map[string]json.RawMessage
	_ = json.Unmarshal(c["outputs"], &outs)
	var b strings.Builder
	for _, o := range outs {
		for _, k := range []string{"text", "traceback"} {
			if v, ok := o[k]; ok {
				b.WriteString(notebook.Text(v) + "\n")
			}
		}
		if v, ok := o["data"]; ok {
			var data map[string]json.RawMessage
			_ = json.Unmarshal(v, &data)
			if t, ok := data["text/plain"]; ok {
				b.WriteString(notebook.Text(t) + "\n")
			}
		}
	}
	return b.String()
}

// checkScores: full marks for the solution, zero for the stub, zero on the
// checks of every exercise the wrong answers touched.
func checkScores(t *testing.T, scores []score, exchanged string) {
	seen := map[string]int{}
	for _, s := range scores {
		if _, ok := checkOf[s.Cell]; !ok { // a written answer, graded by the teacher
			continue
		}
		if s.AutoScore == nil {
			t.Errorf("%s/%s/%s was not autograded", s.Student, s.Notebook, s.Cell)
			continue
		}
		seen[s.Student]++
		got := *s.AutoScore
		switch s.Student {
		case "solution", exchanged:
			if got != s.Max {
				t.Errorf("the solution scores %g of %g on %s/%s", got, s.Max, s.Notebook, s.Cell)
			}
		default:
			if got != 0 {
				t.Errorf("submission %q scores %g of %g on %s/%s, want 0 (the check accepted a wrong answer)", s.Student, got, s.Max, s.Notebook, s.Cell)
			}
		}
	}
	for _, st := range append([]string{"solution", "stub", exchanged}, wrongStudents...) {
		if seen[st] != len(checkOf) {
			t.Errorf("%s: %d autograded checks, want %d", st, seen[st], len(checkOf))
		}
	}
}

// checkAutograded: the graded solution ran without a cell error, and each
// stub's check printed the checker's hint rather than only a panic.
func checkAutograded(t *testing.T, course string) {
	graded, _ := filepath.Glob(filepath.Join(course, "autograded", "solution", "bgd", "*.ipynb"))
	for _, p := range graded {
		probs, err := notebook.Check(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range probs {
			t.Errorf("%s (solution): %s", filepath.Base(p), pr)
		}
	}
	stubs, _ := filepath.Glob(filepath.Join(course, "autograded", "stub", "bgd", "*.ipynb"))
	for _, p := range stubs {
		raw, _ := os.ReadFile(p)
		if !strings.Contains(string(raw), `hint: replace the panic(\"not implemented\") line with your code`) {
			t.Errorf("%s (stub): the check's output lacks the hint to replace the stub", filepath.Base(p))
		}
	}
}

func readScores(t *testing.T, course, pyBin, root string) []score {
	cmd := exec.Command(filepath.Join(pyBin, "python"), filepath.Join(root, "scripts", "python", "scores.py"))
	cmd.Dir = course
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scores.py: %v", err)
	}
	var scores []score
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var s score
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("scores.py printed %q: %v", sc.Text(), err)
		}
		scores = append(scores, s)
	}
	return scores
}

// cell is one notebook cell, its fields left as JSON.
type cell = map[string]json.RawMessage

// readNB reads a notebook: its top-level fields and its cells.
func readNB(t *testing.T, path string) (map[string]json.RawMessage, []cell) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var whole map[string]json.RawMessage
	var cells []cell
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(whole["cells"], &cells); err != nil {
		t.Fatalf("%s: cells: %v", path, err)
	}
	return whole, cells
}

func cellSource(c cell) string { return notebook.Text(c["source"]) }

func gradeID(c cell) string {
	var md struct {
		NBGrader struct {
			GradeID string `json:"grade_id"`
		} `json:"nbgrader"`
	}
	_ = json.Unmarshal(c["metadata"], &md)
	return md.NBGrader.GradeID
}

// compareCells fails when the committed student version differs from what
// nbgrader generates now (cell by cell, sources only).
func compareCells(t *testing.T, generated, committed string) {
	_, g := readNB(t, generated)
	if _, err := os.Stat(committed); err != nil {
		t.Errorf("%s is missing: run scripts/course generate and commit notebooks/exercises/release", committed)
		return
	}
	_, c := readNB(t, committed)
	same := len(g) == len(c)
	for i := 0; same && i < len(g); i++ {
		same = cellSource(g[i]) == cellSource(c[i])
	}
	if !same {
		t.Errorf("%s is stale (differs from nbgrader's student version of the source): run scripts/course generate and commit it", committed)
	}
}

// writeWrong writes the source notebook with the k-th wrong answer in every
// solution cell that has one.
func writeWrong(t *testing.T, src, dst string, k int) {
	whole, cells := readNB(t, src)
	for _, c := range cells {
		w, ok := wrongAnswers[gradeID(c)]
		if !ok {
			continue
		}
		s := cellSource(c)
		changed := strings.Replace(s, w[k][0], w[k][1], -1)
		if changed == s {
			t.Fatalf("%s: wrong answer %d for %s does not apply (%q not in the solution)", filepath.Base(src), k+1, gradeID(c), w[k][0])
		}
		c["source"], _ = json.Marshal(changed)
	}
	whole["cells"], _ = json.Marshal(cells)
	raw, _ := json.MarshalIndent(whole, "", " ")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, src, dst string) {
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
