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
	if nb == 0 && thisRank == 2 && perm[0] == 1 && v.Rank() == 2 && other.Rank() == 2 &&
		other.Shape().Size() < v.Shape().Size() {
		// The product v·other comes out as this operand transposed; other·v
		// is this operand itself: emit that, with no transpose after it,
		// when other is the smaller operand (dotGeneral then transposes it,
		// not v). It serves the CNN's patch gradient kernel·v, where v·kernel
		// was transposed as a [P·B, K] output. A dense layer's weight
		// gradient (other: activations [B, D], v: [B, H]) keeps the product
		// it had unless D < H; then dotGeneral already chose that product
		// (for B ≫ H), so its values do not change.
		return dotGeneral(other, otherCross, otherBatch, v, vCross, nil)
	}
	g := dotGeneral(v, vCross, iota(0, nb), other, otherCross, otherBatch)
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

// dotGeneral is graph.DotGeneral, except for a product of two matrices
// whose lhs contracts its first axis — the weight gradient xᵀ·v of every
// dense layer. The pure-Go backend multiplies only with the lhs's
// contracting axis last; otherwise it transposes both operands (for the
// first layer of the 784→256→10 MLP on 60 000 images: the [60000,256]
// adjoint and the [60000,784] input, every step). Here the one cheaper
// transpose is written into the graph instead: of the lhs alone (the rhs
// then multiplies as it is, in either layout), or of the rhs (when it too
// contracts its first axis) and the small output, by computing the
// transposed product. The values are the same products' sums; XLA lays the
// transposes out itself either way.
func dotGeneral(lhs *graph.Node, lc, lb []int, rhs *graph.Node, rc, rb []int) *graph.Node {
	if lhs.Rank() != 2 || rhs.Rank() != 2 || len(lc) != 1 || len(rc) != 1 || len(lb) != 0 || lc[0] != 0 {
		return graph.DotGeneral(lhs, lc, lb, rhs, rc, rb)
	}
	// Cost in elements moved: transposing the lhs, or computing (rhs·lhs)ᵀ:
	// the output's transpose plus the rhs's when it contracts its first axis.
	lhsCost := lhs.Shape().Size()
	outSize := lhs.Shape().Dimensions[1] * rhs.Shape().Dimensions[1-rc[0]]
	swapCost := outSize
	if rc[0] == 0 {
		swapCost += rhs.Shape().Size()
	}
	if lhsCost <= swapCost {
		return graph.DotGeneral(graph.TransposeAllAxes(lhs, 1, 0), []int{1}, nil, rhs, rc, nil)
	}
	r := rhs
	if rc[0] == 0 {
		r = graph.TransposeAllAxes(rhs, 1, 0)
	}
	return graph.TransposeAllAxes(graph.DotGeneral(r, []int{1}, nil, lhs, []int{0}, nil), 1, 0)
}
