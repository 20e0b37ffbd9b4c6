package backend_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// productCase is a batched float32 product [batch, m, k] by [batch, k, n]
// (or, transposed, by [batch, n, k]) for the kernel-order tests.
type productCase struct {
	batch, m, k, n int
	transposed     bool
}

// checkProductOrder computes tc's product of random operands on b and
// compares every output, bit for bit, with ref(lhs, rhs, batch index, i, j),
// a host transcription of the kernel's order named by order.
func checkProductOrder(t *testing.T, b compute.Backend, rng *rand.Rand, tc productCase, order string,
	ref func(lhs, rhs []float32, bi, i, j int) float32) {
	t.Helper()
	lhs := randomFloats(rng, []int{tc.batch, tc.m, tc.k})
	rdims, rc := []int{tc.batch, tc.k, tc.n}, 1
	if tc.transposed {
		rdims, rc = []int{tc.batch, tc.n, tc.k}, 2
	}
	rhs := randomFloats(rng, rdims)
	exec := graph.MustNewExec(b, func(x, y *graph.Node) *graph.Node {
		return graph.DotGeneral(x, []int{2}, []int{0}, y, []int{rc}, []int{0})
	})
	defer exec.Finalize()
	got := flatten(exec.MustExec(tensors.FromFlatDataAndDimensions(lhs, tc.batch, tc.m, tc.k),
		tensors.FromFlatDataAndDimensions(rhs, rdims...))[0].Value())
	for bi := range tc.batch {
		for i := range tc.m {
			for j := range tc.n {
				if g, want := got[(bi*tc.m+i)*tc.n+j], ref(lhs, rhs, bi, i, j); g != want {
					t.Fatalf("%+v: output [%d, %d, %d] = %g, want %g (%s)", tc, bi, i, j, g, want, order)
				}
			}
		}
	}
}

// skipWithoutAVX512 skips a test of an AVX-512 kernel where it cannot run:
// a build without GOEXPERIMENT=simd, or a CPU without AVX-512.
func skipWithoutAVX512(t *testing.T, kernel string) {
	t.Helper()
	if !backend.SIMDCompiled || runtime.GOARCH != "amd64" || !backend.DetectCPU().AVX512F {
		t.Skipf("the %s runs only in a GOEXPERIMENT=simd build on an AVX-512 CPU", kernel)
	}
}
