package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
)

func call(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestErrorPaths checks exit codes (2: usage/config, 1: runtime) and that
// messages name the problem; never a panic trace.
func TestErrorPaths(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("optimizers: [gd]\nbogus_key: 1\n"), 0o644)
	badOpt := filepath.Join(dir, "badopt.json")
	os.WriteFile(badOpt, []byte(`{"base": {"data": "textbook", "model": "linear", "steps": 5}, "optimizers": ["gd"], "grid": {"beta9": [1]}}`), 0o644)
	out := filepath.Join(dir, "o")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate": valid commands are`},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--steps", "5"}, 2, "--out DIR is required"},
		{[]string{"run", "--data", "nope", "--model", "linear", "--optimizer", "gd", "--steps", "5", "--out", out}, 2, `unknown dataset "nope"`},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=-1", "--steps", "5", "--out", out}, 2, "lr=-1 is outside its valid range"},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--batch", "0", "--steps", "5", "--out", out}, 2, "batch size 0 must be ≥ 1"},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--batch", "6", "--steps", "5", "--out", out}, 2, "batch size 6 is larger than the 5 training examples"},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--dtype", "float16", "--steps", "5", "--out", out}, 2, "dtype=\"float16\" must be float32 or float64"},
		{[]string{"run", "--data", "textbook", "--model", "logistic", "--optimizer", "gd", "--steps", "5", "--out", out}, 2, "needs a classification dataset"},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--steps", "5", "--target-loss", "x", "--out", out}, 2, "--target-loss"},
		{[]string{"run", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"sweep", "--config", badYAML, "--out", out}, 2, "field bogus_key not found"},
		{[]string{"sweep", "--config", badOpt, "--out", out}, 2, `unknown parameter "beta9"`},
		{[]string{"sweep", "--config", filepath.Join(dir, "missing.json"), "--out", out}, 2, "no such file"},
		{[]string{"sweep", "--config", badOpt, "--out", out, "--shard", "3/2"}, 2, "--shard \"3/2\""},
		{[]string{"merge"}, 2, "give the shard folders"},
		{[]string{"merge", dir}, 1, "is not a sweep output"},
		{[]string{"report", "--notebooks", dir, "--out", out}, 2, "no notebooks in"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := call(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q, want it to contain %q", code, tc.code, errOut, tc.want)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Fatalf("panic trace in %q", errOut)
			}
		})
	}
}

func TestRunDivergedExitsZero(t *testing.T) {
	out := t.TempDir()
	code, stdout, errOut := call("run", "--data", "textbook", "--model", "linear", "--optimizer", "gd:lr=0.5", "--steps", "100", "--quiet", "--out", out)
	if code != 0 || !strings.Contains(stdout, "status: diverged at step") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
}

func TestListings(t *testing.T) {
	for _, c := range []struct{ cmd, want string }{{"optimizers", "lbfgs"}, {"datasets", "fashion-mnist"}, {"models", "deep-mlp"}, {"backend", "backend:"}} {
		code, out, errOut := call(c.cmd)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, %q %q", c.cmd, code, out, errOut)
		}
	}
}

