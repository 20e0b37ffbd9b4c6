package backend_test

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestNoAVXTransitionPenalty guards the VZEROUPPER patch of
// third_party/compute. On Intel CPUs, GoMLX's AVX2/AVX-512 matrix kernels
// (compute v0.1.3) return with the vector registers' upper halves dirty, and
// every later legacy-SSE instruction — Go's scalar math.Exp inside the go
// backend's Logistic — then pays the AVX→SSE transition penalty (about 50×).
// The test times, in one process, Logistic alone and Logistic right after a
// matrix product, and fails when the pair costs far more than its parts.
// AMD Zen CPUs do not pay the penalty, so there the test passes either way:
// it can only fail on an Intel CPU without the patch.
func TestNoAVXTransitionPenalty(t *testing.T) {
	b := goBackendOnAMD64(t)
	const n, k = 1500, 32
	x := tensors.FromShape(shapes.Make(dtypes.Float32, n, k))
	w := tensors.FromShape(shapes.Make(dtypes.Float32, k, k))
	dot := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return graph.Dot(x, w).Product() })
	logistic := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node {
		return graph.Logistic(graph.Add(x, graph.ReduceAllSum(w)))
	})
	both := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return graph.Logistic(graph.Dot(x, w).Product()) })
	best := func(e *graph.Exec) time.Duration { return fastest(t, 15, e, x, w) }
	tDot, tLog, tBoth := best(dot), best(logistic), best(both)
	ratio := float64(tBoth) / float64(tDot+tLog)
	t.Logf("Dot %v, Logistic %v, Logistic(Dot) %v: ratio %.2f (CPU %s)", tDot, tLog, tBoth, ratio, backend.DetectCPU().Model+", "+backend.DetectCPU().Flags())
	if ratio > 3 {
		t.Errorf("Logistic after a matrix product costs %.1f× Dot + Logistic apart: the AVX→SSE transition penalty (is the replace of github.com/gomlx/compute with third_party/compute in go.mod?)", ratio)
	}
}

// TestNoAVXPenaltyInsideTransposedKernel guards the second half of the
// VZEROUPPER patch: compute's small AVX-512 kernel for the transposed layout
// (both operands' contracting axis last, as in x·wᵀ) ends each output
// element with a scalar add after its vector reduction, and on Intel CPUs
// paid the AVX→SSE penalty once per element: 1 500×32 by 32×32 took 6.4 ms
// against 0.15 ms in the normal layout (and 0.58 ms for the generic
// kernel). The test times both layouts in one process and fails when the
// transposed one costs far more. As above, it cannot fail on AMD Zen.
func TestNoAVXPenaltyInsideTransposedKernel(t *testing.T) {
	b := goBackendOnAMD64(t)
	const n, k = 1500, 32
	x := tensors.FromShape(shapes.Make(dtypes.Float32, n, k))
	w := tensors.FromShape(shapes.Make(dtypes.Float32, k, k))
	normal := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return graph.Dot(x, w).Product() })
	transposed := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node {
		return graph.DotGeneral(x, []int{1}, nil, w, []int{1}, nil)
	})
	best := func(e *graph.Exec) time.Duration { return fastest(t, 15, e, x, w) }
	tNormal, tTransposed := best(normal), best(transposed)
	ratio := float64(tTransposed) / float64(tNormal)
	t.Logf("x·w %v, x·wᵀ %v: ratio %.2f (CPU %s)", tNormal, tTransposed, ratio, backend.DetectCPU().Model+", "+backend.DetectCPU().Flags())
	if ratio > 4 {
		t.Errorf("the transposed-layout product costs %.1f× the normal one: the AVX→SSE penalty inside compute's small kernel (third_party/compute's avx512ReduceSumFloat32x16 must clear the upper bits)", ratio)
	}
}

