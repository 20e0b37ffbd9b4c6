package exercise_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIsolation runs a cell's program (testdata/student) whose GD update
// exits, hangs, calls runtime.Goexit or panics in a goroutine: each must
// end as NOT YET with a hint on stderr — what nbgrader scores as a failed
// test — where it passed (os.Exit(0)), hung the kernel, or left only a
// goroutine trace (issue 29, class 7); a pass writes nothing to stderr.
// The program itself ends normally either way (no "exit status 1" under the
// hint). BGDLAB_EXERCISE_INPROCESS=1 go test -run TestIsolation shows the
// old ends.
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
		failed     bool // NOT YET on stderr
	}{
		{"ok", "PASSED the GD update: matches the reference on 50 random cases", false},
		{"print", "debug: theta has", false},
		{"exit0", "NOT YET the GD update: your code ended the program before the check finished", true},
		{"loop", "NOT YET the GD update: your function did not return within 5s", true},
		{"goexit", "main called runtime.Goexit", true},
		{"goroutine-panic", "panic: index out of range in a helper goroutine\n  hint: your function must return its answer", true},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var stdout, stderr strings.Builder
			cmd := exec.CommandContext(ctx, bin, tc.kind)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("the cell hung (killed after a minute); output:\n%s%s", &stdout, &stderr)
			}
			if err != nil {
				t.Errorf("the cell's program ended with %v, want a normal end; stderr:\n%s", err, &stderr)
			}
			got := stdout.String()
			if tc.failed {
				got = stderr.String()
			} else if stderr.Len() > 0 {
				t.Errorf("a pass wrote to stderr (nbgrader would score it 0):\n%s", &stderr)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("stdout:\n%s\nstderr:\n%s\nwant %q on %s", &stdout, &stderr, tc.want, map[bool]string{true: "stderr", false: "stdout"}[tc.failed])
			}
		})
	}
}
