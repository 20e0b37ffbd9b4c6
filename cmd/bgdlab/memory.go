package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's collector lets the heap grow to twice what is live before it
// collects (GOGC=100), so a full-batch CNN step on 55 000 images peaked at
// 4.1 GB. Unless GOMEMLIMIT is set, bgdlab's worker sets Go's soft memory
// limit to the larger of baseMemoryLimit and liveHeadroom × the live heap,
// updated as the live heap changes: small runs collect early and stay under
// the base, large ones keep a tenth of headroom and never make the collector
// run without pause. The large arrays (data, tensors) hold no pointers, so
// the extra collections are cheap (the CNN step: 2.3 GB peak).
const (
	baseMemoryLimit = 2 << 30 // 2 GiB
	liveHeadroom    = 1.1
)

// memoryLimit is the soft limit for a live heap of live bytes.
func memoryLimit(live uint64) int64 {
	return max(int64(baseMemoryLimit), int64(float64(live)*liveHeadroom))
}

// limitMemory keeps the soft memory limit at memoryLimit of the live heap,
// until the process ends; it does nothing when the user set GOMEMLIMIT.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(memoryLimit(sample[0].Value.Uint64()))
		}
	}
	set()
	go func() {
		for range time.Tick(250 * time.Millisecond) {
			set()
		}
	}()
}
