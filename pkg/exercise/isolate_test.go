package exercise_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIsolation runs a cell's program (testdata/student) whose GD update
// exits, hangs, calls runtime.Goexit or panics in a goroutine: each must
// end as NOT YET with exit status 1 and a hint, where it passed (os.Exit(0)),
// hung the kernel, or left only a goroutine trace (issue 29, class 7).
// BGDLAB_EXERCISE_INPROCESS=1 go test -run TestIsolation shows the old ends.
func TestIsolation(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a program")
	}
	bin := filepath.Join(t.TempDir(), "student")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/student").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tests := []struct {
		kind, want string
		code       int
	}{
		{"ok", "PASSED the GD update: matches the reference on 50 random cases", 0},
		{"print", "debug: theta has", 0},
		{"exit0", "NOT YET the GD update: your code ended the program before the check finished", 1},
		{"loop", "NOT YET the GD update: your function did not return within 5s", 1},
		{"goexit", "main called runtime.Goexit", 1},
		{"goroutine-panic", "panic: index out of range in a helper goroutine\n  hint: your function must return its answer", 1},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, tc.kind).CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("the cell hung (killed after a minute); output:\n%s", out)
			}
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			}
			if code != tc.code || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out, tc.code, tc.want)
			}
		})
	}
}
