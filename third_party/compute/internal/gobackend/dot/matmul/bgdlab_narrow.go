// bgdlab's patch (third_party/compute-narrow-simd.patch).

//go:build amd64 && goexperiment.simd

package matmul

import (
	"simd/archsimd"

	"github.com/gomlx/compute/internal/gobackend/dot"
)

// narrowMaxPacked bounds avx512NarrowFloat32's copy of the rhs (in
// float32s, 1 MiB): a long, thin product (a dot product of two long
// vectors) keeps the scalar kernel rather than a copy up to 16× its rhs.
const narrowMaxPacked = 1 << 18

// narrowFloat32 (bgdlab's patch) runs avx512NarrowFloat32 where
// noSIMDRouter would run smallNoSIMDGeneric or smallNoSIMDGenericTransposed
// on one goroutine — the small float32 products the AVX-512 router hands it
// (a non-transposed rhs at most 16 wide, a transposed one with fewer than
// 16 contracting entries) — when the CPU has AVX-512 and the padded copy of
// the rhs stays within narrowMaxPacked. It reports whether it did.
func narrowFloat32[I, O any](layout dot.Layout, lhs, rhs []I,
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int, output []O) bool {
	l, lok := any(lhs).([]float32)
	r, rok := any(rhs).([]float32)
	o, ook := any(output).([]float32)
	if !lok || !rok || !ook || !archsimd.X86.AVX512() ||
		contractingSize*((rhsCrossSize+15)&^15) > narrowMaxPacked {
		return false
	}
	avx512NarrowFloat32(layout, l, r, batchSize, lhsCrossSize, rhsCrossSize, contractingSize, o)
	return true
}

// avx512NarrowFloat32 computes what smallNoSIMDGeneric (LayoutNonTransposed)
// or smallNoSIMDGenericTransposed (LayoutTransposed) compute, bit for bit,
// with 16 output columns per AVX-512 vector: every output element receives
// the same float32 products added in the same order (no fused multiply-add,
// as the scalar kernels compile to none). smallNoSIMDGeneric adds one term
// at a time in its blocks of three rows and in groups of four for the last
// m mod 3 rows; smallNoSIMDGenericTransposed in groups of four throughout. The scalar kernels take over the
// products the AVX-512 small kernel does not: a non-transposed rhs at most
// 16 columns wide (softmax's and the MLP's 10 outputs), a transposed one
// with fewer than 16 contracting entries (their gradients).
//
// The rhs is first copied as [contracting, columns] with the columns padded
// to a multiple of 16 (zeros), so that each vector load is whole; padded
// lanes are never stored.
func avx512NarrowFloat32(layout dot.Layout, lhs, rhs []float32,
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int, output []float32) {
	defer archsimd.ClearAVXUpperBits()
	m, n, k := lhsCrossSize, rhsCrossSize, contractingSize
	width := (n + 15) &^ 15
	packed := make([]float32, k*width)
	for b := range batchSize {
		l, r, o := lhs[b*m*k:(b+1)*m*k], rhs[b*k*n:(b+1)*k*n], output[b*m*n:(b+1)*m*n]
		if layout == dot.LayoutNonTransposed {
			for kk := range k {
				copy(packed[kk*width:kk*width+n], r[kk*n:(kk+1)*n])
			}
		} else {
			for j := range n {
				for kk, v := range r[j*k : (j+1)*k] {
					packed[kk*width+j] = v
				}
			}
		}
		for j0 := 0; j0 < n; j0 += 16 {
			for i := range m {
				var acc archsimd.Float32x16
				if layout == dot.LayoutNonTransposed && i < m-m%3 {
					acc = narrowRowSequential(l[i*k:(i+1)*k], packed[j0:], width)
				} else {
					acc = narrowRowGroupsOf4(l[i*k:(i+1)*k], packed[j0:], width)
				}
				if j0+16 <= n {
					acc.StoreSlice(o[i*n+j0 : i*n+j0+16])
				} else {
					acc.StoreSlicePart(o[i*n+j0 : i*n+n])
				}
			}
		}
	}
}

// narrowRowSequential adds row[k]·packed[k·width : +16] for k in order, as
// smallNoSIMDGeneric adds each output's terms in its blocks of three rows.
func narrowRowSequential(row, packed []float32, width int) archsimd.Float32x16 {
	acc := archsimd.BroadcastFloat32x16(0)
	for kk, v := range row {
		acc = acc.Add(archsimd.BroadcastFloat32x16(v).Mul(archsimd.LoadFloat32x16Slice(packed[kk*width : kk*width+16])))
	}
	return acc
}

// narrowRowGroupsOf4 adds the terms as smallNoSIMDGenericTransposed (and
// smallNoSIMDGeneric's row fringe) do: acc += ((p₀+p₁)+p₂)+p₃ for each
// whole group of four, then one at a time.
func narrowRowGroupsOf4(row, packed []float32, width int) archsimd.Float32x16 {
	acc := archsimd.BroadcastFloat32x16(0)
	term := func(kk int) archsimd.Float32x16 {
		return archsimd.BroadcastFloat32x16(row[kk]).Mul(archsimd.LoadFloat32x16Slice(packed[kk*width : kk*width+16]))
	}
	kk := 0
	for ; kk+3 < len(row); kk += 4 {
		acc = acc.Add(term(kk).Add(term(kk + 1)).Add(term(kk + 2)).Add(term(kk + 3)))
	}
	for ; kk < len(row); kk++ {
		acc = acc.Add(term(kk))
	}
	return acc
}
