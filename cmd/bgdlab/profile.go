package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file that receives a CPU profile of the command
// (go tool pprof reads it): how docs/performance.md measures where a
// report's time goes, compilation included.
const cpuProfileEnv = "BGDLAB_CPUPROFILE"

// startProfile starts the CPU profile BGDLAB_CPUPROFILE asks for and returns
// the function that writes it out; without the variable it does nothing.
func startProfile(stderr io.Writer) func() {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "bgdlab: %s=%s: %v (no profile written)\n", cpuProfileEnv, path, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "bgdlab: %s: %v (no profile written)\n", cpuProfileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "bgdlab: writing the CPU profile %s: %v\n", path, err)
		}
	}
}
