//go:build !linux

package main

import "syscall"

// childAttr: only Linux can tie the child's life to the supervisor's.
func childAttr() *syscall.SysProcAttr { return nil }
