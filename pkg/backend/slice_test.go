package backend_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestSliceMatchesReference checks the go backend's Slice against a host
// loop over the output's indices, on random ranks 1–4, starts, limits and
// strides (stride 1 on the last axis takes third_party/compute's row-copy
// path, other strides upstream's element loop) and on the im2col gradient's
// slice [C·H·W, B] of [C·H·W + 1, B]. It fails when a row is copied from
// the wrong offset or an outer axis steps wrongly.
func TestSliceMatchesReference(t *testing.T) {
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(17, 18))
	type tc struct{ dims, starts, limits, strides []int }
	cases := []tc{{[]int{3137, 128}, []int{0, 0}, []int{3136, 128}, []int{1, 1}}}
	for range 60 {
		rank := 1 + rng.IntN(4)
		c := tc{make([]int, rank), make([]int, rank), make([]int, rank), make([]int, rank)}
		for a := range rank {
			c.dims[a] = 1 + rng.IntN(9)
			c.starts[a] = rng.IntN(c.dims[a])
			c.limits[a] = c.starts[a] + 1 + rng.IntN(c.dims[a]-c.starts[a])
			c.strides[a] = 1 + rng.IntN(3)
		}
		if rng.IntN(2) == 0 {
			c.strides[rank-1] = 1
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		x := randomFloats(rng, c.dims)
		exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node {
			specs := make([]graph.SliceAxisSpec, len(c.dims))
			for a := range specs {
				specs[a] = graph.AxisRange(c.starts[a], c.limits[a]).Stride(c.strides[a])
			}
			return graph.Slice(x, specs...)
		})
		got := flatten(exec.MustExec(tensors.FromFlatDataAndDimensions(x, c.dims...))[0].Value())
		exec.Finalize()
		want := sliceRef(x, c.dims, c.starts, c.limits, c.strides)
		name := fmt.Sprintf("%+v", c)
		if len(got) != len(want) {
			t.Fatalf("%s: %d elements, want %d", name, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: element %d = %g, want %g", name, i, got[i], want[i])
			}
		}
	}
}

// sliceRef is x[starts:limits:strides] in row-major order.
func sliceRef(x []float32, dims, starts, limits, strides []int) []float32 {
	rank := len(dims)
	out := make([]int, rank)
	n := 1
	for a := range rank {
		out[a] = (limits[a] - starts[a] + strides[a] - 1) / strides[a]
		n *= out[a]
	}
	res := make([]float32, n)
	idx := make([]int, rank)
	for k := range res {
		unravel(k, out, idx)
		f := 0
		for a := range rank {
			f = f*dims[a] + starts[a] + idx[a]*strides[a]
		}
		res[k] = x[f]
	}
	return res
}

// BenchmarkSlice times the go backend's Slice on the im2col gradient's
// slice of the CNN's second layer at n = 2 000: [4 704, 2 000] of
// [4 705, 2 000] float32.
func BenchmarkSlice(bm *testing.B) {
	b := goBackend(bm)
	rng := rand.New(rand.NewPCG(19, 20))
	x := tensors.FromFlatDataAndDimensions(randomFloats(rng, []int{4705, 2000}), 4705, 2000)
	exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return graph.Slice(x, graph.AxisRange(0, 4704)) })
	defer exec.Finalize()
	for bm.Loop() {
		exec.MustExec(x)[0].FinalizeAll()
	}
}
