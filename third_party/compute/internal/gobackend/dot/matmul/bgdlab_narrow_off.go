// bgdlab's patch (third_party/compute-narrow-simd.patch).

//go:build !(amd64 && goexperiment.simd)

package matmul

import "github.com/gomlx/compute/internal/gobackend/dot"

// narrowFloat32 is the SIMD build's vector kernel for small float32
// products; without SIMD the scalar kernels compute them.
func narrowFloat32[I, O any](layout dot.Layout, lhs, rhs []I,
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int, output []O) bool {
	return false
}
