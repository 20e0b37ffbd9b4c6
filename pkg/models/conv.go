package models

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// conv2D is a 2-D convolution with "same" padding (TensorFlow convention:
// out = ⌈in/stride⌉, padding split with the extra row/column after) written
// as im2col: a Gather of patches followed by one matrix product. x is
// [B, H, W, C], kernel [kh, kw, C, O]; the result is [B, ⌈H/s⌉, ⌈W/s⌉, O].
// graph.Convolve is differentiable on every backend too (pkg/vjp), but
// measured on 2 cores (BenchmarkConv: the CNN's first two convolutions on
// 500 images, forward and both gradients) im2col is still faster on the
// pure-Go backend: with GoMLX v0.28.3 / compute v0.1.3 (parallel
// ConvGeneral; Intel Xeon AVX-512, 2026-12-02) native takes 0.40 s vs 0.33 s
// (5×5×1→6) and 0.63 s vs 0.51 s (5×5×6→16, stride 2), where v0.28.2 took
// 2.26 s vs 0.31 s and 1.65 s vs 0.57 s (AMD EPYC); on XLA the two were
// within 3% (73 vs 75 ms, 99 vs 100 ms, v0.28.2).
func conv2D(x, kernel *graph.Node, stride int) *graph.Node {
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	kd := kernel.Shape().Dimensions
	kh, kw, o := kd[0], kd[1], kd[3]
	hOut, wOut := (h+stride-1)/stride, (w+stride-1)/stride
	padTop := max((hOut-1)*stride+kh-h, 0) / 2
	padLeft := max((wOut-1)*stride+kw-w, 0) / 2
	zero := h * w * c // index of the appended zero row
	idx := make([]int32, 0, hOut*wOut*kh*kw*c)
	for oy := 0; oy < hOut; oy++ {
		for ox := 0; ox < wOut; ox++ {
			for ky := 0; ky < kh; ky++ {
				for kx := 0; kx < kw; kx++ {
					iy, ix := oy*stride+ky-padTop, ox*stride+kx-padLeft
					for ch := 0; ch < c; ch++ {
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							idx = append(idx, int32(zero))
						} else {
							idx = append(idx, int32((iy*w+ix)*c+ch))
						}
					}
				}
			}
		}
	}
	g := x.Graph()
	k := kh * kw * c
	indices := graph.Const(g, idx)
	indices = graph.Reshape(indices, hOut*wOut, k, 1)
	xt := graph.Reshape(graph.TransposeAllAxes(x, 1, 2, 3, 0), h*w*c, b) // [HWC, B]
	xt = graph.Concatenate([]*graph.Node{xt, graph.Zeros(g, shapeOf(x.DType(), 1, b))}, 0)
	patches := graph.Gather(xt, indices)                                       // [P, K, B]
	kernelFlat := graph.Reshape(kernel, k, o)                                  // [K, O]
	out := graph.DotGeneral(patches, []int{1}, nil, kernelFlat, []int{0}, nil) // [P, B, O]
	out = graph.TransposeAllAxes(out, 1, 0, 2)                                 // [B, P, O]
	return graph.Reshape(out, b, hOut, wOut, o)
}

func shapeOf(dt dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dt, dims...) }
