// bgdlab's patch (third_party/compute-vector-logistic.patch).

//go:build amd64 && goexperiment.simd

package ops

import (
	"math"
	"simd/archsimd"
)

// logisticVectorOK: the vector kernel runs where it reproduces math.Exp,
// which on amd64 takes its FMA path when the CPU has AVX and FMA.
var logisticVectorOK = archsimd.X86.AVX512() && archsimd.X86.FMA() && archsimd.X86.AVX()

// logisticVector (bgdlab's patch) computes execLogisticGeneric's formula on
// whole blocks of 8 elements — 1/(1+e) for x ≥ 0 and e/(1+e) otherwise,
// with e = exp(−|x|) in float64 — and returns how many leading elements it
// wrote (a multiple of 8, or 0 where the CPU lacks AVX-512); the caller
// computes the rest with execLogisticGeneric. expVector is math.Exp's amd64
// FMA path (archExp in math/exp_amd64.s) for arguments ≤ 0, operation by
// operation, so every output has the bits upstream's scalar loop gives it
// (TestLogisticIsElementwiseExact; all 2³² float32 inputs were compared once
// by hand).
func logisticVector[T float32 | float64](inputs, outputs []T) int {
	if !logisticVectorOK {
		return 0
	}
	n := len(inputs) &^ 7
	switch in := any(inputs).(type) {
	case []float32:
		out := any(outputs).([]float32)
		for i := 0; i < n; i += 8 {
			x := archsimd.LoadFloat32x8Slice(in[i : i+8]).ConvertToFloat64()
			logisticOf(x).ConvertToFloat32().StoreSlice(out[i : i+8])
		}
	case []float64:
		out := any(outputs).([]float64)
		for i := 0; i < n; i += 8 {
			logisticOf(archsimd.LoadFloat64x8Slice(in[i : i+8])).StoreSlice(out[i : i+8])
		}
	}
	archsimd.ClearAVXUpperBits() // the caller's scalar tail follows (third_party/README.md, first patch)
	return n
}

// logisticOf is execLogisticGeneric's float64 expression on 8 lanes.
func logisticOf(x archsimd.Float64x8) archsimd.Float64x8 {
	one := archsimd.BroadcastFloat64x8(1)
	nonNegative := x.GreaterEqual(archsimd.BroadcastFloat64x8(0)) // false for NaN, as in the scalar branch
	negated := x.AsUint64x8().Xor(archsimd.BroadcastUint64x8(1 << 63)).AsFloat64x8()
	e := expVector(negated.Merge(x, nonNegative))
	denominator := one.Add(e)
	return one.Div(denominator).Merge(e.Div(denominator), nonNegative)
}

// Constants of math/exp_amd64.s.
const (
	expLog2E = 1.4426950408889634073599246810018920
	expLn2U  = 0.69314718055966295651160180568695068359375
	expLn2L  = 0.28235290563031577122588448175013436025525412068e-12
)

var expTaylor = [...]float64{2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3,
	8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0}

// expVector is archExp's FMA path for arguments x ≤ 0 (and NaN, −Inf): the
// same multiplies, fused multiply-adds and adds in the same order, the
// exponent rounded to nearest even as CVTSD2SL rounds it, and the same
// scaling by 2^exponent, in two steps for subnormal results.
func expVector(x archsimd.Float64x8) archsimd.Float64x8 {
	bc := archsimd.BroadcastFloat64x8
	k := x.Mul(bc(expLog2E)).RoundToEvenScaled(0)
	r := k.MulAdd(bc(-expLn2U), x)
	r = k.MulAdd(bc(-expLn2L), r)
	r = r.Mul(bc(0.0625))
	p := bc(expTaylor[0])
	for _, c := range expTaylor[1:] {
		p = p.MulAdd(r, bc(c))
	}
	r = r.Mul(p)
	for range 3 {
		r = r.Mul(r.Add(bc(2)))
	}
	r = r.MulAdd(r.Add(bc(2)), bc(1))
	biased := k.ConvertToInt64().Add(archsimd.BroadcastInt64x8(0x3FF))
	normal := r.Mul(biased.ShiftAllLeft(52).AsFloat64x8())
	subnormal := r.Mul(biased.Add(archsimd.BroadcastInt64x8(0x3FE)).ShiftAllLeft(52).AsFloat64x8()).
		Mul(archsimd.BroadcastInt64x8(1).ShiftAllLeft(52).AsFloat64x8())
	zero := bc(0)
	result := normal.Merge(subnormal.Merge(zero, biased.GreaterEqual(archsimd.BroadcastInt64x8(-52))),
		biased.Greater(archsimd.BroadcastInt64x8(0)))
	result = x.Merge(result, x.IsNaN())
	return zero.Merge(result, x.Equal(bc(math.Inf(-1))))
}