// TestNoAVXPenaltyAfterPreemption guards NoAsyncPreempt: with Go 1.26's
// asynchronous preemption on, a SIMD build's goroutine resumes from
// preemption with the AVX-512 registers' upper halves dirty, and on Intel
// CPUs an element-wise op (math.Exp per element) then runs about 100×
// slower for the rest of its run. It times Logistic on 60 000×10 floats
// 40 times, a matrix product between runs, and fails when runs take more
// than 10× the fastest one (more than 2 of 40): 10 of 40 without the
// setting on an Intel Xeon (AVX-512, 2 cores), 0 with it. It cannot fail on
// AMD Zen.
func TestNoAVXPenaltyAfterPreemption(t *testing.T) {
	if !backend.SIMDCompiled {
		t.Skip("a test of the go backend's amd64 SIMD build")
	}
	b := goBackendOnAMD64(t)
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 60000, 10))
	xi := tensors.FromShape(shapes.Make(dtypes.Float32, 6000, 784))
	w := tensors.FromShape(shapes.Make(dtypes.Float32, 784, 10))
	logistic := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return graph.Logistic(x) })
	dot := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return graph.Dot(x, w).Product() })
	var times []time.Duration
	for i := 0; i < 40; i++ {
		start := time.Now()
		if _, err := logistic.Exec(x); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(start))
		if _, err := dot.Exec(xi, w); err != nil {
			t.Fatal(err)
		}
	}
	fastest := slices.Min(times)
	slow := 0
	for _, d := range times {
		if d > 10*fastest {
			slow++
		}
	}
	t.Logf("Logistic on 60 000×10: fastest %v, slowest %v, %d of %d runs over 10× the fastest (GODEBUG=%q; CPU %s)",
		fastest, slices.Max(times), slow, len(times), os.Getenv("GODEBUG"), backend.DetectCPU().Model)
	if slow > 2 {
		t.Errorf("%d of %d element-wise runs took over 10× the fastest: the AVX→SSE penalty after async preemption; run with GODEBUG=%s (scripts/goenv.sh sets it)", slow, len(times), backend.NoAsyncPreempt)
	}
}

func TestWithoutAsyncPreempt(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", backend.NoAsyncPreempt},
		{"gctrace=1", "gctrace=1," + backend.NoAsyncPreempt},
		{"asyncpreemptoff=1", "asyncpreemptoff=1"},
		{"asyncpreemptoff=1,asyncpreemptoff=0", "asyncpreemptoff=1,asyncpreemptoff=0," + backend.NoAsyncPreempt},
	} {
		want := tc.want
		if !backend.SIMDCompiled || runtime.GOARCH != "amd64" {
			want = tc.in
		}
		if got := backend.WithoutAsyncPreempt(tc.in); got != want {
			t.Errorf("WithoutAsyncPreempt(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

// TestNoAVXPenaltyInSmallKernelTail guards the third part of the VZEROUPPER
// patch: compute's small AVX-512 kernel for x·w multiplies 16 columns at a
// time and the columns left over one by one in scalar code, right after the
// vector code, so on Intel CPUs an output width that is not a multiple of
// 16 paid the AVX→SSE penalty at every contracting step (1×1000 by 1000×50:
// 141 µs, against 26 µs for the generic kernel; the least-squares studies'
// weight gradients have this shape). It times width 50 against width 64 in
// one process and fails when the narrower costs far more. It cannot fail on
// AMD Zen.
func TestNoAVXPenaltyInSmallKernelTail(t *testing.T) {
	b := goBackendOnAMD64(t)
	const k = 1000
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 1, k))
	best := func(m int) time.Duration {
		w := tensors.FromShape(shapes.Make(dtypes.Float32, k, m))
		e := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return graph.Dot(x, w).Product() })
		return fastest(t, 30, e, x, w)
	}
	t64, t50 := best(64), best(50)
	ratio := float64(t50) / float64(t64)
	t.Logf("1×%d by %d×64: %v; by %d×50: %v: ratio %.2f (CPU %s)", k, k, t64, k, t50, ratio, backend.DetectCPU().Model+", "+backend.DetectCPU().Flags())
	if ratio > 4 {
		t.Errorf("a product of width 50 costs %.1f× one of width 64: the AVX→SSE penalty in the small kernel's scalar tail (third_party/compute must clear the upper bits before it)", ratio)
	}
}

// goBackendOnAMD64 opens the go backend for a test of its amd64 SIMD
// kernels (skipped on the XLA pass and on other architectures), finalized
// when the test ends.
func goBackendOnAMD64(t *testing.T) compute.Backend {
	t.Helper()
	if strings.HasPrefix(os.Getenv("BGDLAB_BACKEND"), "xla") || runtime.GOARCH != "amd64" {
		t.Skip("a test of the go backend's amd64 SIMD kernels")
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// goBackend opens the go backend for a test or benchmark of its kernels,
// finalized when it ends.
func goBackend(tb testing.TB) compute.Backend {
	tb.Helper()
	b, err := backend.NewWithConfig("go")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Finalize)
	return b
}

// fastest runs e n times on args and returns the fastest run's time.
func fastest(t *testing.T, n int, e *graph.Exec, args ...any) time.Duration {
	t.Helper()
	var min time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := e.Exec(args...); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); i == 0 || d < min {
			min = d
		}
	}
	return min
}
