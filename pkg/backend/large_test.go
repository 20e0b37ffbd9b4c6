package backend_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestLargeProductsMatchPanelOrder checks the go backend's large float32
// products on AVX-512 (4M multiply-adds and more: the MLP's and CNN's
// full-batch products) against a host transcription of upstream's packed
// kernel, bit for bit: the contracting axis in panels of 128, each output's
// panel an FMA chain from +0 in index order, the panels added to the output
// one after the other. It guards third_party/compute's large-asm patch,
// which computes the panels' 12-row blocks in assembly and must keep that
// arithmetic; the shapes cover 12-row blocks with 4-row remainders, partial
// 32-column strips, partial panels, both rhs layouts, batches and the
// parallel split of rows and columns.
func TestLargeProductsMatchPanelOrder(t *testing.T) {
	skipWithoutAVX512(t, "packed AVX-512 kernel")
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []productCase{
		{1, 100, 600, 77, false}, // four 24-row panels and a 4-row one; a 13-column strip
		{1, 61, 300, 230, false}, // rows 48..59 in a block, 60 in the 4-row loop
		{1, 37, 1000, 129, true}, // one column past the strips; 8 panels, the last 104 wide
		{1, 2000, 130, 40, false},
		{1, 40, 2000, 300, true}, // the weight-gradient shape: long contracting axis
		{2, 50, 400, 110, false}, // batched
		{3, 48, 256, 128, true},
	} {
		checkProductOrder(t, b, rng, tc, "upstream's panel order", func(lhs, rhs []float32, bi, i, j int) float32 {
			return panelRef(lhs, rhs, tc.m, tc.k, tc.n, bi, i, j, tc.transposed)
		})
	}
}

// panelRef is output [b, i, j] as compute's packed AVX-512 kernel adds it up.
func panelRef(lhs, rhs []float32, m, k, n, b, i, j int, transposed bool) float32 {
	const panel = 128 // AVX512ParamsFloat32.PanelContractingSize
	var out float32
	for p := 0; p < k; p += panel {
		var acc float32
		for kk := p; kk < min(p+panel, k); kk++ {
			r := rhs[(b*k+kk)*n+j]
			if transposed {
				r = rhs[(b*n+j)*k+kk]
			}
			acc = fma32(lhs[(b*m+i)*k+kk], r, acc)
		}
		if p == 0 {
			out = acc
		} else {
			out += acc
		}
	}
	return out
}

// fma32 is a·b + c rounded once to float32 (the AVX-512 FMA). float64's FMA
// rounds to 53 bits first; where that lands halfway between two float32s
// the exact sum decides.
func fma32(a, b, c float32) float32 {
	r := math.FMA(float64(a), float64(b), float64(c))
	if f := float32(r); float64(f) == r || !float32Midpoint(r) {
		return f
	}
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// float32Midpoint tells whether r lies exactly halfway between two
// neighbouring float32s.
func float32Midpoint(r float64) bool {
	lo := float32(r)
	if float64(lo) > r {
		lo = math.Nextafter32(lo, float32(math.Inf(-1)))
	}
	hi := math.Nextafter32(lo, float32(math.Inf(1)))
	return (float64(lo)+float64(hi))/2 == r
}

func TestFMA32(t *testing.T) {
	one := float32(1)
	eps := math.Nextafter32(one, 2) - one // 2^-23
	for _, tc := range []struct{ a, b, c, want float32 }{
		{2, 3, 1, 7},
		{one + eps, one + eps, -1, 2*eps + eps*eps}, // the product's low bits survive: not (a·b) then + c
		{one + eps, one - eps, 0, one},
	} {
		if got := fma32(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("fma32(%g, %g, %g) = %g, want %g", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
	if fmt.Sprint(fma32(0, 0, 0)) != "0" {
		t.Error("fma32(0, 0, 0) is not +0")
	}
}
