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

// TestReduceSumMatchesElementOrder checks the go backend's ReduceSum in
// float32 against a host sum that adds each output's terms in the operand's
// order, one float32 addition at a time — the order of compute's element
// loop. It guards third_party/compute's reduce patch (runs of innermost axes
// that are all reduced or all kept), which must give the same bits, not just
// close values: the report's numbers are compared run to run.
func TestReduceSumMatchesElementOrder(t *testing.T) {
	cases := []struct {
		dims, axes []int
	}{
		{[]int{128, 64}, []int{0}},       // a bias gradient
		{[]int{128, 10}, []int{1}},       // softmax's row sums
		{[]int{128, 10}, []int{0, 1}},    // a loss
		{[]int{4, 5, 6}, []int{1}},       // a middle axis
		{[]int{4, 5, 6}, []int{0, 2}},    // alternating
		{[]int{4, 5, 6}, []int{1, 2}},    // a reduced tail of two axes
		{[]int{4, 5, 6, 3}, []int{0, 1}}, // a kept tail of two axes
		{[]int{7}, []int{0}},             // a vector
		{[]int{3, 1, 5}, []int{1}},       // a reduced axis of size 1
		{[]int{2, 3, 4, 5}, []int{0, 2}}, // kept and reduced interleaved
		{[]int{1000, 3}, []int{0}},       // long sums, where order shows
		{[]int{3, 1000}, []int{1}},       // long sums along the run
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v/%v", c.dims, c.axes), func(t *testing.T) {
			n := prod(c.dims)
			vals := make([]float32, n)
			rng := rand.New(rand.NewPCG(7, uint64(n)))
			for i := range vals {
				vals[i] = float32(rng.NormFloat64() * 1e3)
			}
			x := tensors.FromFlatDataAndDimensions(vals, c.dims...)
			exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, c.axes...) })
			defer exec.Finalize()
			got := tensors.MustCopyFlatData[float32](exec.MustExec(x)[0])
			want := hostReduceSum(vals, c.dims, c.axes)
			if !slices.Equal(got, want) {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("output %d = %v, want %v (bit-exact, the element loop's order)", i, got[i], want[i])
					}
				}
				t.Fatalf("%d outputs, want %d", len(got), len(want))
			}
		})
	}
}

// hostReduceSum sums vals (dims, row-major) over axes, adding each output's
// terms in flat order.
func hostReduceSum(vals []float32, dims, axes []int) []float32 {
	var outDims []int
	for a, d := range dims {
		if !slices.Contains(axes, a) {
			outDims = append(outDims, d)
		}
	}
	out := make([]float32, prod(outDims))
	pos := make([]int, len(dims))
	for i, v := range vals {
		rem := i
		for a := len(dims) - 1; a >= 0; a-- {
			pos[a] = rem % dims[a]
			rem /= dims[a]
		}
		o := 0
		for a, d := range dims {
			if !slices.Contains(axes, a) {
				o = o*d + pos[a]
			}
		}
		out[o] += v
	}
	return out
}
