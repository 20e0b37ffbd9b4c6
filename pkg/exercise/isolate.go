package exercise

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A checker runs the student's function in a child process: this program
// again, told by childEnv to run only its n-th checker call and send the
// Result back on file descriptor 3. So a function that calls os.Exit(0)
// (the cell would end with exit status 0, which nbgrader counts as a pass),
// loops forever, calls runtime.Goexit or panics in a goroutine of its own
// ends as NOT YET with a hint, not as a pass, a hung kernel or a goroutine
// trace. In a test binary (testing.Testing()) checkers run in process, as
// they do when BGDLAB_EXERCISE_INPROCESS=1.
//
// This guards against mistakes, not against a student who writes code
// aimed at the checker (an init function that prints PASSED, say): nbgrader's
// hidden tests and the teacher's reading of the cell remain the backstop.
const (
	childEnv     = "BGDLAB_EXERCISE_CHILD"
	inProcessEnv = "BGDLAB_EXERCISE_INPROCESS"
)

// DefaultTimeLimit bounds one checker call (all its cases together).
const DefaultTimeLimit = 30 * time.Second

// TimeLimit sets how long the student's function may take over all cases
// (default DefaultTimeLimit); past it the check is NOT YET.
func TimeLimit(d time.Duration) Option { return func(c *config) { c.limit = d } }

// calls counts this process's checker calls, in the order the cell makes
// them; the child runs the one with the parent's count.
var calls int

// isolated runs the n-th checker call in a child process and returns its
// Result, or NOT YET saying how the child ended without one.
func isolated(exercise string, n int, limit time.Duration) Result {
	exe, err := os.Executable()
	if err != nil {
		return Result{Exercise: exercise, Problem: "cannot find this program to run the check: " + err.Error(), Hint: "rerun the cell; if it persists, restart the kernel"}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Result{Exercise: exercise, Problem: "cannot run the check: " + err.Error(), Hint: "rerun the cell"}
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, os.Args[1:]...)
	cmd.Env = append(childEnviron(), childEnv+"="+strconv.Itoa(n))
	cmd.ExtraFiles = []*os.File{w}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stdout, &stderr // what the function prints shows as usual
	startErr := cmd.Start()
	w.Close()
	if startErr != nil {
		return Result{Exercise: exercise, Problem: "cannot run the check: " + startErr.Error(), Hint: "rerun the cell"}
	}
	var res Result
	decodeErr := json.NewDecoder(r).Decode(&res)
	waitErr := cmd.Wait()
	if decodeErr == nil && res.Exercise == exercise {
		return res
	}
	out := Result{Exercise: exercise}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		out.Problem = fmt.Sprintf("your function did not return within %v", limit)
		out.Hint = "look for a loop that never ends (a for without a condition that becomes false, an index that never grows)"
	case waitErr == nil:
		out.Problem = "your code ended the program before the check finished (os.Exit or log.Fatal?)"
		out.Hint = "return your answer from the function; do not end the program"
	case errors.As(waitErr, &exit):
		out.Problem = fmt.Sprintf("the program crashed while checking your function (exit status %d): %s", exit.ExitCode(), crashLine(stderr.String()))
		out.Hint = "your function must return its answer: no panic in a goroutine it starts, no runtime.Goexit, no os.Exit"
	default:
		out.Problem = "the check did not finish: " + waitErr.Error()
		out.Hint = "rerun the cell"
	}
	return out
}

// childEnviron is the environment of the child: without GoNB's display
// pipes, so nothing the child shows reaches the notebook twice.
func childEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GONB_PIPE") && !strings.HasPrefix(kv, childEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// crashLine is the runtime's message in a crashed child's stderr.
func crashLine(stderr string) string {
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return l
		}
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); first != "" {
		return first
	}
	return "no message"
}

// inChild runs the checker call this child was started for, sends its
// Result to the parent and ends the child; it skips earlier calls, returning
// a passing Result no one reads.
func inChild(exercise string, n int, run func() Result) (Result, bool) {
	want, err := strconv.Atoi(os.Getenv(childEnv))
	if err != nil {
		return Result{}, false
	}
	if n != want {
		return Result{Exercise: exercise, Passed: true}, true
	}
	res := run()
	if f := os.NewFile(3, "result"); f != nil {
		json.NewEncoder(f).Encode(res)
		f.Close()
	}
	os.Exit(0)
	return res, true
}

// isolate tells whether checkers run in a child process.
func isolate() bool { return !testing.Testing() && os.Getenv(inProcessEnv) != "1" }
