// Package notebook executes bgdlab's GoNB notebooks headlessly with Jupyter's
// nbconvert and checks the executed copies for cell errors, so the test
// command and the report use one definition of "the notebook ran".
package notebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
)

// SetupMarker is printed by the first cell of every notebook when the Go
// workspace that points GoNB at this repository was created.
const SetupMarker = "SETUP-OK"

// Python is the interpreter that runs Jupyter's nbconvert: $BGDLAB_PYTHON
// when set, else .tools/python beside toolsBin (.tools/bin), the wrapper
// scripts/setup writes to start the project's pinned .tools/pyenv. There is
// no fallback to a system Python: CheckToolchain refuses one.
func Python(toolsBin string) string {
	if p := os.Getenv("BGDLAB_PYTHON"); p != "" {
		return p
	}
	if toolsBin == "" {
		return "python3"
	}
	return filepath.Join(filepath.Dir(toolsBin), "python")
}

// List returns the notebooks (*.ipynb) in dir, sorted by name.
func List(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	return paths, nil
}

// Options configures Execute.
type Options struct {
	// OutDir receives the executed notebook (and its HTML when HTML is true).
	OutDir string
	// HTML also converts the executed notebook to HTML with images embedded.
	HTML bool
	// Timeout per cell; zero means 10 minutes.
	Timeout time.Duration
	// Env is added to the environment of the kernel (e.g. BGDLAB_OUT).
	Env []string
	// ToolsBin is prepended to PATH so GoNB finds goimports and gopls.
	ToolsBin string
	// JupyterDataDir, when set, is where Jupyter looks for the GoNB kernelspec
	// (scripts/setup installs it in the project's .tools/jupyter).
	JupyterDataDir string
	// Requirements is the file whose pins the interpreter must match; empty
	// means scripts/python/requirements.txt of the checkout above ToolsBin.
	Requirements string
}

// Result describes one executed notebook.
type Result struct {
	Source, Executed, HTML string
	Duration               time.Duration
	// Problems lists cell errors found in the executed notebook; empty means
	// every cell ran cleanly.
	Problems []string
}

