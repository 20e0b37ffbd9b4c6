package backend

import (
	"bufio"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// CPU describes the processor: its model name (from /proc/cpuinfo on Linux)
// and the vector extensions that matter for the pure-Go backend's matrix
// products. Benchmarks record it, since machines of one kind differ.
type CPU struct {
	// Model is the model name, e.g. "AMD EPYC 9B45"; empty if unknown.
	Model string `json:"model"`
	// Arch is GOARCH.
	Arch string `json:"arch"`
	// Cores is runtime.NumCPU().
	Cores int `json:"cores"`
	// AVX2, FMA and AVX512F tell which x86 extensions the CPU has.
	AVX2, FMA, AVX512F bool
}

// Flags lists the vector extensions present, e.g. "avx2 fma" or
// "avx2 fma avx512f"; "none" when none of them is.
func (c CPU) Flags() string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{c.AVX2, "avx2"}, {c.FMA, "fma"}, {c.AVX512F, "avx512f"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(f, " ")
}

// DetectCPU returns this machine's CPU description.
func DetectCPU() CPU {
	c := CPU{Arch: runtime.GOARCH, Cores: runtime.NumCPU(),
		AVX2: cpu.X86.HasAVX2, FMA: cpu.X86.HasFMA, AVX512F: cpu.X86.HasAVX512F}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				c.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	return c
}

// SIMDSummary says in one line whether the pure-Go backend's SIMD matrix
// products are compiled in and usable on this CPU, and how to get them.
func SIMDSummary() string { return DetectCPU().simdSummary() }

func (c CPU) simdSummary() string {
	switch {
	case runtime.GOARCH != "amd64":
		return "not available on " + runtime.GOARCH + " (the SIMD matrix products are amd64 only)"
	case !SIMDCompiled:
		return "not compiled in: build with GOEXPERIMENT=simd (scripts/setup does) for about 8× faster matrix products on the go backend; CPU flags: " + c.Flags()
	case c.AVX512F:
		return "compiled in (GOEXPERIMENT=simd); CPU flags: " + c.Flags() + " (AVX-512 kernels)"
	case c.AVX2 && c.FMA:
		return "compiled in (GOEXPERIMENT=simd); CPU flags: " + c.Flags() + " (AVX2 kernels)"
	default:
		return "compiled in, but this CPU lacks AVX2/FMA: scalar matrix products; CPU flags: " + c.Flags()
	}
}
