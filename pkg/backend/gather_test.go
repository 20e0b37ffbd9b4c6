package backend_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// gatherCase is one XLA Gather: the operand's dimensions, the start indices
// (with the index vector on their last axis) and the gather's parameters.
type gatherCase struct {
	name                                 string
	operand                              []int
	starts                               [][]int32 // one index vector per batch position
	batch                                []int     // the start indices' batch dimensions
	offsetAxes, collapsed, startIndexMap []int
	sliceSizes                           []int
}

// TestGatherMatchesReference checks the go backend's Gather against a
// direct transcription of the StableHLO gather semantics, element by
// element. It guards third_party/compute's gather patch, which copies the
// innermost slice axes that are contiguous in both the operand and the
// output as one run: the mini-batch gather of rows and the CNN's im2col
// patches. The cases include slices that are contiguous in the operand but
// not in the output (offset axes interleaved with batch axes), partial
// inner slices, and clamped start indices.
func TestGatherMatchesReference(t *testing.T) {
	cases := []gatherCase{
		{name: "mini-batch rows", operand: []int{50, 7}, starts: rows(3, 0, 49, 17, 17), batch: []int{5},
			offsetAxes: []int{1}, collapsed: []int{0}, startIndexMap: []int{0}, sliceSizes: []int{1, 7}},
		{name: "rows of a 3-D operand", operand: []int{6, 4, 5}, starts: rows(5, 0, 2), batch: []int{3},
			offsetAxes: []int{1, 2}, collapsed: []int{0}, startIndexMap: []int{0}, sliceSizes: []int{1, 4, 5}},
		{name: "im2col patches", operand: []int{30, 8}, starts: rows(29, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), batch: []int{4, 3},
			offsetAxes: []int{2}, collapsed: []int{0}, startIndexMap: []int{0}, sliceSizes: []int{1, 8}},
		{name: "partial inner slices", operand: []int{5, 6, 7}, starts: [][]int32{{1, 2}, {0, 4}, {3, 0}}, batch: []int{3},
			offsetAxes: []int{1, 2, 3}, collapsed: nil, startIndexMap: []int{1, 2}, sliceSizes: []int{5, 2, 3}},
		{name: "clamped start", operand: []int{5, 6, 7}, starts: [][]int32{{5, 6}, {-3, 9}}, batch: []int{2},
			offsetAxes: []int{1, 2, 3}, collapsed: nil, startIndexMap: []int{1, 2}, sliceSizes: []int{5, 2, 3}},
		{name: "size-1 middle axis", operand: []int{5, 6, 7}, starts: [][]int32{{2}, {5}}, batch: []int{2},
			offsetAxes: []int{1, 2, 3}, collapsed: nil, startIndexMap: []int{1}, sliceSizes: []int{5, 1, 7}},
		{name: "offset axes around the batch axis", operand: []int{3, 4, 6}, starts: rows(2, 1, 0), batch: []int{3},
			offsetAxes: []int{0, 2}, collapsed: []int{0}, startIndexMap: []int{0}, sliceSizes: []int{1, 4, 6}},
		{name: "batch axis last", operand: []int{9, 5}, starts: rows(8, 1, 4, 2), batch: []int{4},
			offsetAxes: []int{0}, collapsed: []int{0}, startIndexMap: []int{0}, sliceSizes: []int{1, 5}},
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	for _, c := range cases {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int8} {
			t.Run(fmt.Sprintf("%s/%s", c.name, dt), func(t *testing.T) {
				operand := make([]float64, prod(c.operand))
				rng := rand.New(rand.NewPCG(1, uint64(len(c.name))))
				for i := range operand {
					operand[i] = float64(rng.IntN(100) - 50)
				}
				opT := tensors.FromShape(shapes.Make(dt, c.operand...))
				opT.MustMutableFlatData(func(flat any) { fill(flat, operand) })
				k := len(c.startIndexMap)
				idx := make([]int32, 0, len(c.starts)*k)
				for _, s := range c.starts {
					idx = append(idx, s...)
				}
				idxT := tensors.FromFlatDataAndDimensions(idx, append(slices.Clone(c.batch), k)...)
				exec := graph.MustNewExec(b, func(x, i *graph.Node) *graph.Node {
					return graph.BackendGather(x, i, len(c.batch), c.offsetAxes, c.collapsed, c.startIndexMap, c.sliceSizes, false)
				})
				defer exec.Finalize()
				out := exec.MustExec(opT, idxT)[0]
				got := flatFloat64(out)
				want, wantDims := referenceGather(c, operand)
				if !slices.Equal(out.Shape().Dimensions, wantDims) {
					t.Fatalf("output dimensions %v, want %v", out.Shape().Dimensions, wantDims)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("element %d (of %d) = %v, want %v", i, len(want), got[i], want[i])
					}
				}
			})
		}
	}
}

// referenceGather is StableHLO's gather, output element by output element.
func referenceGather(c gatherCase, operand []float64) ([]float64, []int) {
	outRank := len(c.batch) + len(c.offsetAxes)
	isOffset := make([]bool, outRank)
	for _, a := range c.offsetAxes {
		isOffset[a] = true
	}
	var kept []int // operand axes that are not collapsed, in order
	for a := range c.operand {
		if !slices.Contains(c.collapsed, a) {
			kept = append(kept, a)
		}
	}
	dims := make([]int, outRank)
	bi, oi := 0, 0
	for a := range dims {
		if isOffset[a] {
			dims[a] = c.sliceSizes[kept[oi]]
			oi++
		} else {
			dims[a] = c.batch[bi]
			bi++
		}
	}
	out := make([]float64, prod(dims))
	pos := make([]int, outRank)
	for i := range out {
		unravel(i, dims, pos)
		// The batch position's flat index, and the offset within the slice.
		flatBatch, o := 0, 0
		full := make([]int, len(c.operand))
		for a := range pos {
			if isOffset[a] {
				full[kept[o]] = pos[a]
				o++
			} else {
				flatBatch = flatBatch*dims[a] + pos[a]
			}
		}
		for j, axis := range c.startIndexMap {
			s := int(c.starts[flatBatch][j])
			s = max(0, min(s, c.operand[axis]-c.sliceSizes[axis]))
			full[axis] += s
		}
		flat := 0
		for a, d := range c.operand {
			flat = flat*d + full[a]
		}
		out[i] = operand[flat]
	}
	return out, dims
}

// rows returns one single-axis start index vector per value.
func rows(vs ...int32) [][]int32 {
	out := make([][]int32, len(vs))
	for i, v := range vs {
		out[i] = []int32{v}
	}
	return out
}

func prod(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// fill writes vs into a flat slice of float32, float64 or int8.
func fill(flat any, vs []float64) {
	switch f := flat.(type) {
	case []float32:
		for i, v := range vs {
			f[i] = float32(v)
		}
	case []float64:
		copy(f, vs)
	case []int8:
		for i, v := range vs {
			f[i] = int8(v)
		}
	}
}

// flatFloat64 returns x's values (float32, float64 or int8) as float64.
func flatFloat64(x *tensors.Tensor) []float64 {
	var out []float64
	x.MustConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			for _, v := range f {
				out = append(out, float64(v))
			}
		case []float64:
			out = append(out, f...)
		case []int8:
			for _, v := range f {
				out = append(out, float64(v))
			}
		}
	})
	return out
}
