package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/bgdlab/bgdlab/pkg/backend"
)

func init() {
	register("backend", "print the chosen backend, its devices, plugin path and versions", runBackend)
}

func runBackend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "also run a tiny computation (matrix product and its gradient) and compare it with the host")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	backend.Warnings = stderr
	b, info, err := backend.New()
	if err != nil {
		return usagef("%v", err)
	}
	defer b.Finalize()
	backend.Describe(stdout, b, info)
	if *check {
		if err := backend.Check(b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "check:     ok (matrix product and gradient match the host)\n")
	}
	return nil
}
