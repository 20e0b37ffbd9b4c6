package backend

import (
	"fmt"
	"os"
	"strings"
)

// HugePageMalloc is the glibc tunable every bgdlab process runs with: glibc's
// malloc marks the memory it maps for transparent huge pages
// (MADV_HUGEPAGE). The XLA CPU plugin allocates each execution's buffers with
// malloc, and glibc serves a block over its mmap threshold with a fresh
// anonymous mapping that free unmaps again. Where transparent huge pages are
// "madvise" (this machine's kernel; `cat
// /sys/kernel/mm/transparent_hugepage/enabled`), every execution of a step
// with large temporaries then faults its memory in 4 KiB at a time: the
// CNN's full-batch step on 2 000 images (its im2col patches) took about
// 135 000 minor faults and 0.33 s of system time per execution on a 2-core
// AMD EPYC, half of its 0.48 s; with this tunable 0.24 s, the same peak RSS
// (TestHugePageMallocStopsXLAFaults counts the faults). The pure-Go backend
// allocates through Go's runtime and is unaffected.
//
// GLIBC_TUNABLES is read when a process starts, so the bgdlab CLI sets it for
// its worker process, scripts/goenv.sh for go test and the scripts, and
// scripts/setup in the GoNB kernel's environment; a library user sets it
// before starting the program. glibc before 2.35 ignores it; with transparent
// huge pages "never" it changes nothing. Drop it when XLA's CPU client keeps
// its execution buffers between executions.
const HugePageMalloc = "glibc.malloc.hugetlb=1"

// WithHugePageMalloc returns tunables (a GLIBC_TUNABLES value:
// name=value pairs separated by colons) with HugePageMalloc added, unless it
// already sets glibc.malloc.hugetlb, which is left as the user chose.
func WithHugePageMalloc(tunables string) string {
	name, _, _ := strings.Cut(HugePageMalloc, "=")
	for _, kv := range strings.Split(tunables, ":") {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return tunables
		}
	}
	if tunables == "" {
		return HugePageMalloc
	}
	return tunables + ":" + HugePageMalloc
}

// mallocSummary is Describe's line on the process's glibc tunables (the
// GLIBC_TUNABLES value it started with) and the kernel's transparent huge
// page mode.
func mallocSummary(tunables string) string {
	mode := "unknown"
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err == nil {
		if _, rest, ok := strings.Cut(string(b), "["); ok {
			mode, _, _ = strings.Cut(rest, "]")
		}
	}
	if WithHugePageMalloc(tunables) != tunables {
		return fmt.Sprintf("GLIBC_TUNABLES=%q, transparent huge pages %s: XLA's large buffers fault in 4 KiB at a time (start with GLIBC_TUNABLES=%s; the bgdlab CLI's worker and scripts/goenv.sh do)", tunables, mode, HugePageMalloc)
	}
	return fmt.Sprintf("GLIBC_TUNABLES=%s, transparent huge pages %s", tunables, mode)
}
