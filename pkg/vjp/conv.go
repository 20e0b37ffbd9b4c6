package vjp

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// ConvParams are the parameters of a ConvGeneral node. Empty Strides,
// Paddings ({low, high} per spatial axis) and KernelDilations mean 1, {0, 0}
// and 1; the patch rule (ConvGrads) supports everything but input dilation
// and channel/batch groups.
type ConvParams struct {
	Axes                       compute.ConvolveAxesConfig
	Strides, KernelDilations   []int
	InputDilations             []int
	Paddings                   [][2]int
	ChannelGroups, BatchGroups int
}

// ConvParamsOf reads the parameters of a ConvGeneral node.
func ConvParamsOf(node *graph.Node) ConvParams {
	if node.Type() != graph.NodeTypeConvGeneral {
		panic("vjp.ConvParamsOf: node " + node.String() + " is not a ConvGeneral")
	}
	ax := field(node, "axes")
	ints := func(name string) []int {
		f := ax.FieldByName(name)
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	one := func(name string) int { return int(ax.FieldByName(name).Int()) }
	p := ConvParams{
		Axes: compute.ConvolveAxesConfig{
			InputBatch: one("InputBatch"), InputChannels: one("InputChannels"), InputSpatial: ints("InputSpatial"),
			KernelInputChannels: one("KernelInputChannels"), KernelOutputChannels: one("KernelOutputChannels"), KernelSpatial: ints("KernelSpatial"),
			OutputBatch: one("OutputBatch"), OutputChannels: one("OutputChannels"), OutputSpatial: ints("OutputSpatial"),
		},
		Strides:         intsField(node, "strides"),
		KernelDilations: intsField(node, "kernelDilations"),
		InputDilations:  intsField(node, "inputDilations"),
		ChannelGroups:   int(field(node, "channelGroupCount").Int()),
		BatchGroups:     int(field(node, "batchGroupCount").Int()),
	}
	pads := field(node, "paddings")
	for i := 0; i < pads.Len(); i++ {
		p.Paddings = append(p.Paddings, [2]int{int(pads.Index(i).Index(0).Int()), int(pads.Index(i).Index(1).Int())})
	}
	return p
}

// patchRuleApplies tells whether the patch rule covers these parameters: no
// input dilation and no channel/batch grouping.
func (p ConvParams) patchRuleApplies() bool {
	for _, d := range p.InputDilations {
		if d != 1 {
			return false
		}
	}
	return p.ChannelGroups <= 1 && p.BatchGroups <= 1
}

// convGeneralVJP uses the patch rule on every backend: GoMLX v0.28.3's (as v0.28.2's) rule
// gives wrong adjoints for a 1-D valid convolution with stride 3 and panics
// for asymmetric padding with strides (TestUpstreamConvRuleStillWrong). Input
// dilation and channel/batch groups keep GoMLX's rule.
func convGeneralVJP(node, v *graph.Node) []*graph.Node {
	p := ConvParamsOf(node)
	if p.patchRuleApplies() {
		dx, dk := ConvGrads(node.Inputs()[0], node.Inputs()[1], node.Shape(), p, v)
		return []*graph.Node{dx, dk}
	}
	return Original[graph.NodeTypeConvGeneral](node, []*graph.Node{v}, node.Shape())
}

// ConvGrads returns the adjoints (∂x, ∂kernel) of out = ConvGeneral(x,
// kernel, p) given the adjoint v of out (shaped like out). It writes the
// convolution as patches: out[b, p, o] = Σ_k patches[p, k, b]·K[k, o], where
// patches (a Gather of x with a zero row for padding) holds, for every output
// position p, the kernel-window inputs k = (tap, channel). Then
// ∂K = Σ_{p,b} patches·v and ∂x is ∂patches = v·Kᵀ scattered back
// (ScatterSum) — Gather, DotGeneral, ScatterSum, Transpose and Reshape only.
func ConvGrads(x, kernel *graph.Node, outShape shapes.Shape, p ConvParams, v *graph.Node) (*graph.Node, *graph.Node) {
	if !p.patchRuleApplies() {
		panic("vjp.ConvGrads: input dilations and channel/batch groups are not supported")
	}
	g := x.Graph()
	ax := p.Axes
	nSp := len(ax.InputSpatial)
	xd, kd, od := x.Shape().Dimensions, kernel.Shape().Dimensions, outShape.Dimensions
	in, ks, out := make([]int, nSp), make([]int, nSp), make([]int, nSp)
	for i := 0; i < nSp; i++ {
		in[i], ks[i], out[i] = xd[ax.InputSpatial[i]], kd[ax.KernelSpatial[i]], od[ax.OutputSpatial[i]]
	}
	c, o, b := xd[ax.InputChannels], kd[ax.KernelOutputChannels], xd[ax.InputBatch]
	nIn, nK, nOut := prod(in), prod(ks), prod(out)

	// Patch indices into x laid out as [spatial..., C] rows (plus a zero row).
	zero := nIn * c
	idx := make([]int32, 0, nOut*nK*c)
	oPos, kPos := make([]int, nSp), make([]int, nSp)
	for op := 0; op < nOut; op++ {
		unravel(op, out, oPos)
		for kp := 0; kp < nK; kp++ {
			unravel(kp, ks, kPos)
			flat, inside := 0, true
			for i := 0; i < nSp; i++ {
				pos := oPos[i]*at(p.Strides, i, 1) - padLow(p.Paddings, i) + kPos[i]*at(p.KernelDilations, i, 1)
				if pos < 0 || pos >= in[i] {
					inside = false
					break
				}
				flat = flat*in[i] + pos
			}
			for ch := 0; ch < c; ch++ {
				if inside {
					idx = append(idx, int32(flat*c+ch))
				} else {
					idx = append(idx, int32(zero))
				}
			}
		}
	}
	indices := graph.Reshape(graph.Const(g, idx), nOut, nK*c, 1)

	xPerm := append(append(append([]int(nil), ax.InputSpatial...), ax.InputChannels), ax.InputBatch)
	xt := graph.Reshape(graph.TransposeAllAxes(x, xPerm...), nIn*c, b)
	xt = graph.Concatenate([]*graph.Node{xt, graph.Zeros(g, shapes.Make(x.DType(), 1, b))}, 0)
	patches := graph.Gather(xt, indices) // [P, K·C, B]

	kPerm := append(append(append([]int(nil), ax.KernelSpatial...), ax.KernelInputChannels), ax.KernelOutputChannels)
	kFlat := graph.Reshape(graph.TransposeAllAxes(kernel, kPerm...), nK*c, o) // [K·C, O]

	vPerm := append(append(append([]int(nil), ax.OutputSpatial...), ax.OutputBatch), ax.OutputChannels)
	vFlat := graph.Reshape(graph.TransposeAllAxes(v, vPerm...), nOut, b, o) // [P, B, O]

	dK := graph.DotGeneral(patches, []int{0, 2}, nil, vFlat, []int{0, 1}, nil) // [K·C, O]
	dK = graph.Reshape(dK, append(append(append([]int(nil), ks...), c), o)...)
	dK = graph.TransposeAllAxes(dK, inverse(kPerm)...)

	dPatches := graph.DotGeneral(vFlat, []int{2}, nil, kFlat, []int{1}, nil) // [P, B, K·C]
	dPatches = graph.TransposeAllAxes(dPatches, 0, 2, 1)                     // [P, K·C, B]
	dXt := graph.ScatterSum(graph.Zeros(g, shapes.Make(x.DType(), nIn*c+1, b)), indices, dPatches, false, false)
	dXt = graph.SliceAxis(dXt, 0, graph.AxisRange(0, nIn*c))
	dX := graph.Reshape(dXt, append(append(append([]int(nil), in...), c), b)...)
	dX = graph.TransposeAllAxes(dX, inverse(xPerm)...)
	return dX, dK
}

func prod(xs []int) int {
	n := 1
	for _, x := range xs {
		n *= x
	}
	return n
}

// unravel writes the row-major coordinates of flat index i in dims to pos.
func unravel(i int, dims, pos []int) {
	for a := len(dims) - 1; a >= 0; a-- {
		pos[a] = i % dims[a]
		i /= dims[a]
	}
}

func at(xs []int, i, def int) int {
	if i < len(xs) && xs[i] > 0 {
		return xs[i]
	}
	return def
}

func padLow(p [][2]int, i int) int {
	if i < len(p) {
		return p[i][0]
	}
	return 0
}

// inverse returns the permutation that undoes TransposeAllAxes(·, perm...).
func inverse(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}
