package backend

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

// NoAsyncPreempt is the GODEBUG setting every bgdlab process built with
// GOEXPERIMENT=simd runs with. Go 1.26's asynchronous preemption saves and
// restores the full AVX-512 (or AVX2) registers of a preempted goroutine
// when built with the SIMD experiment (runtime/preempt_amd64.s, generated
// by mkpreempt.go), and returns without VZEROUPPER. On Intel CPUs the
// goroutine then resumes with the upper halves dirty, and its scalar float
// code (math.Exp in the go backend's Exp and Logistic) pays the AVX→SSE
// transition penalty until the next VZEROUPPER: an element-wise op on
// 60 000×10 floats took 430 ms instead of 4.5 ms in about 40 % of its runs
// (TestNoAVXPenaltyAfterPreemption). Async preemption is a startup-time
// setting, so the bgdlab CLI sets it for its worker process, scripts/goenv.sh
// for go test and the GoNB kernel, and New warns a library user who has not.
// Drop it when Go's asyncPreempt clears the upper bits after restoring them.
const NoAsyncPreempt = "asyncpreemptoff=1"

// WithoutAsyncPreempt returns godebug (a GODEBUG value) with NoAsyncPreempt
// added, when this build has the SIMD matrix products on amd64; otherwise
// godebug unchanged.
func WithoutAsyncPreempt(godebug string) string {
	if !SIMDCompiled || runtime.GOARCH != "amd64" || AsyncPreemptOff(godebug) {
		return godebug
	}
	if godebug == "" {
		return NoAsyncPreempt
	}
	return godebug + "," + NoAsyncPreempt
}

// AsyncPreemptOff tells whether the GODEBUG value godebug turns
// asynchronous preemption off (the last asyncpreemptoff setting wins, as in
// Go's runtime).
func AsyncPreemptOff(godebug string) bool {
	off := false
	for _, kv := range strings.Split(godebug, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "asyncpreemptoff" {
			off = v == "1"
		}
	}
	return off
}

var warnPreemptOnce sync.Once

// warnAsyncPreempt tells a library user, once per process, that this SIMD
// build runs with async preemption on.
func warnAsyncPreempt() {
	if WithoutAsyncPreempt(os.Getenv("GODEBUG")) == os.Getenv("GODEBUG") {
		return
	}
	warnPreemptOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "bgdlab: this program is built with GOEXPERIMENT=simd and runs with asynchronous preemption on: on Intel CPUs the go backend's element-wise ops can then run 100× slower. Start it with GODEBUG=%s (scripts/goenv.sh and the bgdlab CLI do; see pkg/backend NoAsyncPreempt)\n", NoAsyncPreempt)
	})
}
