//go:build amd64 && goexperiment.simd

package matmul

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/internal/gobackend"
	"github.com/gomlx/compute/internal/gobackend/dot"
)

// BenchmarkBgdlabSmallShapes compares the AVX-512 small kernels with the generic
// (no-SIMD) router on the shapes of bgdlab's deep-MLP study (1 500 points, width 32).
// bgdlab patch: see third_party/README.md.
func BenchmarkBgdlabSmallShapes(b *testing.B) {
	be := &gobackend.Backend{}
	shapes := []struct{ lhsCross, rhsCross, contracting int }{
		{1500, 32, 32}, {32, 32, 1500}, {1, 50, 1000}, {1, 50, 10000}, {1, 50, 40000}, {1, 20, 128}, {1, 256, 1000}, {2, 50, 10000}, {4, 50, 5000}, {1500, 32, 2}, {1500, 2, 32}, {1500, 10, 32}, {256, 256, 32}, {32, 64, 64},
	}
	for _, layout := range []dot.Layout{dot.LayoutNonTransposed, dot.LayoutTransposed} {
		for _, s := range shapes {
			lhs := make([]float32, s.lhsCross*s.contracting)
			rhs := make([]float32, s.rhsCross*s.contracting)
			for i := range lhs {
				lhs[i] = float32(i%7) * 0.1
			}
			for i := range rhs {
				rhs[i] = float32(i%5) * 0.1
			}
			out := make([]float32, s.lhsCross*s.rhsCross)
			name := fmt.Sprintf("%s/%dx%dx%d", layout, s.lhsCross, s.rhsCross, s.contracting)
			b.Run(name+"/avx512", func(b *testing.B) {
				for b.Loop() {
					avx512SmallFloat32Parallel(be, layout, lhs, rhs, 1, s.lhsCross, s.rhsCross, s.contracting, out)
				}
			})
			b.Run(name+"/generic", func(b *testing.B) {
				for b.Loop() {
					noSIMDRouter(be, layout, lhs, rhs, 1, s.lhsCross, s.rhsCross, s.contracting, out)
				}
			})
		}
	}
}
