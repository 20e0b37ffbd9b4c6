package backend_test

import (
	"math/rand/v2"
	"testing"
)

// TestNarrowProductsMatchElementOrder checks the go backend's small float32
// products that upstream computes with its scalar kernels — a
// non-transposed rhs at most 16 columns wide, a transposed one with fewer
// than 16 contracting entries — against a host transcription of those
// kernels' order, bit for bit: each output's products added one at a time
// (non-transposed, rows in blocks of three), or in groups of four summed
// first (transposed, and the non-transposed kernel's last m mod 3 rows). It
// guards third_party/compute's narrow-SIMD patch, which computes them 16
// columns per AVX-512 vector; on a build without SIMD the scalar kernels
// themselves run and must agree too.
func TestNarrowProductsMatchElementOrder(t *testing.T) {
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []productCase{
		{1, 128, 256, 10, false}, // the MLP's output layer on a mini-batch
		{1, 128, 784, 10, false}, // softmax regression
		{1, 37, 50, 16, false},   // a whole vector
		{1, 5, 3, 1, false},      // one column
		{1, 128, 10, 7, false},
		{3, 20, 30, 9, false},   // batched
		{1, 128, 10, 256, true}, // back through the output layer
		{1, 33, 7, 40, true},    // a partial last vector, a group and a tail
		{1, 5, 3, 17, true},     // only the tail
		{1, 9, 1, 20, true},
		{1, 64, 15, 33, true},
		{2, 16, 12, 18, true}, // batched
	} {
		checkProductOrder(t, b, rng, tc, "the scalar kernel's order", func(lhs, rhs []float32, bi, i, j int) float32 {
			return narrowRef(lhs, rhs, tc.m, tc.k, tc.n, bi, i, j, tc.transposed)
		})
	}
}

// narrowRef is output [b, i, j] as compute's scalar kernels add it up.
func narrowRef(lhs, rhs []float32, m, k, n, b, i, j int, transposed bool) float32 {
	l := lhs[(b*m+i)*k:][:k]
	r := func(kk int) float32 {
		if transposed {
			return rhs[(b*n+j)*k+kk]
		}
		return rhs[(b*k+kk)*n+j]
	}
	var acc float32
	kk := 0
	if transposed || i >= m-m%3 { // the non-transposed kernel's row fringe
		for ; kk+3 < k; kk += 4 {
			v0, v1, v2, v3 := l[kk]*r(kk), l[kk+1]*r(kk+1), l[kk+2]*r(kk+2), l[kk+3]*r(kk+3)
			acc += v0 + v1 + v2 + v3
		}
	}
	for ; kk < k; kk++ {
		acc += l[kk] * r(kk)
	}
	return acc
}
