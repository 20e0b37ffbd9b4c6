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

// TestScatterSumMatchesElementOrder checks the go backend's ScatterSum
// (the gradient of Gather: the CNN's im2col and the mini-batch rows) in
// float32 against a host loop that adds the updates in their flat order,
// one addition at a time, with repeated indices. It guards
// third_party/compute's scatter patch, which combines whole rows at once and
// must give the element loop's bits.
func TestScatterSumMatchesElementOrder(t *testing.T) {
	cases := []struct {
		operand []int
		indices [][]int32 // one index vector per update, into the leading axes
	}{
		{[]int{6, 33}, rows(0, 5, 2, 2, 0, 5, 5)},                    // rows, repeated
		{[]int{4, 3, 17}, rows(3, 1, 3, 0)},                          // slices of two axes
		{[]int{4, 3, 17}, [][]int32{{1, 2}, {1, 2}, {0, 0}, {3, 1}}}, // two indexed axes
		{[]int{5, 1}, rows(4, 4, 0)},                                 // rows of length 1
		{[]int{9}, rows(8, 0, 8, 3)},                                 // scalars
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v/%d", c.operand, len(c.indices)), func(t *testing.T) {
			k := len(c.indices[0])
			window := prod(c.operand[k:])
			rng := rand.New(rand.NewPCG(11, uint64(window)))
			base := make([]float32, prod(c.operand))
			for i := range base {
				base[i] = float32(rng.NormFloat64() * 1e4)
			}
			upd := make([]float32, len(c.indices)*window)
			for i := range upd {
				upd[i] = float32(rng.NormFloat64())
			}
			var idx []int32
			for _, v := range c.indices {
				idx = append(idx, v...)
			}
			exec := graph.MustNewExec(b, func(x, i, u *graph.Node) *graph.Node { return graph.ScatterSum(x, i, u, false, false) })
			defer exec.Finalize()
			out := exec.MustExec(tensors.FromFlatDataAndDimensions(base, c.operand...),
				tensors.FromFlatDataAndDimensions(idx, len(c.indices), k),
				tensors.FromFlatDataAndDimensions(upd, append([]int{len(c.indices)}, c.operand[k:]...)...))[0]
			got := tensors.MustCopyFlatData[float32](out)
			want := slices.Clone(base)
			for j, v := range c.indices {
				start := 0
				for a, x := range v {
					start = start*c.operand[a] + int(x)
				}
				start *= window
				for e := range window {
					want[start+e] += upd[j*window+e]
				}
			}
			if !slices.Equal(got, want) {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("element %d = %v, want %v (bit-exact, the element loop's order)", i, got[i], want[i])
					}
				}
			}
		})
	}
}
