//go:build !unix

package experiment

// lockFolder does not lock where flock is not available.
func lockFolder(out string) (func(), error) { return func() {}, nil }
