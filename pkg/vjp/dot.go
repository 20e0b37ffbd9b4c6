package vjp

import (
	"github.com/gomlx/gomlx/core/graph"
)

// Axes are the contracting and batch axes of a DotGeneral node.
type Axes struct {
	LhsContracting, LhsBatch, RhsContracting, RhsBatch []int
}

// AxesOf reads the axes of a DotGeneral node. GoMLX keeps them in unexported
// fields; reflection reads them without modifying anything.
func AxesOf(node *graph.Node) Axes {
	if node.Type() != graph.NodeTypeDotGeneral {
		panic("vjp.AxesOf: node " + node.String() + " is not a DotGeneral")
	}
	return Axes{
		LhsContracting: intsField(node, "lhsContractingAxes"),
		LhsBatch:       intsField(node, "lhsBatchAxes"),
		RhsContracting: intsField(node, "rhsContractingAxes"),
		RhsBatch:       intsField(node, "rhsBatchAxes"),
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
