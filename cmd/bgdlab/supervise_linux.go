package main

import "syscall"

// childAttr kills the child when the supervisor dies (kill -9 included), so
// that no worker outlives it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
