package vjp

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// SliceParams reads the starts, limits and strides of a Slice node.
func SliceParams(node *graph.Node) (starts, limits, strides []int) {
	if node.Type() != graph.NodeTypeSlice {
		panic("vjp.SliceParams: node " + node.String() + " is not a Slice")
	}
	return intsField(node, "starts"), intsField(node, "limits"), intsField(node, "strides")
}

// sliceVJP places the adjoint v of y = Slice(x, starts, limits, strides) back
// at the sliced positions of a zero tensor shaped like x. Axis by axis:
// strides interleave stride−1 zeros after each element (Concatenate on a new
// axis, then Reshape), and zeros are concatenated before and after the
// sliced range. Only Concatenate, Reshape and Slice are used, so it runs on
// every backend; GoMLX's rule needs Pad.
func sliceVJP(node, v *graph.Node) []*graph.Node {
	x := node.Inputs()[0]
	starts, _, strides := SliceParams(node)
	dims := x.Shape().Dimensions
	for axis := range dims {
		if s := strides[axis]; s > 1 && v.Shape().Dimensions[axis] > 1 {
			v = interleaveZeros(v, axis, s)
		}
		before := starts[axis]
		after := dims[axis] - before - v.Shape().Dimensions[axis]
		if before == 0 && after == 0 {
			continue
		}
		parts := make([]*graph.Node, 0, 3)
		if before > 0 {
			parts = append(parts, zerosLikeAlong(v, axis, before))
		}
		parts = append(parts, v)
		if after > 0 {
			parts = append(parts, zerosLikeAlong(v, axis, after))
		}
		v = graph.Concatenate(parts, axis)
	}
	return []*graph.Node{v}
}

// interleaveZeros turns v[..., m, ...] into v'[..., (m−1)s+1, ...] with
// v'[..., i·s, ...] = v[..., i, ...] and zeros in between.
func interleaveZeros(v *graph.Node, axis, s int) *graph.Node {
	m := v.Shape().Dimensions[axis]
	w := graph.InsertAxes(v, axis+1)                                                // [..., m, 1, ...]
	w = graph.Concatenate([]*graph.Node{w, zerosLikeAlong(w, axis+1, s-1)}, axis+1) // [..., m, s, ...]
	dims := append([]int(nil), v.Shape().Dimensions...)
	dims[axis] = m * s
	w = graph.Reshape(w, dims...)
	return graph.SliceAxis(w, axis, graph.AxisRange(0, (m-1)*s+1))
}

// zerosLikeAlong returns zeros shaped like v except n along axis.
func zerosLikeAlong(v *graph.Node, axis, n int) *graph.Node {
	dims := append([]int(nil), v.Shape().Dimensions...)
	dims[axis] = n
	return graph.Zeros(v.Graph(), shapes.Make(v.DType(), dims...))
}
