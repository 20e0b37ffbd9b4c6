package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/internal/idxtest"
)

// hostileCase is one input a hostile user tries: setup writes what it needs
// into dir and returns the command line; want is what stderr must contain
// when the input is refused ("" when it must be accepted); check looks at the
// files afterwards and names what was lost, corrupted or wrongly trusted.
type hostileCase struct {
	class, name string
	setup       func(t *testing.T, dir string) []string
	env         []string
	want        string
	check       func(dir, stdout, stderr string) string
}

// outcome is how a case ended.
type outcome string

const (
	endedClean outcome = "clean"             // refused with a message naming the problem, or accepted correctly
	panicked   outcome = "panic"             // a crash (stack trace, runtime fatal error, internal error)
	hung       outcome = "hang"              // still running after the timeout
	silent     outcome = "silently accepted" // exit 0 on input that should be refused
	lost       outcome = "data lost"         // results lost, corrupted, or foreign results trusted
	unclear    outcome = "unclear refusal"   // refused, but without the expected message
	overRefuse outcome = "wrongly refused"   // good input refused
)

// cliCommand is the test binary as the (supervised) bgdlab CLI on the go
// backend, with env added.
func cliCommand(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "BGDLAB_TEST_AS_CLI=1", "BGDLAB_BACKEND=go"), env...)
	return cmd
}

// startCLI starts the CLI in the background, killed when the test ends.
func startCLI(t *testing.T, args ...string) {
	t.Helper()
	cmd := cliCommand(context.Background(), nil, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// cli runs the CLI in dir and returns its exit code and output.
func cli(dir string, env []string, timeout time.Duration, args ...string) (code int, stdout, stderr string, timedOut bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := cliCommand(ctx, env, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, out.String(), errb.String(), true
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	return code, out.String(), errb.String(), false
}

func classify(c hostileCase, dir string, code int, stdout, stderr string, timedOut bool) (outcome, string) {
	switch {
	case timedOut:
		return hung, ""
	case strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic:") || strings.Contains(stderr, "fatal error") || strings.Contains(stderr, "internal error"):
		return panicked, firstLine(stderr)
	case c.want != "" && code == 0:
		return silent, firstLine(stdout)
	case c.want != "" && !strings.Contains(stderr, c.want):
		return unclear, fmt.Sprintf("exit %d: %s (want %q)", code, firstLine(stderr), c.want)
	case c.want == "" && code != 0:
		return overRefuse, fmt.Sprintf("exit %d: %s", code, firstLine(stderr))
	}
	if c.check != nil {
		if problem := c.check(dir, stdout, stderr); problem != "" {
			return lost, problem
		}
	}
	return endedClean, ""
}

// lastLine is the message a refusal ends with.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return firstLine(s)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}

// TestHostileInputs tries the classes of bad input found by a hostile review
// (issue #17) against the CLI and tallies the outcomes; every case must end
// clean: refused with a message naming the problem (exit 1 or 2, never a
// crash or a hang), or accepted with its results correct and nothing of the
// user's lost.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	cases := append(append(append(staleCases(), badFileCases()...), sizeCases()...), append(append(acceptedCases(), foreignFileCases()...), append(append(symlinkCases(), nonFiniteCases()...), append(append(ownershipCases(), staleDataCases()...), append(exitCodeCases(), wrongAnswerCases()...)...)...)...)...)
	tally := map[outcome]int{}
	byClass := map[string]map[outcome]int{}
	for _, c := range cases {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := c.setup(t, dir)
			code, stdout, stderr, timedOut := cli(dir, c.env, 3*time.Minute, args...)
			os.WriteFile(filepath.Join(dir, ".exit"), []byte(fmt.Sprint(code)), 0o644) // for checks on the exit code (exitWas)
			o, detail := classify(c, dir, code, stdout, stderr, timedOut)
			tally[o]++
			if byClass[c.class] == nil {
				byClass[c.class] = map[outcome]int{}
			}
			byClass[c.class][o]++
			if o != endedClean {
				t.Errorf("%s: %s\nstderr: %s", o, detail, stderr)
			}
			t.Logf("exit %d: %s", code, lastLine(stderr))
		})
	}
	var classes []string
	for k := range byClass {
		classes = append(classes, k)
	}
	sort.Strings(classes)
	for _, k := range classes {
		t.Logf("%-28s %v", k, byClass[k])
	}
	t.Logf("tried %d: clean %d, panics %d, hangs %d, silently accepted %d, data lost %d, unclear refusals %d, wrongly refused %d",
		len(cases), tally[endedClean], tally[panicked], tally[hung], tally[silent], tally[lost], tally[unclear], tally[overRefuse])
}

