package vjp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestSliceGradient checks ∂/∂x Σ w⊙Slice(x)² = 2·x·w at the sliced
// positions and 0 elsewhere (computed on the host, independently of any VJP
// rule) for starts, limits and strides in every combination. GoMLX v0.26.0's
// rule needed Pad, which its pure-Go backend lacked, so bgdlab replaced it;
// v0.28.2's rule passes this test on every backend, and bgdlab's is gone.
func TestSliceGradient(t *testing.T) {
	b := testBackend(t)
	type ax struct{ start, limit, stride int }
	cases := []struct {
		name string
		dims []int
		axes []ax
	}{
		{"1-D middle", []int{7}, []ax{{2, 5, 1}}},
		{"1-D stride 2", []int{7}, []ax{{0, 7, 2}}},
		{"1-D stride 3 offset, ends early", []int{10}, []ax{{1, 8, 3}}},
		{"1-D one element", []int{5}, []ax{{4, 5, 1}}},
		{"1-D stride larger than range", []int{6}, []ax{{1, 3, 4}}},
		{"2-D rows", []int{5, 3}, []ax{{1, 4, 1}, {0, 3, 1}}},
		{"2-D column", []int{4, 6}, []ax{{0, 4, 1}, {5, 6, 1}}},
		{"2-D strides on both", []int{6, 7}, []ax{{1, 6, 2}, {0, 7, 3}}},
		{"3-D mixed", []int{3, 5, 4}, []ax{{1, 3, 1}, {0, 5, 2}, {1, 3, 1}}},
		{"identity", []int{3, 2}, []ax{{0, 3, 1}, {0, 2, 1}}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specs := make([]graph.SliceAxisSpec, len(tc.axes))
			for i, a := range tc.axes {
				specs[i] = graph.AxisRange(a.start, a.limit).Stride(a.stride)
			}
			x := random(rng, tc.dims)
			// Output dims and weights.
			outDims := make([]int, len(tc.dims))
			for i, a := range tc.axes {
				outDims[i] = (a.limit - a.start + a.stride - 1) / a.stride
			}
			w := random(rng, outDims)
			loss := func(xn, wn *graph.Node) *graph.Node {
				return graph.ReduceAllSum(graph.Mul(wn, graph.Square(graph.Slice(xn, specs...))))
			}
			got, _ := gradients(t, b, loss, x, w)
			// Host reference.
			xf, wf := tensors.MustCopyFlatData[float64](x), tensors.MustCopyFlatData[float64](w)
			want := make([]float64, len(xf))
			pos := make([]int, len(outDims))
			for j := range wf {
				rem, flat := j, 0
				for a := len(outDims) - 1; a >= 0; a-- {
					pos[a] = rem % outDims[a]
					rem /= outDims[a]
				}
				for a := range outDims {
					flat = flat*tc.dims[a] + tc.axes[a].start + pos[a]*tc.axes[a].stride
				}
				want[flat] = 2 * xf[flat] * wf[j]
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("∂x[%d] = %.15g, want %.15g", i, got[i], want[i])
				}
			}
		})
	}
}

// gradients compiles loss(a, c) and returns its gradients with respect to a
// and c under the rules currently registered, failing the test on error.
func gradients(t *testing.T, b compute.Backend, loss func(a, c *graph.Node) *graph.Node, a, c *tensors.Tensor) ([]float64, []float64) {
	t.Helper()
	ga, gc, err := gradientsErr(b, loss, a, c)
	if err != nil {
		t.Fatal(err)
	}
	return ga, gc
}

// gradientsErr is gradients returning GoMLX's error (a refused graph) instead.
func gradientsErr(b compute.Backend, loss func(a, c *graph.Node) *graph.Node, a, c *tensors.Tensor) ([]float64, []float64, error) {
	exec, err := graph.NewExec(b, func(an, cn *graph.Node) []*graph.Node {
		return graph.Gradient(loss(an, cn), an, cn)
	})
	if err != nil {
		return nil, nil, err
	}
	defer exec.Finalize()
	out, err := exec.Exec(a, c)
	if err != nil {
		return nil, nil, err
	}
	return tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1]), nil
}
