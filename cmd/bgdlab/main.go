// Command bgdlab runs bgdlab's studies and tools from the shell.
//
//	bgdlab backend      print the chosen GoMLX backend, its devices, plugin and versions
//
// Exit codes: 0 success, 2 bad usage or configuration, 1 runtime failure.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/compute"
)

// usageError marks errors caused by the user's command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagError is a command's flag-parsing error: -h and --help (flag.ErrHelp,
// the flags already printed) end with exit code 0, anything else is bad usage.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usagef("%v", err)
}

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary, run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: bgdlab COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'bgdlab COMMAND -h' for the flags of a command.")
}

// run executes the command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "bgdlab: internal error (a bug in bgdlab, not in your input): %v\n%s\nplease report it with the command line: %s\n",
				r, debug.Stack(), commandLine(append([]string{"bgdlab"}, args...)))
			code = 1
		}
	}()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(stderr, "bgdlab: unknown command %q: valid commands are %s\n", args[0], strings.Join(names, ", "))
		return 2
	}
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "bgdlab %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "bgdlab %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// openBackend creates the backend chosen by the environment, with the
// fallback note on stderr; a bad configuration is a usage error.
func openBackend(stderr io.Writer) (compute.Backend, error) {
	backend.Warnings = stderr
	b, _, err := backend.New()
	if err != nil {
		return nil, usagef("%v", err)
	}
	return b, nil
}

// main runs the command in a supervised child process (see supervise), or
// itself when it is that child, when BGDLAB_NO_SUPERVISOR=1, or when it
// cannot find its own executable.
func main() { os.Exit(mainCode(os.Args[1:])) }

func mainCode(args []string) int {
	if supervised() {
		// Programs this worker starts (bench's cases, notebooks) are not
		// supervised by it: they get their own supervisor and exit codes.
		os.Unsetenv(supervisedEnv)
		limitMemory()
		stop := startProfile(os.Stderr)
		code := run(args, os.Stdout, os.Stderr)
		stop()
		return childCode(code)
	}
	if exe, err := os.Executable(); err == nil && os.Getenv("BGDLAB_NO_SUPERVISOR") != "1" {
		return supervise(exe, args, os.Stderr)
	}
	limitMemory()
	stop := startProfile(os.Stderr)
	defer stop()
	return run(args, os.Stdout, os.Stderr)
}