func write(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sweepYAML is a small sweep: 2 rates × 2 seeds of 5 steps on the textbook
// data.
func sweepYAML(steps int) string {
	return fmt.Sprintf("name: h\nbase: {data: textbook, model: linear, batch: full, steps: %d, dtype: float64}\noptimizers: [gd]\ngrid: {lr: [0.001, 0.01]}\nseeds: [1, 2]\n", steps)
}

// runSweep runs a sweep during a case's setup.
func setupSweep(t *testing.T, dir, cfg, out string, extra ...string) {
	t.Helper()
	code, _, stderr, _ := cli(dir, nil, 2*time.Minute, append([]string{"sweep", "--config", cfg, "--out", out}, extra...)...)
	if code != 0 {
		t.Fatalf("setup sweep: exit %d: %s", code, stderr)
	}
}

// runDirs lists a sweep's run folders.
func runDirs(out string) []string {
	d, _ := filepath.Glob(filepath.Join(out, "runs", "*"))
	return d
}

// allRunsRecord checks that every run.json under out records steps.
func allRunsRecord(out string, steps int) string {
	dirs := runDirs(out)
	if len(dirs) == 0 {
		return "no runs"
	}
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "run.json"))
		if err != nil {
			return fmt.Sprintf("%s: %v", d, err)
		}
		if !bytes.Contains(raw, []byte(fmt.Sprintf(`"steps": %d`, steps))) {
			return fmt.Sprintf("%s still holds another experiment (want steps %d)", d, steps)
		}
	}
	return ""
}

