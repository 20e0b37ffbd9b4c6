package backend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestWhereSelectsBits checks the go backend's Where on float32 and float64,
// with each of onTrue and onFalse a full array or a scalar, against a host
// selection, bit for bit (NaN payloads and signed zeros included). It guards
// third_party/compute's branchless-where patch, which selects with a mask
// made from the condition: a wrong mask or a swapped operand shows here.
func TestWhereSelectsBits(t *testing.T) {
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 1001
	cond := make([]bool, n)
	for i := range cond {
		cond[i] = rng.IntN(2) == 0
	}
	special := []float64{math.Copysign(0, -1), math.NaN(), math.Inf(-1), 5e-324}
	values := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
			if i < len(special) {
				v[i] = special[i]
			}
		}
		return v
	}
	onTrue, onFalse := values(), values()
	for _, tScalar := range []bool{false, true} {
		for _, fScalar := range []bool{false, true} {
			name := fmt.Sprintf("onTrue scalar %v, onFalse scalar %v", tScalar, fScalar)
			pick := func(v []float64, scalar bool, i int) float64 {
				if scalar {
					return v[0]
				}
				return v[i]
			}
			operand := func(v []float64, scalar bool, f32 bool) *tensors.Tensor {
				switch {
				case scalar && f32:
					return tensors.FromValue(float32(v[0]))
				case scalar:
					return tensors.FromValue(v[0])
				case f32:
					w := make([]float32, n)
					for i := range w {
						w[i] = float32(v[i])
					}
					return tensors.FromValue(w)
				}
				return tensors.FromValue(v)
			}
			exec := graph.MustNewExec(b, graph.Where)
			for _, f32 := range []bool{true, false} {
				got := exec.MustExec(tensors.FromValue(cond), operand(onTrue, tScalar, f32), operand(onFalse, fScalar, f32))[0].Value()
				for i, c := range cond {
					want := pick(onFalse, fScalar, i)
					if c {
						want = pick(onTrue, tScalar, i)
					}
					if f32 {
						if g := got.([]float32)[i]; math.Float32bits(g) != math.Float32bits(float32(want)) {
							t.Fatalf("%s, float32: element %d (condition %v) = %g, want %g", name, i, c, g, float32(want))
						}
					} else if g := got.([]float64)[i]; math.Float64bits(g) != math.Float64bits(want) {
						t.Fatalf("%s, float64: element %d (condition %v) = %g, want %g", name, i, c, g, want)
					}
				}
			}
			exec.Finalize()
		}
	}
}

// BenchmarkWhere times the go backend's Where as ReLU's gradient uses it:
// a random condition on [2000, 256] float32, the adjoint or a scalar zero.
func BenchmarkWhere(bm *testing.B) {
	b := goBackend(bm)
	rng := rand.New(rand.NewPCG(15, 16))
	cond := make([]bool, 2000*256)
	for i := range cond {
		cond[i] = rng.IntN(2) == 0
	}
	c := tensors.FromFlatDataAndDimensions(cond, 2000, 256)
	v := tensors.FromFlatDataAndDimensions(randomFloats(rng, []int{2000, 256}), 2000, 256)
	exec := graph.MustNewExec(b, func(c, v *graph.Node) *graph.Node { return graph.Where(c, v, graph.ScalarZero(v.Graph(), v.DType())) })
	defer exec.Finalize()
	for bm.Loop() {
		exec.MustExec(c, v)[0].FinalizeAll()
	}
}
