package backend_test

import (
	"math/rand/v2"
	"testing"
)

// TestSmallProductsMatchElementOrder checks the go backend's small float32
// products with a non-transposed rhs wider than 16 (under 4M multiply-adds:
// the deep MLP's layers, x·w of 1 500×32 by 32×32) on AVX-512 against a host
// transcription of upstream's small kernel, bit for bit: the columns its
// vectors cover (whole 16-wide groups) an FMA chain from +0 over the
// contracting index, the scalar tail a product then products added, each
// rounded. It guards third_party/compute's small-rows patch, which keeps
// the 32-column blocks' accumulators in registers instead of memory; the
// shapes cover 32- and 16-column blocks, scalar tails, the 4-row blocks'
// remainder rows and batches.
func TestSmallProductsMatchElementOrder(t *testing.T) {
	skipWithoutAVX512(t, "small AVX-512 kernel")
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(31, 32))
	for _, tc := range []productCase{
		{1, 1500, 32, 32, false}, // the deep MLP's forward product
		{1, 37, 50, 70, false},   // two 32-column blocks and a 6-column tail
		{1, 5, 9, 48, false},     // a 32- and a 16-column block; one remainder row
		{1, 3, 40, 33, false},    // remainder rows only
		{1, 130, 64, 17, false},
		{2, 20, 30, 40, false}, // batched
	} {
		checkProductOrder(t, b, rng, tc, "upstream's small-kernel order", func(lhs, rhs []float32, bi, i, j int) float32 {
			var want float32
			for kk := range tc.k {
				l, r := lhs[(bi*tc.m+i)*tc.k+kk], rhs[(bi*tc.k+kk)*tc.n+j]
				switch {
				case j < tc.n/16*16:
					want = fma32(l, r, want)
				case kk == 0:
					want = l * r
				default:
					p := l * r
					want += p
				}
			}
			return want
		})
	}
}