// staleCases: results of another experiment, or incomplete ones, must not be
// trusted.
func staleCases() []hostileCase {
	sweepThen := func(edit func(t *testing.T, out string)) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			out := filepath.Join(dir, "o")
			setupSweep(t, dir, cfg, out)
			edit(t, out)
			return []string{"sweep", "--config", cfg, "--out", out}
		}
	}
	finished := func(dir, _, _ string) string { return allRunsRecord(filepath.Join(dir, "o"), 5) }
	return []hostileCase{
		{class: "1 stale results", name: "config edited between launches", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			write(t, cfg, sweepYAML(7))
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}, check: func(dir, _, stderr string) string {
			if !strings.Contains(stderr, "steps: 5 → 7") {
				return "the rerun did not say why"
			}
			return allRunsRecord(filepath.Join(dir, "o"), 7)
		}},
		{class: "1 stale results", name: "stub run.json", setup: sweepThen(func(t *testing.T, out string) {
			write(t, filepath.Join(runDirs(out)[0], "run.json"), `{"format":2}`)
		}), check: finished},
		{class: "1 stale results", name: "history cut at a line boundary", setup: sweepThen(func(t *testing.T, out string) {
			h := filepath.Join(runDirs(out)[0], "history.csv")
			raw, _ := os.ReadFile(h)
			lines := strings.SplitAfter(string(raw), "\n")
			write(t, h, strings.Join(lines[:len(lines)/2], ""))
		}), check: finished},
		{class: "1 stale results", name: "history with a short header", setup: sweepThen(func(t *testing.T, out string) {
			write(t, filepath.Join(runDirs(out)[0], "history.csv"), "step,epoch\n0,0\n")
		}), check: finished},
		{class: "1 stale results", name: "run.json of another format", setup: sweepThen(func(t *testing.T, out string) {
			p := filepath.Join(runDirs(out)[0], "run.json")
			raw, _ := os.ReadFile(p)
			write(t, p, strings.Replace(string(raw), `"format": 2`, `"format": 1`, 1))
		}), check: finished},
		{class: "1 stale results", name: "merge shards of two configs", setup: func(t *testing.T, dir string) []string {
			a, b := write(t, filepath.Join(dir, "a.yaml"), sweepYAML(5)), write(t, filepath.Join(dir, "b.yaml"), sweepYAML(6))
			setupSweep(t, dir, a, filepath.Join(dir, "s0"), "--shard", "0/2")
			setupSweep(t, dir, b, filepath.Join(dir, "s1"), "--shard", "1/2")
			return []string{"merge", "--out", filepath.Join(dir, "m"), filepath.Join(dir, "s0"), filepath.Join(dir, "s1")}
		}, want: "sweep"},
		{class: "1 stale results", name: "merge half a sweep", setup: func(t *testing.T, dir string) []string {
			a := write(t, filepath.Join(dir, "a.yaml"), sweepYAML(5))
			setupSweep(t, dir, a, filepath.Join(dir, "s0"), "--shard", "0/2")
			return []string{"merge", "--out", filepath.Join(dir, "m"), filepath.Join(dir, "s0")}
		}, want: "missing"},
		{class: "1 stale results", name: "merge --partial marks the summary incomplete", setup: func(t *testing.T, dir string) []string {
			a := write(t, filepath.Join(dir, "a.yaml"), sweepYAML(5))
			setupSweep(t, dir, a, filepath.Join(dir, "s0"), "--shard", "0/2")
			return []string{"merge", "--partial", "--out", filepath.Join(dir, "m"), filepath.Join(dir, "s0")}
		}, check: func(dir, _, _ string) string {
			raw, err := os.ReadFile(filepath.Join(dir, "m", "summary.csv"))
			if err != nil || !bytes.Contains(raw, []byte(",false")) {
				return "a partial summary is not marked complete=false"
			}
			return ""
		}},
		{class: "1 stale results", name: "merge a sweep whose run was replaced by another experiment", setup: func(t *testing.T, dir string) []string {
			a, b := write(t, filepath.Join(dir, "a.yaml"), sweepYAML(5)), write(t, filepath.Join(dir, "b.yaml"), sweepYAML(6))
			setupSweep(t, dir, a, filepath.Join(dir, "s"))
			setupSweep(t, dir, b, filepath.Join(dir, "t"))
			victim := runDirs(filepath.Join(dir, "s"))[0]
			os.RemoveAll(victim)
			os.Rename(filepath.Join(dir, "t", "runs", filepath.Base(victim)), victim)
			return []string{"merge", "--out", filepath.Join(dir, "m"), filepath.Join(dir, "s")}
		}, want: "steps"},
	}
}

// badFileCases: corrupt or foreign files never crash a command.
func badFileCases() []hostileCase {
	plugin := func(body []byte) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "pjrt"), 0o755)
			os.WriteFile(filepath.Join(dir, "pjrt", "pjrt_c_api_cpu_plugin.so"), body, 0o755)
			return []string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=0.01", "--steps", "3", "--quiet", "--out", filepath.Join(dir, "r")}
		}
	}
	elf, _ := os.ReadFile("/bin/true")
	return []hostileCase{
		{class: "2 bad files", name: "garbage plugin, go backend", setup: plugin([]byte("not a shared object")), env: []string{"PJRT_PLUGIN_LIBRARY_PATH=pjrt"}},
		{class: "2 bad files", name: "ELF without GetPjrtApi, go backend", setup: plugin(elf), env: []string{"PJRT_PLUGIN_LIBRARY_PATH=pjrt"}},
		{class: "2 bad files", name: "garbage plugin, xla asked for", setup: plugin([]byte("not a shared object")), env: []string{"PJRT_PLUGIN_LIBRARY_PATH=pjrt", "BGDLAB_BACKEND=xla:cpu"}, want: "plugin"},
		{class: "2 bad files", name: "sweep config that is binary", setup: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--config", write(t, filepath.Join(dir, "s.yaml"), "\x00\x01\x02\xff"), "--out", filepath.Join(dir, "o")}
		}, want: "s.yaml"},
		{class: "2 bad files", name: "merge of a folder with a corrupt run.json", setup: corruptThenMerge("run.json", "{"), want: "run.json"},
		{class: "2 bad files", name: "merge of a folder with a short history header", setup: corruptThenMerge("history.csv", "step\n0\n"), want: "history.csv"},
		idxCase("IDX header whose dimensions overflow", idxtest.Bytes([]uint32{1 << 31, 1 << 31, 1 << 31}, nil), "over 2³¹ bytes"),
		idxCase("truncated IDX", idxtest.Bytes([]uint32{60000, 28, 28}, make([]byte, 100)), "truncated"),
		idxCase("IDX with trailing garbage", append(idxtest.Bytes([]uint32{1, 28, 28}, make([]byte, 28*28)), 1, 2, 3), "after the"),
		idxCase("gzip IDX with a bad CRC", idxtest.BadCRC(idxtest.Bytes([]uint32{1, 28, 28}, make([]byte, 28*28))), "checksum"),
		idxCase("not an IDX file", []byte("hello, this is text"), "bad IDX magic"),
	}
}

