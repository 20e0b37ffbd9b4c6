// Package testenv decides what a test does when a tool or dataset it needs
// is missing: under CI=true the test fails with the install command (CI must
// run everything); elsewhere it is skipped, visibly, with the same command.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Missing reports that what the test needs is absent: it fails the test
// under CI=true and skips it otherwise, saying how to install it.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s is missing: %s", what, install)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skip(msg)
}
