//go:build !unix

package experiment

// LockFolder does not lock where flock is not available.
func LockFolder(dir, what string) (func(), error) { return func() {}, nil }