// corruptThenMerge runs a sweep, overwrites one run's file with body and
// merges the folder.
func corruptThenMerge(file, body string) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		a := write(t, filepath.Join(dir, "a.yaml"), sweepYAML(5))
		setupSweep(t, dir, a, filepath.Join(dir, "s"))
		write(t, filepath.Join(runDirs(filepath.Join(dir, "s"))[0], file), body)
		return []string{"merge", "--out", filepath.Join(dir, "m"), filepath.Join(dir, "s")}
	}
}

// idxCase puts a bad training-images file in a Fashion-MNIST folder.
func idxCase(name string, images []byte, want string) hostileCase {
	return hostileCase{class: "2 bad files", name: name, want: want, setup: func(t *testing.T, dir string) []string {
		fm := filepath.Join(dir, "fm")
		os.MkdirAll(fm, 0o755)
		os.WriteFile(filepath.Join(fm, "train-images-idx3-ubyte"), images, 0o644)
		os.WriteFile(filepath.Join(fm, "train-labels-idx1-ubyte"), idxtest.Bytes([]uint32{1}, []byte{0}), 0o644)
		return []string{"run", "--data", "fashion-mnist:dir=" + fm, "--model", "softmax", "--optimizer", "gd", "--steps", "1", "--out", filepath.Join(dir, "r")}
	}}
}

func runArgs(dir string, kv ...string) []string {
	args := map[string]string{"--data": "textbook", "--model": "linear", "--optimizer": "gd:lr=0.01", "--steps": "3"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(args, kv[i])
		} else {
			args[kv[i]] = kv[i+1]
		}
	}
	out := []string{"run", "--quiet", "--out", filepath.Join(dir, "r")}
	for _, k := range []string{"--data", "--model", "--optimizer", "--steps", "--epochs", "--seconds", "--batch", "--chunk", "--target-loss", "--log-every"} {
		if v, ok := args[k]; ok {
			out = append(out, k, v)
		}
	}
	return out
}

func run2(name string, want string, kv ...string) hostileCase {
	return hostileCase{class: "3 sizes and budgets", name: name, want: want, setup: func(t *testing.T, dir string) []string { return runArgs(dir, kv...) }}
}

