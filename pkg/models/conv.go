package models

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// conv2D is a 2-D convolution with "same" padding (TensorFlow convention:
// out = ⌈in/stride⌉, padding split with the extra row/column after) on
// images x [B, H, W, C] with kernel [kh, kw, C, O]; the result is
// [B, ⌈H/s⌉, ⌈W/s⌉, O]. It is convCHWB between two transposes; the CNN
// itself stays in convCHWB's layout from its first convolution to its
// first dense layer.
func conv2D(x, kernel *graph.Node, stride int) *graph.Node {
	return fromCHWB(convCHWB(toCHWB(x), kernel, stride))
}

// toCHWB and fromCHWB convert images between [B, H, W, C] and [C, H, W, B].
func toCHWB(x *graph.Node) *graph.Node   { return graph.TransposeAllAxes(x, 3, 1, 2, 0) }
func fromCHWB(x *graph.Node) *graph.Node { return graph.TransposeAllAxes(x, 3, 1, 2, 0) }

// convCHWB is conv2D on images laid out [C, H, W, B] (the batch last), as
// im2col: a Gather of patches [K, P, B] (K = kh·kw·C patch entries, P
// output positions) followed by one matrix product kernelᵀ·patches, which
// gives [O, P·B] = [O, H', W', B], the next layer's layout. In this layout
// neither the product nor its two gradients (pkg/vjp) transposes anything
// larger than the kernel: the pure-Go backend multiplies [O, K]·[K, P·B],
// [O, P·B]·[K, P·B]ᵀ and [K, O]·[O, P·B] as they are. (The earlier
// [B, H, W, C] im2col made patches [P, K, B] that the backend transposed to
// [P, B, K] twice a step: 42 % of a CNN step's time.)
//
// graph.Convolve is differentiable on every backend too (pkg/vjp), but
// measured on 2 cores (BenchmarkConv: the CNN's first two convolutions on
// 500 images, forward and both gradients) im2col was already faster on the
// pure-Go backend before this layout: with GoMLX v0.28.3 / compute v0.1.3
// (parallel ConvGeneral; Intel Xeon AVX-512, 2026-12-02) native took 0.40 s
// vs 0.33 s (5×5×1→6) and 0.63 s vs 0.51 s (5×5×6→16, stride 2); on XLA the
// two were within 3% (v0.28.2). In this layout (2-core AMD EPYC Zen 5,
// 2026-12-07, -benchtime 5x): go im2col 73 / 96 ms, native 215 / 377 ms,
// native in [C, H, W, B] (chwbAxes) 216 / 432 ms; xla:cpu im2col 46 / 87 ms,
// native 63 / 76 ms, native [C, H, W, B] 63 / 86 ms — no layout of XLA's own
// convolution beats im2col on both layers, so the CNN keeps im2col on both
// backends.
func convCHWB(x, kernel *graph.Node, stride int) *graph.Node {
	dims := x.Shape().Dimensions
	c, h, w, b := dims[0], dims[1], dims[2], dims[3]
	kd := kernel.Shape().Dimensions
	kh, kw, o := kd[0], kd[1], kd[3]
	hOut, wOut := (h+stride-1)/stride, (w+stride-1)/stride
	padTop := max((hOut-1)*stride+kh-h, 0) / 2
	padLeft := max((wOut-1)*stride+kw-w, 0) / 2
	zero := c * h * w // index of the appended zero row
	k, p := kh*kw*c, hOut*wOut
	// idx[k][p]: the row of x (flattened [C·H·W, B]) that patch entry k of
	// output position p reads; k runs over (ky, kx, ch) as the kernel's rows.
	idx := make([]int32, k*p)
	for ky := 0; ky < kh; ky++ {
		for kx := 0; kx < kw; kx++ {
			for ch := 0; ch < c; ch++ {
				row := idx[((ky*kw+kx)*c+ch)*p:][:p]
				for oy := 0; oy < hOut; oy++ {
					for ox := 0; ox < wOut; ox++ {
						iy, ix := oy*stride+ky-padTop, ox*stride+kx-padLeft
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							row[oy*wOut+ox] = int32(zero)
						} else {
							row[oy*wOut+ox] = int32((ch*h+iy)*w + ix)
						}
					}
				}
			}
		}
	}
	g := x.Graph()
	indices := graph.Reshape(graph.Const(g, idx), k, p, 1)
	xt := graph.Reshape(x, c*h*w, b)
	xt = graph.Concatenate([]*graph.Node{xt, graph.Zeros(g, shapeOf(x.DType(), 1, b))}, 0)
	patches := graph.Reshape(graph.Gather(xt, indices), k, p*b)          // [K, P·B]
	kernelT := graph.TransposeAllAxes(graph.Reshape(kernel, k, o), 1, 0) // [O, K]
	out := graph.DotGeneral(kernelT, []int{1}, nil, patches, []int{0}, nil)
	return graph.Reshape(out, o, hOut, wOut, b)
}

func shapeOf(dt dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dt, dims...) }
