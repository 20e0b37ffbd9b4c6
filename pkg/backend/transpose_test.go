package backend_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestTransposeMatchesReference checks the go backend's Transpose against a
// host transpose for the permutations bgdlab's graphs use and random ones
// of ranks 1–5 (axes of size 1 included). It guards third_party/compute's
// transpose patch (merged axes, tiled 2-D transposes, row copies).
func TestTransposeMatchesReference(t *testing.T) {
	type tcase struct{ dims, perm []int }
	cases := []tcase{
		{[]int{600, 256}, []int{1, 0}},           // the adjoint before a weight gradient
		{[]int{8, 28, 28, 1}, []int{1, 2, 3, 0}}, // im2col's [B,H,W,C] → [H,W,C,B]
		{[]int{196, 8, 6}, []int{1, 0, 2}},       // im2col's [P,B,O] → [B,P,O]
		{[]int{3, 40, 33}, []int{0, 2, 1}},       // a batched 2-D transpose
		{[]int{5, 1, 7}, []int{2, 1, 0}},
		{[]int{1, 1}, []int{1, 0}},
		{[]int{4, 5, 6}, []int{0, 1, 2}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 40 {
		rank := 1 + rng.IntN(5)
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = 1 + rng.IntN(6)
			if rng.IntN(4) == 0 {
				dims[i] = 1
			}
		}
		cases = append(cases, tcase{dims, rng.Perm(rank)})
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v/%v", c.dims, c.perm), func(t *testing.T) {
			vals := make([]float32, prod(c.dims))
			for i := range vals {
				vals[i] = float32(i)
			}
			exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return graph.TransposeAllAxes(x, c.perm...) })
			defer exec.Finalize()
			out := exec.MustExec(tensors.FromFlatDataAndDimensions(vals, c.dims...))[0]
			got := tensors.MustCopyFlatData[float32](out)
			if want := hostTranspose(vals, c.dims, c.perm); !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
		})
	}
}

// hostTranspose returns vals (dims, row-major) with output axis i taking
// axis perm[i].
func hostTranspose(vals []float32, dims, perm []int) []float32 {
	outDims := make([]int, len(dims))
	for i, a := range perm {
		outDims[i] = dims[a]
	}
	out := make([]float32, len(vals))
	pos := make([]int, len(dims))
	for i := range out {
		rem := i
		for a := len(outDims) - 1; a >= 0; a-- {
			pos[a] = rem % outDims[a]
			rem /= outDims[a]
		}
		src := make([]int, len(dims))
		for a, p := range pos {
			src[perm[a]] = p
		}
		flat := 0
		for a, d := range dims {
			flat = flat*d + src[a]
		}
		out[i] = vals[flat]
	}
	return out
}