// sizeCases: sizes are bounded before anything is allocated; budgets are
// finite.
func sizeCases() []hostileCase {
	grid := func(name, body, want string) hostileCase {
		return hostileCase{class: "3 sizes and budgets", name: name, want: want, setup: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--config", write(t, filepath.Join(dir, "s.yaml"), body), "--out", filepath.Join(dir, "o")}
		}}
	}
	base := "base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\n"
	var big strings.Builder
	big.WriteString(base + "grid: {lr: [")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&big, "%g,", 1e-4*float64(i+1))
	}
	big.WriteString("1], momentum: [")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&big, "%g,", float64(i)/1001)
	}
	big.WriteString("0.5]}\n")
	return []hostileCase{
		run2("synthetic-linear n=1e15", "use a smaller n or d", "--data", "synthetic-linear:n=1e15"),
		run2("blobs d=1e8", "use a smaller n or d", "--data", "blobs:d=1e8", "--model", "logistic"),
		run2("mlp hidden 1e8x1e8", "hidden", "--data", "blobs", "--model", "mlp:hidden=100000000x100000000"),
		run2("epochs 1e300", "epochs", "--steps", "", "--epochs", "1e300"),
		run2("epochs inf", "epochs", "--steps", "", "--epochs", "inf"),
		run2("epochs NaN", "epochs", "--steps", "", "--epochs", "NaN"),
		run2("steps negative", "steps", "--steps", "-5"),
		run2("steps 1e18", "steps", "--steps", "1000000000000000000"),
		run2("seconds inf", "seconds", "--steps", "", "--seconds", "inf"),
		run2("chunk -7", "chunk", "--chunk", "-7"),
		run2("batch 1e12", "batch", "--batch", "1000000000000"),
		run2("lr NaN", "lr", "--optimizer", "gd:lr=NaN"),
		run2("lr inf", "lr", "--optimizer", "gd:lr=inf"),
		run2("momentum 1", "momentum", "--optimizer", "momentum:momentum=1"),
		run2("target-loss NaN", "target", "--target-loss", "NaN"),
		run2("log-every -1", "log", "--log-every", "-1"),
		grid("random search of 1e11 samples", base+"random: {samples: 100000000000, params: {lr: {min: 0.001, max: 1, log: true}}}\n", "100000"),
		grid("grid of a million points", big.String(), "100000"),
		grid("random search of 20 000 samples without consent", base+"random: {samples: 20000, params: {lr: {min: 0.001, max: 1, log: true}}}\n", "--max-runs 20000"),
		grid("random search with min > max", base+"random: {samples: 3, params: {lr: {min: 1, max: 0.001}}}\n", "min"),
		{class: "3 sizes and budgets", name: "theory on a 10⁶-column CSV", setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			for r := 0; r < 3; r++ {
				for c := 0; c < 1000000; c++ {
					fmt.Fprintf(&b, "%d,", (r*7+c*13)%10)
				}
				fmt.Fprintf(&b, "%d\n", r)
			}
			p := write(t, filepath.Join(dir, "wide.csv"), b.String())
			return []string{"theory", "--data", "csv:path=" + p + ",header=false", "--model", "linear"}
		}},
	}
}

// acceptedCases: input that used to be read wrongly without a word.
func acceptedCases() []hostileCase {
	csvRun := func(name, body, spec, want string, check func(dir, stdout, stderr string) string) hostileCase {
		return hostileCase{class: "4 silently accepted", name: name, want: want, check: check, setup: func(t *testing.T, dir string) []string {
			p := write(t, filepath.Join(dir, "d.csv"), body)
			return runArgs(dir, "--data", "csv:path="+p+spec)
		}}
	}
	rows := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%d,%d,%d\n", i, i*i%7, 2*i+i%3)
		}
		return b.String()
	}
	grid := func(name, body, want string) hostileCase {
		return hostileCase{class: "4 silently accepted", name: name, want: want, setup: func(t *testing.T, dir string) []string {
			return []string{"sweep", "--config", write(t, filepath.Join(dir, "s.yaml"), body), "--out", filepath.Join(dir, "o")}
		}}
	}
	base := "base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\n"
	return []hostileCase{
		csvRun("duplicate target column names", "a,y,y\n"+rows(20), ",target=y", "y", nil),
		csvRun("constant target", "a,b,y\n1,2,3\n4,5,3\n7,8,3\n9,1,3\n2,2,3\n", "", "constant", nil),
		csvRun("NaN in a feature", "a,b,y\n1,NaN,3\n4,5,6\n7,8,9\n1,1,1\n2,2,2\n", "", "NaN", nil),
		csvRun("ragged row", "a,b,y\n1,2,3\n4,5\n7,8,9\n", "", "line", nil),
		csvRun("target column out of range", rows(20), ",target=9", "target", nil),
		csvRun("empty file", "", "", "empty", nil),
		csvRun("header only", "a,b,y\n", "", "no data", nil),
		csvRun("BOM and no header keeps the first row", "\ufeff"+rows(20), ",header=false,val=0,test=0", "", examplesRecorded(20)),
		{class: "4 silently accepted", name: "missing CSV", want: "no such file", setup: func(t *testing.T, dir string) []string {
			return runArgs(dir, "--data", "csv:path="+filepath.Join(dir, "nope.csv"))
		}},
		grid("duplicate seeds", base+"seeds: [1, 1]\n", "seed"),
		grid("duplicate learning rates", base+"grid: {lr: [0.01, 0.01]}\n", "0.01"),
		grid("grid value injecting a hyperparameter", base+"grid: {lr: [\"0.01,weight_decay=0.5\"]}\n", "weight_decay"),
		grid("unknown grid key", base+"grid: {lrr: [0.01]}\n", "lrr"),
		grid("unknown optimizer", "base: {data: textbook, model: linear, steps: 5}\noptimizers: [gdd]\n", "gdd"),
		grid("unknown top-level key", base+"seedz: [1]\n", "seedz"),
		grid("no optimizers", "base: {data: textbook, model: linear, steps: 5}\n", "optimizers"),
		run2("unknown dataset key", "siz", "--data", "synthetic-linear:siz=3"),
		run2("unknown model", "lineer", "--model", "lineer"),
		run2("dataset key twice", "twice", "--data", "blobs:n=10,n=20", "--model", "logistic"),
	}
}

