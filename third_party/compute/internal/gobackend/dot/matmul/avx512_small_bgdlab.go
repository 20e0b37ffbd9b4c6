// bgdlab patch (compute-small-rows, see third_party/README.md).

//go:build amd64 && goexperiment.simd

package matmul

import (
	"simd/archsimd"
	"unsafe"
)

// avx512SmallRows4Float32 computes, for rows row..row+3 of avx512SmallFloat32's
// non-transposed product, every whole 32-column block of the output, and
// returns the first column it left (rhsCrossSize rounded down to 32). The
// upstream kernel takes the contracting index in its outer loop and loads
// and stores the 4×32 outputs at every step, so each FMA waits on the
// previous step's store; here the 8 accumulators stay in registers over the
// contracting index. Each output is the same FMA chain from +0 in the same
// order (upstream's first step is an FMA on zero too): the results are
// identical.
func avx512SmallRows4Float32(lhsBase, rhsBase, outputBase uintptr, row, rhsCrossSize, contractingSize int) int {
	const lanes, bytes = 16, 4
	cols32 := rhsCrossSize / 32 * 32
	lhsRow := uintptr(contractingSize * bytes)
	l0 := lhsBase + uintptr(row*contractingSize*bytes)
	outRow := uintptr(rhsCrossSize * bytes)
	for col := 0; col < cols32; col += 32 {
		var o00, o01, o10, o11, o20, o21, o30, o31 archsimd.Float32x16
		r := rhsBase + uintptr(col*bytes)
		for k := uintptr(0); k < uintptr(contractingSize)*bytes; k += bytes {
			r0 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(r)))
			r1 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(r + lanes*bytes)))
			r += outRow
			v := archsimd.BroadcastFloat32x16(*(*float32)(unsafe.Pointer(l0 + k)))
			o00, o01 = v.MulAdd(r0, o00), v.MulAdd(r1, o01)
			v = archsimd.BroadcastFloat32x16(*(*float32)(unsafe.Pointer(l0 + lhsRow + k)))
			o10, o11 = v.MulAdd(r0, o10), v.MulAdd(r1, o11)
			v = archsimd.BroadcastFloat32x16(*(*float32)(unsafe.Pointer(l0 + 2*lhsRow + k)))
			o20, o21 = v.MulAdd(r0, o20), v.MulAdd(r1, o21)
			v = archsimd.BroadcastFloat32x16(*(*float32)(unsafe.Pointer(l0 + 3*lhsRow + k)))
			o30, o31 = v.MulAdd(r0, o30), v.MulAdd(r1, o31)
		}
		out := outputBase + uintptr((row*rhsCrossSize+col)*bytes)
		o00.Store((*[16]float32)(unsafe.Pointer(out)))
		o01.Store((*[16]float32)(unsafe.Pointer(out + lanes*bytes)))
		out += outRow
		o10.Store((*[16]float32)(unsafe.Pointer(out)))
		o11.Store((*[16]float32)(unsafe.Pointer(out + lanes*bytes)))
		out += outRow
		o20.Store((*[16]float32)(unsafe.Pointer(out)))
		o21.Store((*[16]float32)(unsafe.Pointer(out + lanes*bytes)))
		out += outRow
		o30.Store((*[16]float32)(unsafe.Pointer(out)))
		o31.Store((*[16]float32)(unsafe.Pointer(out + lanes*bytes)))
	}
	return cols32
}