// Execute runs the notebook at path with nbconvert and checks the result.
// It first checks the toolchain (CheckToolchain): a wrong or missing one is
// an error wrapping ErrToolchain. An error also means nbconvert itself could
// not run or produce the executed copy; cell failures are reported in
// Result.Problems.
func Execute(ctx context.Context, path string, opt Options) (Result, error) {
	res := Result{Source: path}
	if opt.OutDir == "" {
		return res, errors.New("notebook: Options.OutDir is required")
	}
	if err := CheckToolchain(ctx, opt); err != nil {
		return res, err
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return res, err
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	env := os.Environ()
	if opt.ToolsBin != "" {
		env = append(env, "PATH="+opt.ToolsBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	if opt.JupyterDataDir != "" {
		env = append(env, "JUPYTER_DATA_DIR="+opt.JupyterDataDir)
	}
	// Headless: widgets draw a fixed grid instead of waiting for a person.
	env = append(env, "BGDLAB_HEADLESS=1")
	env = append(env, opt.Env...)
	res.Executed = filepath.Join(opt.OutDir, filepath.Base(path))
	// A stale copy from an earlier run must not be mistaken for this run's.
	if err := os.Remove(res.Executed); err != nil && !os.IsNotExist(err) {
		return res, err
	}
	start := time.Now()
	args := []string{"-m", "nbconvert", "--to", "notebook", "--execute",
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(timeout.Seconds())),
		"--ExecutePreprocessor.kernel_name=gonb",
		"--output-dir", opt.OutDir, path}
	cmd := exec.CommandContext(ctx, Python(opt.ToolsBin), args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	res.Duration = time.Since(start)
	if _, err := os.Stat(res.Executed); err != nil || runErr != nil {
		// nbconvert stops at the first cell that raises; report its message.
		msg := lastLines(stderr.String(), 25)
		if runErr == nil {
			runErr = err
		}
		res.Problems = append(res.Problems, fmt.Sprintf("nbconvert failed (%v):\n%s", runErr, msg))
		if strings.Contains(stderr.String(), "No module named nbconvert") || strings.Contains(stderr.String(), "No such kernel") {
			return res, fmt.Errorf("notebook %s: %v: run scripts/setup (installs Jupyter, nbconvert and the GoNB kernel)\n%s", path, runErr, msg)
		}
		if _, statErr := os.Stat(res.Executed); statErr != nil {
			return res, nil
		}
	}
	probs, err := Check(res.Executed)
	if err != nil {
		return res, err
	}
	res.Problems = append(res.Problems, probs...)
	if opt.HTML {
		if err := NameGoLexer(res.Executed); err != nil {
			return res, err
		}
		cmd := exec.CommandContext(ctx, Python(opt.ToolsBin), "-m", "nbconvert", "--to", "html", "--output-dir", opt.OutDir, res.Executed)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return res, fmt.Errorf("notebook %s: converting to HTML: %v\n%s", path, err, lastLines(string(out), 10))
		}
		res.HTML = strings.TrimSuffix(res.Executed, ".ipynb") + ".html"
	}
	return res, nil
}

// NameGoLexer sets the notebook's language_info.pygments_lexer to "go"
// when it is empty: GoNB reports none, and nbconvert then highlights the Go
// cells as Python. Other notebooks are left as they are.
func NameGoLexer(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var nb map[string]json.RawMessage
	if err := json.Unmarshal(raw, &nb); err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	var meta map[string]any
	if len(nb["metadata"]) > 0 {
		if err := json.Unmarshal(nb["metadata"], &meta); err != nil {
			return fmt.Errorf("notebook %s: metadata: %w", path, err)
		}
	}
	if meta == nil {
		meta = map[string]any{}
	}
	info, _ := meta["language_info"].(map[string]any)
	if info == nil {
		info = map[string]any{}
	}
	if lexer, _ := info["pygments_lexer"].(string); lexer != "" || (info["name"] != nil && info["name"] != "go") {
		return nil
	}
	info["pygments_lexer"] = "go"
	meta["language_info"] = info
	if nb["metadata"], err = json.Marshal(meta); err != nil {
		return err
	}
	out, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(out, '\n'))
}

var goErrorRE = regexp.MustCompile(`(?m)(\.go:\d+:\d+: |^panic: |goroutine \d+ \[running\]|undefined: |cannot use |failed to run|exit status \d+|go: .*(error|refused|not found))`)

// Check reads an executed notebook and returns one line per problem: error
// outputs, Go compile errors or panics printed by a cell, a missing setup
// marker, or a code cell that was never executed.
func Check(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("notebook: reading executed notebook: %w", err)
	}
	var nb struct {
		Cells []struct {
			CellType       string          `json:"cell_type"`
			ExecutionCount *int            `json:"execution_count"`
			Source         json.RawMessage `json:"source"`
			Outputs        []struct {
				OutputType string          `json:"output_type"`
				Name       string          `json:"name"`
				Text       json.RawMessage `json:"text"`
				EName      string          `json:"ename"`
				EValue     string          `json:"evalue"`
				Data       map[string]json.RawMessage
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, fmt.Errorf("notebook: %s is not valid notebook JSON: %w", path, err)
	}
	var probs []string
	sawMarker := false
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src := Text(c.Source)
		if strings.TrimSpace(src) == "" {
			continue
		}
		if c.ExecutionCount == nil {
			probs = append(probs, fmt.Sprintf("cell %d was not executed", i))
		}
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "error":
				probs = append(probs, fmt.Sprintf("cell %d raised %s: %s", i, o.EName, firstLine(o.EValue)))
			case "stream":
				text := Text(o.Text)
				if strings.Contains(text, SetupMarker) {
					sawMarker = true
				}
				if o.Name == "stderr" && goErrorRE.MatchString(text) {
					probs = append(probs, fmt.Sprintf("cell %d printed an error: %s", i, matchingLine(text)))
				}
			default:
				for mime, d := range o.Data {
					if mime == "text/html" || mime == "text/plain" {
						text := Text(d)
						if strings.Contains(text, "panic:") || regexp.MustCompile(`\.go:\d+:\d+: `).MatchString(text) {
							probs = append(probs, fmt.Sprintf("cell %d displayed an error: %s", i, firstLine(text)))
						}
					}
				}
			}
		}
	}
	if !sawMarker {
		probs = append(probs, fmt.Sprintf("no cell printed %s: the setup cell that points GoNB at the repository failed", SetupMarker))
	}
	return probs, nil
}

// matchingLine returns the first line of text that looks like a Go error.
func matchingLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if goErrorRE.MatchString(l) {
			return strings.TrimSpace(l)
		}
	}
	return firstLine(text)
}

// Text is a notebook's multi-line string field (a cell's source, a stream's
// text) as one string: the format allows a string or a list of lines.
func Text(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	if json.Unmarshal(raw, &parts) == nil {
		return strings.Join(parts, "")
	}
	return string(raw)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
