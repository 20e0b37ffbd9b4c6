// Package dotgrad replaces GoMLX v0.26.0's reverse-mode rules for matrix
// products with ones that issue two matrix products (DotGeneral) instead of
// broadcasting both operands to an [N, K, M] tensor.
//
// GoMLX's own rules for NodeTypeDot and NodeTypeDotGeneral build the adjoint
// as Mul(broadcast(v), broadcast(other)) followed by ReduceSum: for a full
// batch of Fashion-MNIST through a 784→256 layer that is a 48 GB intermediate
// and no GEMM. The rules here compute, for out = DotGeneral(lhs, rhs),
//
//	∂lhs = DotGeneral(v, rhsCross, batch; rhs, rhsCross, rhsBatch) then transpose,
//	∂rhs = DotGeneral(v, lhsCross, batch; lhs, lhsCross, lhsBatch) then transpose,
//
// which is what every autodiff system does. Importing this package (bgdlab's
// backend package does) installs them in graph.VJPRegistration, so graphs built
// with GoMLX layers (Dense, Einsum) benefit as well.
package dotgrad

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var (
	installOnce sync.Once
	// Original holds GoMLX's own rules, kept for tests and comparisons.
	Original = map[graph.NodeType]graph.VJP{}
)

func init() { Install() }

// Install registers the efficient rules in graph.VJPRegistration. It is
// idempotent and called by this package's init.
func Install() {
	installOnce.Do(func() {
		Original[graph.NodeTypeDot] = graph.VJPRegistration[graph.NodeTypeDot]
		Original[graph.NodeTypeDotGeneral] = graph.VJPRegistration[graph.NodeTypeDotGeneral]
		graph.VJPRegistration[graph.NodeTypeDot] = single(dotVJP)
		graph.VJPRegistration[graph.NodeTypeDotGeneral] = single(dotGeneralVJP)
	})
}

// UseOriginal switches back to GoMLX's own rules (useOriginal=true) or to the
// efficient ones (false). It is meant for tests and benchmarks that compare
// both; it must not be called while graphs are being built concurrently.
func UseOriginal(useOriginal bool) {
	Install()
	if useOriginal {
		graph.VJPRegistration[graph.NodeTypeDot] = Original[graph.NodeTypeDot]
		graph.VJPRegistration[graph.NodeTypeDotGeneral] = Original[graph.NodeTypeDotGeneral]
		return
	}
	graph.VJPRegistration[graph.NodeTypeDot] = single(dotVJP)
	graph.VJPRegistration[graph.NodeTypeDotGeneral] = single(dotGeneralVJP)
}

func single(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// Axes are the contracting and batch axes of a DotGeneral node.
type Axes struct {
	LhsContracting, LhsBatch, RhsContracting, RhsBatch []int
}

// AxesOf reads the axes of a DotGeneral node. GoMLX keeps them in unexported
// fields; reflection reads them without modifying anything.
func AxesOf(node *graph.Node) Axes {
	if node.Type() != graph.NodeTypeDotGeneral {
		panic(fmt.Sprintf("dotgrad.AxesOf: node %s is not a DotGeneral", node))
	}
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() {
		panic("dotgrad: graph.Node has no field inputs (GoMLX version mismatch; bgdlab pins v0.26.0)")
	}
	s := in.Elem().Elem() // interface → *nodeInputsDotGeneral → struct
	read := func(name string) []int {
		f := s.FieldByName(name)
		if !f.IsValid() {
			panic(fmt.Sprintf("dotgrad: DotGeneral inputs lack field %s (GoMLX version mismatch; bgdlab pins v0.26.0)", name))
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	return Axes{
		LhsContracting: read("lhsContractingAxes"),
		LhsBatch:       read("lhsBatchAxes"),
		RhsContracting: read("rhsContractingAxes"),
		RhsBatch:       read("rhsBatchAxes"),
	}
}

// crossAxes lists the axes of an operand of the given rank that are neither
// contracting nor batch, in increasing order.
func crossAxes(rank int, contracting, batch []int) []int {
	used := make([]bool, rank)
	for _, a := range contracting {
		used[a] = true
	}
	for _, a := range batch {
		used[a] = true
	}
	var cross []int
	for a := 0; a < rank; a++ {
		if !used[a] {
			cross = append(cross, a)
		}
	}
	return cross
}

func iota(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

// adjoint computes the gradient with respect to "this" operand of
// out = DotGeneral(...), given v = ∂/∂out. out's axes are
// [batch..., lhsCross..., rhsCross...]; vCross are the positions in v of the
// other operand's cross axes, which get contracted against the other operand.
func adjoint(v *graph.Node, vCross []int, other *graph.Node, otherCross, otherBatch, otherContracting []int,
	thisRank int, thisBatch, thisCross, thisContracting []int) *graph.Node {
	nb := len(thisBatch)
	// Result axes: [batch..., thisCross..., other's contracting axes in
	// increasing axis order]. thisContracting[i] pairs with
	// otherContracting[i], so its position is the rank of otherContracting[i].
	g := graph.DotGeneral(v, vCross, iota(0, nb), other, otherCross, otherBatch)
	perm := make([]int, thisRank)
	for i, a := range thisBatch {
		perm[a] = i
	}
	for i, a := range thisCross {
		perm[a] = nb + i
	}
	for i, a := range thisContracting {
		rank := 0
		for _, o := range otherContracting {
			if o < otherContracting[i] {
				rank++
			}
		}
		perm[a] = nb + len(thisCross) + rank
	}
	identity := true
	for i, p := range perm {
		if i != p {
			identity = false
		}
	}
	if identity {
		return g
	}
	return graph.TransposeAllAxes(g, perm...)
}

// Grads returns (∂lhs, ∂rhs) of DotGeneral(lhs, ax, rhs) given the adjoint v
// of its output, using two DotGeneral calls.
func Grads(lhs, rhs *graph.Node, ax Axes, v *graph.Node) (*graph.Node, *graph.Node) {
	lhsCross := crossAxes(lhs.Rank(), ax.LhsContracting, ax.LhsBatch)
	rhsCross := crossAxes(rhs.Rank(), ax.RhsContracting, ax.RhsBatch)
	nb := len(ax.LhsBatch)
	vLhsCross := iota(nb, len(lhsCross))
	vRhsCross := iota(nb+len(lhsCross), len(rhsCross))
	dl := adjoint(v, vRhsCross, rhs, rhsCross, ax.RhsBatch, ax.RhsContracting, lhs.Rank(), ax.LhsBatch, lhsCross, ax.LhsContracting)
	dr := adjoint(v, vLhsCross, lhs, lhsCross, ax.LhsBatch, ax.LhsContracting, rhs.Rank(), ax.RhsBatch, rhsCross, ax.RhsContracting)
	return dl, dr
}

func dotGeneralVJP(node, v *graph.Node) []*graph.Node {
	in := node.Inputs()
	dl, dr := Grads(in[0], in[1], AxesOf(node), v)
	return []*graph.Node{dl, dr}
}

// dotVJP handles graph.Dot: vector·vector, matrix×vector and matrix×matrix,
// which are DotGeneral contracting lhs's last axis with rhs's first.
func dotVJP(node, v *graph.Node) []*graph.Node {
	in := node.Inputs()
	lhs, rhs := in[0], in[1]
	ax := Axes{LhsContracting: []int{lhs.Rank() - 1}, RhsContracting: []int{0}}
	dl, dr := Grads(lhs, rhs, ax, v)
	return []*graph.Node{dl, dr}
}
