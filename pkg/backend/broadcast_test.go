package backend_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestBroadcastBinaryOpsMatchReference checks the go backend's binary ops
// on operands of different shapes (a bias [1, O] against [B, O], a channel
// bias [O, 1, 1, 1] against [O, H, W, B], and shapes that keep upstream's
// element iterator) against a host loop over the broadcast indices, bit for
// bit, with the smaller operand on either side. It guards
// third_party/compute's broadcast-runs patch, which hands whole runs to the
// exact-shape loop: a wrong run length, block offset or operand order shows
// here as a wrong element.
func TestBroadcastBinaryOpsMatchReference(t *testing.T) {
	b := goBackend(t)
	ops := []struct {
		name string
		fn   func(x, y *graph.Node) *graph.Node
		ref  func(x, y float32) float32
	}{
		{"add", graph.Add, func(x, y float32) float32 { return x + y }},
		{"sub", graph.Sub, func(x, y float32) float32 { return x - y }},
		{"mul", graph.Mul, func(x, y float32) float32 { return x * y }},
		{"div", graph.Div, func(x, y float32) float32 { return x / y }},
		{"max", graph.Max, func(x, y float32) float32 { return max(x, y) }},
		{"greater-or-equal", func(x, y *graph.Node) *graph.Node {
			return graph.ConvertDType(graph.GreaterOrEqual(x, y), x.DType())
		}, func(x, y float32) float32 {
			if x >= y {
				return 1
			}
			return 0
		}},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ full, small []int }{
		{[]int{4, 37}, []int{1, 37}},             // dense bias: leading run of 37
		{[]int{4, 37}, []int{4, 1}},              // a column: trailing run of 37
		{[]int{3, 5, 7, 20}, []int{3, 1, 1, 1}},  // channel bias in [C, H, W, B]
		{[]int{3, 5, 7, 20}, []int{1, 5, 7, 20}}, // leading block of 700
		{[]int{3, 5, 7, 20}, []int{1, 1, 7, 20}}, // two leading axes broadcast
		{[]int{3, 5, 7, 20}, []int{3, 5, 1, 1}},  // two trailing axes broadcast
		{[]int{3, 1, 7, 20}, []int{3, 1, 1, 1}},  // an axis of size 1 in both
		{[]int{3, 5, 7, 20}, []int{3, 1, 7, 1}},  // interleaved: the iterator
		{[]int{5, 8}, []int{1, 8}},               // runs below the minimum
		{[]int{64, 3}, []int{64, 1}},             // trailing runs below it
		{[]int{17, 19}, []int{17, 19}},           // no broadcast
		{[]int{2, 3, 40}, []int{1, 1, 1}},        // scalar-like
	} {
		x, y := randomFloats(rng, tc.full), randomFloats(rng, tc.small)
		for _, op := range ops {
			for _, smallFirst := range []bool{false, true} {
				lhs, rhs, ls, rs := x, y, tc.full, tc.small
				if smallFirst {
					lhs, rhs, ls, rs = y, x, tc.small, tc.full
				}
				exec := graph.MustNewExec(b, op.fn)
				got := exec.MustExec(tensors.FromFlatDataAndDimensions(lhs, ls...), tensors.FromFlatDataAndDimensions(rhs, rs...))[0].Value()
				exec.Finalize()
				gotFlat := flatten(got)
				want := broadcastRef(lhs, rhs, ls, rs, op.ref)
				name := fmt.Sprintf("%s %v %v", op.name, ls, rs)
				if len(gotFlat) != len(want) {
					t.Fatalf("%s: %d elements, want %d", name, len(gotFlat), len(want))
				}
				for i := range want {
					if gotFlat[i] != want[i] {
						t.Fatalf("%s: element %d = %g, want %g", name, i, gotFlat[i], want[i])
					}
				}
			}
		}
	}
}

func randomFloats(rng *rand.Rand, dims []int) []float32 {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// broadcastRef applies op element by element over the broadcast of two
// operands of equal rank, by index arithmetic.
func broadcastRef(lhs, rhs []float32, ls, rs []int, op func(x, y float32) float32) []float32 {
	rank := len(ls)
	out := make([]int, rank)
	n := 1
	for i := range out {
		out[i] = max(ls[i], rs[i])
		n *= out[i]
	}
	flatAt := func(dims, idx []int) int {
		f := 0
		for i, d := range dims {
			j := idx[i]
			if d == 1 {
				j = 0
			}
			f = f*d + j
		}
		return f
	}
	res := make([]float32, n)
	idx := make([]int, rank)
	for k := range res {
		unravel(k, out, idx)
		res[k] = op(lhs[flatAt(ls, idx)], rhs[flatAt(rs, idx)])
	}
	return res
}

// flatten returns a float32 tensor value of any rank as one slice.
func flatten(v any) []float32 {
	switch v := v.(type) {
	case []float32:
		return v
	case [][]float32:
		var out []float32
		for _, r := range v {
			out = append(out, r...)
		}
		return out
	case [][][]float32:
		var out []float32
		for _, r := range v {
			out = append(out, flatten(r)...)
		}
		return out
	case [][][][]float32:
		var out []float32
		for _, r := range v {
			out = append(out, flatten(r)...)
		}
		return out
	}
	panic(fmt.Sprintf("flatten: %T", v))
}

// BenchmarkBroadcastAdd times the go backend's Add of a bias on the
// shapes bgdlab's models give it: a dense bias [1, 256] on [2000, 256] and
// a convolution's channel bias [16, 1, 1, 1] on its [C, H, W, B] output
// [16, 14, 14, 2000].
func BenchmarkBroadcastAdd(bm *testing.B) {
	b := goBackend(bm)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct{ full, small []int }{
		{[]int{2000, 256}, []int{1, 256}},
		{[]int{16, 14, 14, 2000}, []int{16, 1, 1, 1}},
	} {
		exec := graph.MustNewExec(b, graph.Add)
		x := tensors.FromFlatDataAndDimensions(randomFloats(rng, tc.full), tc.full...)
		y := tensors.FromFlatDataAndDimensions(randomFloats(rng, tc.small), tc.small...)
		bm.Run(fmt.Sprintf("%v+%v", tc.full, tc.small), func(bm *testing.B) {
			for bm.Loop() {
				exec.MustExec(x, y)[0].FinalizeAll()
			}
		})
		exec.Finalize()
	}
}

// unravel sets idx to the row-major position of flat index k in dims.
func unravel(k int, dims, idx []int) {
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = k % dims[a]
		k /= dims[a]
	}
}
