// bgdlab patch (compute-large-asm, see third_party/README.md).

//go:build amd64 && goexperiment.simd

package matmul

import "runtime"

// avx512Kernel12x32Float32 computes a 12×32 tile of a packed panel product
// (assembly, avx512_large_bgdlab_amd64.s): out[r][c] = Σ_k lhs_r[k]·rhs[k][c]
// for rows r of three consecutive packed 4-row groups (groupBytes apart; row
// r is lane r%4 of group r/4) and the packed 32-column rhs strip, rows of out
// outStride bytes apart. Each output is one FMA chain over k from +0, in
// order: the arithmetic of avx512LargeKernelFloat32's accumulators.
//
//go:noescape
func avx512Kernel12x32Float32(lhs, rhs, out *float32, k int, groupBytes, outStride uintptr)

// avx512LargeAsmFloat32 runs avx512LargeKernelFloat32's micro-kernel as
// 12×32 tiles in assembly: 24 accumulators in the ZMM registers Go's
// compiler does not allocate (it uses 15, so the Go kernel keeps 4×32 tiles
// and moves about two registers per FMA), each pair of rhs vectors loaded
// feeding 24 FMAs instead of 8. Every output is the same FMA chain over the
// panel's contracting index, in the same order, as in the 4-row kernel: the
// results are identical. It covers the panel's leading 12-row blocks and
// returns the first row it left to the 4-row loop (a multiple of 4).
func avx512LargeAsmFloat32(packedLHS, packedRHS, packedOutput []float32,
	rhsPanelCols, contractingLen, lhsActiveRows, rhsActiveCols int) int {
	const kernelCols, bytes = 32, 4
	end := (lhsActiveRows + 3) / 4 * 4 / 12 * 12 // whole 12-row blocks of the 4-row loop's extent
	if end == 0 || contractingLen == 0 {
		return 0
	}
	_ = packedLHS[end*contractingLen-1]
	_ = packedRHS[(rhsActiveCols+kernelCols-1)/kernelCols*kernelCols*contractingLen-1]
	_ = packedOutput[(end-1)*rhsPanelCols+(rhsActiveCols+kernelCols-1)/kernelCols*kernelCols-1]
	for row := 0; row < end; row += 12 {
		for col := 0; col < rhsActiveCols; col += kernelCols {
			avx512Kernel12x32Float32(&packedLHS[row*contractingLen], &packedRHS[col*contractingLen],
				&packedOutput[row*rhsPanelCols+col], contractingLen,
				uintptr(4*contractingLen*bytes), uintptr(rhsPanelCols*bytes))
		}
	}
	runtime.KeepAlive(packedLHS)
	runtime.KeepAlive(packedRHS)
	runtime.KeepAlive(packedOutput)
	return end
}
