package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/bgdlab/bgdlab/pkg/backend"
)

// Go's runtime ends a process with exit code 2 on an unrecovered panic in a
// goroutine and on a fatal error (out of memory, a concurrent map write):
// the code bgdlab documents for bad usage. So bgdlab runs its command in a
// child process and stands by as a small supervisor: the child reports bad
// usage as childUsage, and the supervisor turns that back into 2 and a
// crash — the runtime's 2 or death by a signal — into 1 with a request to
// report it.
const (
	// supervisedEnv marks the child; the child removes it from its own
	// environment, so programs it starts are supervised as usual.
	supervisedEnv = "BGDLAB_SUPERVISED"
	// childUsage is a supervised child's exit code for bad usage.
	childUsage = 10
	// goRuntimeCrash is the exit code of Go's runtime after a fatal error or
	// an unrecovered panic.
	goRuntimeCrash = 2
)

// supervised tells whether this process is a supervised child: the
// variable holds its parent's PID, so a BGDLAB_SUPERVISED a user sets (to
// 1, say) does not make bgdlab answer with the child's private exit codes.
func supervised() bool { return os.Getenv(supervisedEnv) == strconv.Itoa(os.Getppid()) }

// childCode is a supervised child's exit code for run's code.
func childCode(code int) int {
	if code == 2 {
		return childUsage
	}
	return code
}

// supervise runs this executable with args as a child process sharing
// stdin, stdout and stderr, forwards termination signals to it, and returns
// the documented exit code for how it ended.
func supervise(exe string, args []string, stderr io.Writer) int {
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), supervisedEnv+"="+strconv.Itoa(os.Getpid()),
		"GODEBUG="+backend.WithoutAsyncPreempt(os.Getenv("GODEBUG")),
		"GLIBC_TUNABLES="+backend.WithHugePageMalloc(os.Getenv("GLIBC_TUNABLES")))
	cmd.SysProcAttr = childAttr()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "bgdlab: cannot start its worker process %s: %v\n", exe, err)
		return 1
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	return parentCode(cmd.ProcessState, err, args, stderr)
}

// parentCode maps how the child ended to the documented exit code, saying
// what happened when it crashed.
func parentCode(st *os.ProcessState, err error, args []string, stderr io.Writer) int {
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(stderr, "bgdlab: lost its worker process: %v\n", err)
		return 1
	}
	line := commandLine(append([]string{"bgdlab"}, args...))
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		why := "stopped by a signal"
		if sig == syscall.SIGKILL {
			why = "killed (SIGKILL: by the kernel's out-of-memory killer when memory ran out, or by kill -9)"
		}
		fmt.Fprintf(stderr, "bgdlab: the command was %s (%v); results already written are kept, and rerunning the same command resumes: %s\n", why, sig, line)
		return 1
	}
	switch code := st.ExitCode(); code {
	case childUsage:
		return 2
	case goRuntimeCrash:
		fmt.Fprintf(stderr, "bgdlab: internal error: the program crashed (Go's runtime message is above: out of memory, or a bug in bgdlab, not in your input); results already written are kept. If memory ran out, use a smaller data set or model (or GOMEMLIMIT); otherwise please report it with the command line: %s\n", line)
		return 1
	default:
		return code
	}
}