// foreignFileCases: files bgdlab did not write are never overwritten or
// deleted; two writers never share a folder.
func foreignFileCases() []hostileCase {
	const mine = "<html>my own page</html>"
	return []hostileCase{
		{class: "5 other people's files", name: "report into a folder with someone's index.html", want: "index.html", setup: func(t *testing.T, dir string) []string {
			write(t, filepath.Join(dir, "site", "index.html"), mine)
			return []string{"report", "--sections", "textbook", "--notebooks", "", "--out", filepath.Join(dir, "site")}
		}, check: func(dir, _, _ string) string {
			if raw, _ := os.ReadFile(filepath.Join(dir, "site", "index.html")); string(raw) != mine {
				return "someone's index.html was overwritten"
			}
			return ""
		}},
		{class: "5 other people's files", name: "a file where a run folder goes", want: "is a file, not a run folder", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), sweepYAML(5))
			setupSweep(t, dir, cfg, filepath.Join(dir, "o"))
			victim := runDirs(filepath.Join(dir, "o"))[0]
			os.RemoveAll(victim)
			write(t, victim, "my notes")
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}, check: func(dir, _, _ string) string {
			for _, d := range runDirs(filepath.Join(dir, "o")) {
				if st, err := os.Stat(d); err == nil && !st.IsDir() {
					if raw, _ := os.ReadFile(d); string(raw) == "my notes" {
						return ""
					}
				}
			}
			return "the user's file was removed or changed"
		}},
		{class: "6 two writers", name: "second report into a folder being written", want: "is in use by PID", setup: func(t *testing.T, dir string) []string {
			args := []string{"report", "--sections", "deep", "--notebooks", "", "--out", filepath.Join(dir, "rep")}
			startCLI(t, args...)
			for i := 0; i < 400; i++ {
				if raw, _ := os.ReadFile(filepath.Join(dir, "rep", ".report.lock")); len(raw) > 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			return args
		}},
		{class: "6 two writers", name: "second sweep into a folder being written", want: "is in use by PID", setup: func(t *testing.T, dir string) []string {
			cfg := write(t, filepath.Join(dir, "s.yaml"), "base: {data: \"synthetic-linear:n=20000,d=50\", model: linear, batch: 1, steps: 2000000, dtype: float64}\noptimizers: [gd]\ngrid: {lr: [0.00001]}\nseeds: [1]\n")
			startCLI(t, "sweep", "--config", cfg, "--out", filepath.Join(dir, "o"))
			// The first holds the lock once its run folder appears.
			for i := 0; i < 400 && len(runDirs(filepath.Join(dir, "o"))) == 0; i++ {
				time.Sleep(50 * time.Millisecond)
			}
			return []string{"sweep", "--config", cfg, "--out", filepath.Join(dir, "o")}
		}},
	}
}
