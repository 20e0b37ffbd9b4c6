package testenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
)

// TestMissing runs a child test that needs something absent, with and
// without CI=true, and checks it failed in CI and was skipped otherwise.
func TestMissing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		testenv.Missing(t, "the frobnicator", "apt-get install frobnicator")
		return
	}
	for _, ci := range []string{"true", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		failed := err != nil
		if failed != (ci == "true") || !strings.Contains(string(out), "apt-get install frobnicator") {
			t.Errorf("CI=%q: failed=%v, output:\n%s", ci, failed, out)
		}
		if ci == "" && !strings.Contains(string(out), "--- SKIP") {
			t.Errorf("CI unset: want a visible skip, got:\n%s", out)
		}
	}
}