// TestMain lets a test run this binary as the bgdlab CLI (commands that
// re-execute themselves, like bench's per-case child processes).
func TestMain(m *testing.M) {
	if os.Getenv("BGDLAB_TEST_AS_CLI") == "1" {
		registerCrashes()
		os.Exit(mainCode(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// registerCrashes adds commands that end the process the ways a command
// can crash beyond run's recover (test binary only).
func registerCrashes() {
	noop := func([]string, io.Writer, io.Writer) error { return nil }
	register("test-oom", "allocates 1 TiB (test only)", func([]string, io.Writer, io.Writer) error {
		big := make([]byte, 1<<40)
		big[len(big)-1] = 1
		return noop(nil, nil, nil)
	})
	register("test-goroutine-panic", "panics in a goroutine (test only)", func([]string, io.Writer, io.Writer) error {
		go func() { panic("boom in a goroutine") }()
		time.Sleep(time.Minute) // the panic ends the process first
		return nil
	})
	register("test-killed", "kills itself with SIGKILL (test only)", func([]string, io.Writer, io.Writer) error {
		return syscall.Kill(os.Getpid(), syscall.SIGKILL)
	})
}

// TestCrashesExitOne runs this test binary as the supervised CLI and
// checks the documented exit codes for what run's recover cannot catch: a
// Go runtime fatal error (out of memory), a panic in a goroutine and a
// SIGKILL all exit 1 with a message (Go's runtime alone exits 2, the code
// for bad usage), while bad usage still exits 2 and success 0.
func TestCrashesExitOne(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"test-oom"}, 1, []string{"fatal error: runtime: out of memory", "internal error: the program crashed", "command line: bgdlab test-oom"}},
		{[]string{"test-goroutine-panic"}, 1, []string{"boom in a goroutine", "internal error: the program crashed"}},
		{[]string{"test-killed"}, 1, []string{"killed (SIGKILL", "rerunning the same command resumes"}},
		{[]string{"frobnicate"}, 2, []string{"unknown command"}},
		{[]string{"run", "--data", "textbook", "--model", "linear", "--optimizer", "gd", "--steps", "5"}, 2, []string{"--out DIR is required"}},
		{[]string{"optimizers"}, 0, nil},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			code, _, stderr, _ := cli(t.TempDir(), nil, time.Minute, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestBenchIsolatesCases runs a tiny bench on the go backend with each case
// in a child process and checks the results come back with their own peak
// memory.
func TestBenchIsolatesCases(t *testing.T) {
	if _, err := os.Stat(data.FashionMNISTDir()); err != nil {
		testenv.Missing(t, "Fashion-MNIST", "apt-get install dataset-fashion-mnist (scripts/setup does)")
	}
	t.Setenv("BGDLAB_TEST_AS_CLI", "1") // the children are this test binary
	out := t.TempDir()
	code, stdout, stderr := call("bench", "--backends", "go", "--cases", "softmax,mlp", "--scale", "0.01", "--repeats", "1", "--no-peer", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Results []struct {
			Case, Kind string
			MaxRSSMB   float64
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 6 {
		t.Fatalf("want 6 results (2 cases × full step, matmul-only, epoch), got %d:\n%s", len(got.Results), raw)
	}
	for _, r := range got.Results {
		if r.Kind == "full-step" && !(r.MaxRSSMB > 0) {
			t.Errorf("%s full step: no peak memory reported", r.Case)
		}
	}
}

// TestPanicIsAnInternalError: a panic inside a command exits 1 (not 2, the
// code for bad usage) and asks for a bug report with the command line.
func TestPanicIsAnInternalError(t *testing.T) {
	register("test-panic", "panics (test only)", func([]string, io.Writer, io.Writer) error { panic("boom") })
	defer delete(commands, "test-panic")
	var stderr bytes.Buffer
	code := run([]string{"test-panic", "--x", "a b"}, io.Discard, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"internal error (a bug in bgdlab", "boom", `please report it with the command line: bgdlab test-panic --x "a b"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestMemoryLimit: the soft limit is 2 GiB for small live heaps and keeps
// a tenth of headroom above large ones.
func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, 2 << 30}, {1 << 30, 2 << 30}, {1800 << 20, 2 << 30}, {2000 << 20, 2200 << 20}, {10 << 30, 11 << 30},
	} {
		if got := memoryLimit(tc.live); got != tc.want {
			t.Errorf("memoryLimit(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// TestWorkerMallocTunable checks that the CLI's worker process starts with
// glibc's huge-page malloc (backend.HugePageMalloc: XLA's per-execution
// buffers otherwise fault in 4 KiB at a time) when the user set no
// GLIBC_TUNABLES, and keeps a setting the user made.
func TestWorkerMallocTunable(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"GLIBC_TUNABLES=", "malloc:    GLIBC_TUNABLES=" + backend.HugePageMalloc + ","},
		{"GLIBC_TUNABLES=glibc.malloc.hugetlb=0", "malloc:    GLIBC_TUNABLES=glibc.malloc.hugetlb=0,"},
	} {
		code, stdout, stderr, _ := cli(t.TempDir(), []string{tc.env}, time.Minute, "backend")
		if code != 0 || !strings.Contains(stdout, tc.want) {
			t.Errorf("%s bgdlab backend: exit %d, stdout lacks %q:\n%s%s", tc.env, code, tc.want, stdout, stderr)
		}
	}
}
