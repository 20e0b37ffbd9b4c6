// bgdlab's patch (third_party/compute-branchless-where.patch).

package ops

import (
	"unsafe"

	"github.com/gomlx/compute/internal/gobackend"
)

// whereSelectBits (bgdlab's patch) runs Where on float32 and float64 without
// a branch per element: each output takes the bits of onTrue or onFalse
// through a mask made from the condition. Upstream's loop branches on every
// condition, and ReLU's gradient (a condition that is true about half the
// time, at random) mispredicts about half of them: 4.5 ms against 0.8 ms for
// 2²⁰ float32 on a 2-core AMD EPYC Zen 5. The bits copied are the same, so
// results are exactly upstream's. It reports false, having written nothing,
// for other dtypes.
func whereSelectBits(conditionBuf, onTrueBuf, onFalseBuf, outputBuf *gobackend.Buffer) bool {
	cond := conditionBuf.Flat.([]bool)
	tScalar, fScalar := onTrueBuf.RawShape.IsScalar(), onFalseBuf.RawShape.IsScalar()
	switch out := outputBuf.Flat.(type) {
	case []float32:
		selectBits(cond, asBits[float32, uint32](onTrueBuf.Flat.([]float32)), asBits[float32, uint32](onFalseBuf.Flat.([]float32)),
			asBits[float32, uint32](out), tScalar, fScalar)
	case []float64:
		selectBits(cond, asBits[float64, uint64](onTrueBuf.Flat.([]float64)), asBits[float64, uint64](onFalseBuf.Flat.([]float64)),
			asBits[float64, uint64](out), tScalar, fScalar)
	default:
		return false
	}
	return true
}

// asBits views a float slice as its bit patterns.
func asBits[F float32 | float64, U uint32 | uint64](x []F) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// selectBits sets out[i] to onTrue's or onFalse's element (or the scalar)
// by cond[i], with a mask instead of a branch.
func selectBits[U uint32 | uint64](cond []bool, onTrue, onFalse, out []U, tScalar, fScalar bool) {
	n := len(cond)
	out = out[:n]
	mask := func(c bool) U { return -U(*(*uint8)(unsafe.Pointer(&c))) }
	switch {
	case tScalar && fScalar:
		t, f := onTrue[0], onFalse[0]
		for i, c := range cond {
			m := mask(c)
			out[i] = t&m | f&^m
		}
	case tScalar:
		t, f := onTrue[0], onFalse[:n]
		for i, c := range cond {
			m := mask(c)
			out[i] = t&m | f[i]&^m
		}
	case fScalar:
		t, f := onTrue[:n], onFalse[0]
		for i, c := range cond {
			m := mask(c)
			out[i] = t[i]&m | f&^m
		}
	default:
		t, f := onTrue[:n], onFalse[:n]
		for i, c := range cond {
			m := mask(c)
			out[i] = t[i]&m | f[i]&^m
		}
	}
}
