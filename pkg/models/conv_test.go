package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestConv2DMatchesDirectLoops compares the im2col convolution with a direct
// loop over output pixels, TensorFlow "same" padding, for several strides.
func TestConv2DMatchesDirectLoops(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct{ n, h, w, c, kh, kw, o, s int }{
		{2, 7, 6, 3, 3, 3, 4, 1}, {2, 7, 6, 3, 5, 5, 2, 2}, {1, 8, 8, 2, 3, 3, 3, 2}, {3, 5, 5, 1, 5, 5, 6, 1},
	} {
		x := make([]float64, tc.n*tc.h*tc.w*tc.c)
		k := make([]float64, tc.kh*tc.kw*tc.c*tc.o)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range k {
			k[i] = rng.NormFloat64()
		}
		got := tensors.MustCopyFlatData[float64](graph.MustExecOnce(b, func(x, k *graph.Node) *graph.Node { return conv2D(x, k, tc.s) },
			tensors.FromFlatDataAndDimensions(x, tc.n, tc.h, tc.w, tc.c), tensors.FromFlatDataAndDimensions(k, tc.kh, tc.kw, tc.c, tc.o)))
		ho, wo := (tc.h+tc.s-1)/tc.s, (tc.w+tc.s-1)/tc.s
		pt := max((ho-1)*tc.s+tc.kh-tc.h, 0) / 2
		pl := max((wo-1)*tc.s+tc.kw-tc.w, 0) / 2
		i := 0
		for n := 0; n < tc.n; n++ {
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					for o := 0; o < tc.o; o++ {
						var want float64
						for ky := 0; ky < tc.kh; ky++ {
							for kx := 0; kx < tc.kw; kx++ {
								iy, ix := oy*tc.s+ky-pt, ox*tc.s+kx-pl
								if iy < 0 || iy >= tc.h || ix < 0 || ix >= tc.w {
									continue
								}
								for c := 0; c < tc.c; c++ {
									want += x[((n*tc.h+iy)*tc.w+ix)*tc.c+c] * k[((ky*tc.kw+kx)*tc.c+c)*tc.o+o]
								}
							}
						}
						if math.Abs(got[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
							t.Fatalf("%+v: output %d = %g, direct %g", tc, i, got[i], want)
						}
						i++
					}
				}
			}
		}
	}
}
