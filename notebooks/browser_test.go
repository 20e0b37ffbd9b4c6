package notebooks

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// browserNotebook is the notebook the browser test runs: the one with live
// sliders (lab.Explore) and figures.
const browserNotebook = "02_convergence_theory.ipynb"

// TestJupyterLabInBrowser runs a notebook as a student does: the pinned
// JupyterLab on a free localhost port with a one-time token, the notebook
// (a copy in a temporary folder, BGDLAB_ROOT naming the checkout) opened in
// headless Chromium driven over the DevTools protocol, Run All. At each live
// slider cell (lab.Explore) it moves a slider and requires the figure to
// change — a dead slider fails here — then presses Done; at the end it
// saves the notebook and applies the headless tests' check (no cell error,
// no stderr, no Go error text) and requires figures. Without Chromium it is
// a visible skip, a failure under CI=true.
func TestJupyterLabInBrowser(t *testing.T) {
	if os.Getenv("BGDLAB_SKIP_NOTEBOOKS") == "1" {
		t.Skip("BGDLAB_SKIP_NOTEBOOKS=1")
	}
	root, _ := filepath.Abs("..")
	tools := filepath.Join(root, ".tools", "bin")
	if _, err := os.Stat(filepath.Join(tools, "gonb")); err != nil {
		testenv.Missing(t, "GoNB (.tools/bin/gonb)", "run scripts/setup")
	}
	chromium := findChromium(t, "the JupyterLab browser test")
	start := time.Now()
	dir := t.TempDir()
	clearOutputs(t, browserNotebook, filepath.Join(dir, browserNotebook))
	base, token := startLab(t, notebook.Python(tools), root, dir)
	page := startChromium(t, chromium)
	if _, err := page.call("Runtime.enable", map[string]any{}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// A headless page has no focus, and JupyterLab's notebook commands act
	// on the focused notebook: emulate focus, as a window a person uses has.
	if _, err := page.call("Emulation.setFocusEmulationEnabled", map[string]any{"enabled": true}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := page.call("Page.navigate", map[string]any{"url": base + "/lab/tree/" + browserNotebook + "?token=" + token}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	var kernel string
	if err := page.waitFor(`(() => { const k = (window.jupyterapp && `+notebookJS+`)?.sessionContext?.session?.kernel; return k && k.connectionStatus === 'connected' && k.status === 'idle' ? k.name : false })()`, 90*time.Second, &kernel); err != nil {
		var where any
		page.eval(`({title: document.title, url: location.href, app: typeof window.jupyterapp, widgets: window.jupyterapp && [...jupyterapp.shell.widgets('main')].map(w => w.title.label + ' ' + w.sessionContext?.session?.kernel?.status + ' ' + w.sessionContext?.kernelDisplayStatus + ' ' + w.sessionContext?.session?.kernel?.connectionStatus), dialog: document.querySelector('.jp-Dialog')?.innerText})`, &where)
		t.Fatalf("the notebook's kernel never became idle (JupyterLab's status bar would read Unknown): %v\npage: %v\nconsole: %q", err, where, page.console)
	}
	// Idle before any cell ran: GoNB v0.11.3 left JupyterLab's status at
	// "Unknown" until the first cell (third_party/gonb answers the history
	// request JupyterLab sends on connecting, with busy/idle around it).
	t.Logf("JupyterLab up, kernel %s idle after %.1fs", kernel, time.Since(start).Seconds())
	if err := page.eval(`(() => { jupyterapp.shell.activateById(`+notebookJS+`.id); void jupyterapp.commands.execute('notebook:run-all-cells'); return true })()`, nil); err != nil {
		t.Fatal(err)
	}
	sliders := runAllWithSliders(t, page)
	if err := page.eval(notebookJS+`.context.save().then(() => true)`, nil); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, browserNotebook)
	probs, err := notebook.Check(saved)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
	raw, _ := os.ReadFile(saved)
	if n := strings.Count(string(raw), `"image/png"`); n < 4 {
		t.Errorf("%d figures arrived in the browser, want at least 4", n)
	}
	if sliders == 0 {
		t.Error("no live slider appeared under Run All: lab.Explore fell back to its fixed grid")
	}
	for _, c := range page.console {
		if strings.Contains(c, "GoNB not setup") {
			t.Errorf("browser console: %s", c)
		}
	}
	t.Logf("Run All with %d live slider cells done in %.1fs", sliders, time.Since(start).Seconds())
}

// browserState is what the page reports while Run All goes on.
type browserState struct {
	Pending int    `json:"pending"` // code cells without an execution count
	Live    bool   `json:"live"`    // a live slider cell waits for Done
	Status  string `json:"status"`  // the kernel's
}

// notebookJS finds the notebook's panel in JupyterLab's main area (the
// shell's currentWidget is the focused one, and a headless page has no
// focus).
const notebookJS = `[...jupyterapp.shell.widgets('main')].find(w => w.context?.path?.endsWith('.ipynb'))`

// liveDoneJS finds the Done button of the live slider cell not yet tested
// (a tested one is marked by pressDoneJS).
const liveDoneJS = "[...document.querySelectorAll('.jp-OutputArea button')].find(b => b.textContent.trim() === 'Done' && !b.dataset.bgdlabTested)"

const stateJS = `(() => {
	const w = ` + notebookJS + `;
	const cells = w.content.widgets.filter(c => c.model.type === 'code');
	const pending = cells.filter(c => c.model.executionCount === null).length;
	const done = ` + liveDoneJS + `;
	return {pending, live: !!done, status: w.sessionContext.session?.kernel?.status || 'none'};
})()`

// figuresJS is a signature of the live cell's figures (their data URLs).
const figuresJS = `(() => {
	const b = ` + liveDoneJS + `;
	return [...b.closest('.jp-Cell').querySelectorAll('.jp-OutputArea img')].map(i => i.src.length + ':' + i.src.slice(-48)).join('|');
})()`

// textJS is the live cell's output text.
const textJS = `(() => {
	const b = ` + liveDoneJS + `;
	return b.closest('.jp-Cell').querySelector('.jp-OutputArea').innerText;
})()`

// moveJS moves the live cell's first slider to a quarter of its range (or
// three quarters, if it stands there), as a person dragging it would.
const moveJS = `(() => {
	const b = ` + liveDoneJS + `;
	const s = b.closest('.jp-Cell').querySelector('input[type=range]');
	const lo = +s.min, hi = +s.max;
	let v = Math.round(lo + (hi - lo) / 4);
	if (String(v) === s.value) v = Math.round(lo + 3 * (hi - lo) / 4);
	s.value = String(v);
	s.dispatchEvent(new Event('input', {bubbles: true}));
	s.dispatchEvent(new Event('change', {bubbles: true}));
	return s.value;
})()`

const pressDoneJS = `(() => {
	const b = ` + liveDoneJS + `;
	b.dataset.bgdlabTested = '1';
	b.click();
	return true;
})()`

// runAllWithSliders follows Run All to its end, testing each live slider
// cell on the way, and returns how many it tested.
func runAllWithSliders(t *testing.T, page *cdp) int {
	t.Helper()
	sliders, idleSince := 0, time.Time{}
	for deadline := time.Now().Add(5 * time.Minute); ; {
		var s browserState
		if err := page.eval(stateJS, &s); err != nil {
			t.Fatal(err)
		}
		switch {
		case s.Live:
			sliders++
			var before, after, value, text string
			page.eval(figuresJS, &before)
			page.eval(textJS, &text)
			if !strings.Contains(text, "press Done to continue") {
				t.Errorf("slider cell %d does not say that the cells below wait for Done; it shows:\n%s", sliders, text)
			}
			if err := page.eval(moveJS, &value); err != nil {
				t.Fatal(err)
			}
			js := fmt.Sprintf(`(() => { const s = %s; return s !== %q && s.length > 0 ? s : false })()`, strings.TrimSpace(figuresJS), before)
			if err := page.waitFor(js, 30*time.Second, &after); err != nil {
				t.Errorf("slider cell %d: the figure did not change within 30 s of moving a slider to %s (a dead slider)\nconsole: %q", sliders, value, page.console)
			}
			if err := page.eval(pressDoneJS, nil); err != nil {
				t.Fatal(err)
			}
			idleSince = time.Time{}
		case s.Pending == 0 && s.Status == "idle":
			return sliders
		case s.Status == "idle":
			// Run All stops at a failed cell; the check below names it.
			if idleSince.IsZero() {
				idleSince = time.Now()
			} else if time.Since(idleSince) > 10*time.Second {
				t.Errorf("Run All stopped with %d code cells not run", s.Pending)
				return sliders
			}
		default:
			idleSince = time.Time{}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run All did not finish in 5 minutes: %+v\nconsole: %q", s, page.console)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// startLab starts the pinned JupyterLab serving dir on a free localhost
// port with a one-time token, and returns its URL and the token.
func startLab(t *testing.T, python, root, dir string) (base, token string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var b [16]byte
	rand.Read(b[:])
	token = hex.EncodeToString(b[:])
	args := []string{"-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--IdentityProvider.token=" + token, "--ServerApp.root_dir=" + dir, "--LabApp.expose_app_in_browser=True",
		"--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // CI and containers run as root
	}
	cmd := exec.Command(python, args...)
	state := t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+filepath.Join(root, ".tools", "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"JUPYTER_DATA_DIR="+filepath.Join(root, ".tools", "jupyter"), "JUPYTER_CONFIG_DIR="+filepath.Join(state, "config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(state, "runtime"), "BGDLAB_ROOT="+root, "BGDLAB_OUT="+filepath.Join(state, "out"))
	logPath := filepath.Join(state, "lab.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the kernel too is killed at the end
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		logFile.Close()
		if t.Failed() {
			raw, _ := os.ReadFile(logPath)
			t.Logf("JupyterLab's log:\n%s", tail(string(raw), 40))
		}
	})
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		resp, err := http.Get(base + "/api/status?token=" + token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, token
			}
		}
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(logPath)
			t.Fatalf("JupyterLab did not answer at %s within 60 s:\n%s", base, tail(string(raw), 30))
		}
	}
}

var devtoolsRE = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// findChromium is the path of Debian's Chromium; without it the test is a
// visible skip (a failure under CI=true) naming what needed it.
func findChromium(t *testing.T, what string) string {
	t.Helper()
	for _, b := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(b); err == nil {
			return b
		}
	}
	testenv.Missing(t, "Chromium (for "+what+")", "apt-get install chromium (scripts/test installs it)")
	return ""
}

// startChromium starts headless Chromium with remote debugging on a free
// port and connects to its page.
func startChromium(t *testing.T, bin string) *cdp {
	t.Helper()
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--remote-debugging-port=0", "--user-data-dir="+t.TempDir(), "--window-size=1280,2000", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("Chromium did not print its DevTools address within 30 s")
	}
	host := strings.SplitN(strings.TrimPrefix(browserWS, "ws://"), "/", 2)[0]
	resp, err := http.Get("http://" + host + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type == "page" {
			page, err := dialCDP(tg.WS)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { page.Close() })
			return page
		}
	}
	t.Fatalf("Chromium has no page target: %+v", targets)
	return nil
}

// clearOutputs copies the notebook src to dst without outputs and execution
// counts, as a student opens it; a count is then a cell this run executed.
func clearOutputs(t *testing.T, src, dst string) {
	t.Helper()
	nb, cells := readNB(t, src)
	for _, c := range cells {
		if string(c["cell_type"]) == `"code"` {
			c["outputs"], c["execution_count"] = json.RawMessage("[]"), json.RawMessage("null")
		}
	}
	raw, err := json.Marshal(cells)
	if err != nil {
		t.Fatal(err)
	}
	nb["cells"] = raw
	out, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
