// Package exercise holds the checkers of the course's graded exercises. Each
// checker calls the student's function on random cases, compares it with a
// float64 reference, and returns a Result: pass, or fail with what went wrong
// on which case and a hint (a specific one when the answer matches a known
// mistake, such as a flipped sign or a missing bias correction).
//
// In a notebook the graded cell is one line, e.g.
//
//	exercise.Report(exercise.GDStep(gdStep))
//
// Report prints a passing result to stdout and a failing one to stderr,
// which nbgrader counts as a failed test (no points); the cell goes on, so
// Run All reaches the cells below, and the "Use it" cells that call the
// student's function first ask Ready.
package exercise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// Result is the outcome of one checker.
type Result struct {
	// Exercise names what was checked, e.g. "the GD update".
	Exercise string
	// Passed is true when every case matched the reference.
	Passed bool
	// Cases is the number of random cases tried (up to the first failure).
	Cases int
	// Problem says what went wrong on the first failing case; empty on a pass.
	Problem string
	// Hint suggests a fix; empty on a pass.
	Hint string
}

// String formats r for the notebook: one line on a pass, three on a failure.
func (r Result) String() string {
	if r.Passed {
		return fmt.Sprintf("PASSED %s: matches the reference on %d random cases", r.Exercise, r.Cases)
	}
	if r.Cases == 0 { // the check ended before a case finished (see isolate.go)
		return fmt.Sprintf("NOT YET %s: %s\n  hint: %s", r.Exercise, r.Problem, r.Hint)
	}
	return fmt.Sprintf("NOT YET %s (case %d): %s\n  hint: %s", r.Exercise, r.Cases, r.Problem, r.Hint)
}

// Report prints r: a pass to stdout, a failure to stderr, which is what
// nbgrader reads as a failed test cell (utils.determine_grade: any stderr
// output scores 0). It does not end the program: an exit status would only
// add GoNB's "exit status 1" under the hint and stop Run All.
func Report(r Result) {
	if os.Getenv(childEnv) != "" {
		return // a child of a checker: its parent reports
	}
	if r.Passed {
		fmt.Println(r)
		return
	}
	fmt.Fprintln(os.Stderr, r)
}

// Ready reports whether r passed, for a cell that uses the student's
// function after its check (the "Use it" cells): when it did not, it prints
// one line saying to finish the exercise first, and the cell returns
// instead of running an unfinished function (a goroutine trace from the
// stub's panic, or a diverged θ printed to 90 digits from a wrong one).
//
//	if !exercise.Ready(exercise.GDStep(gdStep)) {
//		return
//	}
func Ready(r Result) bool {
	if !r.Passed {
		fmt.Printf("Skipped: %s is not finished yet (its check says NOT YET: %s). Finish it above, rerun its check, then this cell.\n", r.Exercise, r.Problem)
	}
	return r.Passed
}

// Option changes how a checker runs.
type Option func(*config)

type config struct {
	cases int
	seed  uint64
	limit time.Duration
}

// Cases sets the number of random cases (default 20). Hidden tests use more.
func Cases(n int) Option { return func(c *config) { c.cases = max(n, 1) } }

// Seed sets the seed of the random cases (default 1).
func Seed(s uint64) Option { return func(c *config) { c.seed = s } }

func newConfig(opts []Option) (config, *rand.Rand) {
	c := config{cases: 20, seed: 1, limit: DefaultTimeLimit}
	for _, o := range opts {
		o(&c)
	}
	return c, rand.New(rand.NewPCG(c.seed, 0xB6D))
}

// check runs one case after another (k = 1, 2, …, drawn from r) until the
// first returns a problem, or every case passed; in a child process unless
// this is a test binary (see isolate.go).
func check(exercise string, opts []Option, one func(k int, r *rand.Rand) (problem, hint string)) Result {
	calls++
	run := func() Result { return runCases(exercise, opts, one) }
	if res, ok := inChild(exercise, calls, run); ok {
		return res
	}
	if isolate() {
		c, _ := newConfig(opts)
		return isolated(exercise, calls, c.limit)
	}
	return run()
}

// runCases is check's work, in whichever process runs it.
func runCases(exercise string, opts []Option, one func(k int, r *rand.Rand) (problem, hint string)) Result {
	c, r := newConfig(opts)
	res := Result{Exercise: exercise}
	for res.Cases = 1; res.Cases <= c.cases; res.Cases++ {
		if res.Problem, res.Hint = one(res.Cases, r); res.Problem != "" {
			return res
		}
	}
	res.Cases--
	res.Passed = true
	return res
}

// stubbed is the problem and hint for a student's function name that panicked.
func stubbed(name string, err error) (problem, hint string) {
	return name + ": " + err.Error(), stubHint(err)
}

// mistake is a known wrong answer: its output on a case, and the hint it earns.
type mistake[T any] struct {
	answer func() T
	hint   string
}

// call runs the student's function, turning a panic (the unmodified stub
// panics with "not implemented") into an error.
func call[T any](f func() T) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("it panicked: %v", r)
		}
	}()
	return f(), nil
}

// stubHint is the hint for a function that panicked.
func stubHint(err error) string {
	if strings.Contains(err.Error(), "not implemented") {
		return "replace the panic(\"not implemented\") line with your code, run that cell, then this one"
	}
	return "the function must not panic on valid input: check slice lengths and indices"
}

// vecClose reports whether got equals want to rtol relative (atol for entries near zero).
func vecClose(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !scalarClose(got[i], want[i]) {
			return false
		}
	}
	return true
}

func scalarClose(got, want float64) bool {
	return got == want || !math.IsNaN(got) && math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func fmtVec(v []float64) string {
	if len(v) > 6 {
		return fmt.Sprintf("%.6g … (%d entries)", v[:6], len(v))
	}
	return fmt.Sprintf("%.6g", v)
}

func randVec(r *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

// vecCheck compares the student's vector with the reference and, on a
// mismatch, with the known mistakes, returning the problem and the hint.
func vecCheck(got, want []float64, what string, mistakes []mistake[[]float64], generic string) (problem, hint string) {
	if vecClose(got, want) {
		return "", ""
	}
	problem = fmt.Sprintf("%s = %s, want %s", what, fmtVec(got), fmtVec(want))
	if len(got) != len(want) {
		return fmt.Sprintf("%s has %d entries, want %d", what, len(got), len(want)), "return a new slice with one entry per parameter"
	}
	for _, m := range mistakes {
		if vecClose(got, m.answer()) {
			return problem, m.hint
		}
	}
	return problem, generic
}
