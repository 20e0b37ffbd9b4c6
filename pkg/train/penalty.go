package train

import (
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// penalizedGrads returns, for the trainable variables vars whose gradients
// of the loss of m on (x, y) are grads, the gradient of the penalized loss
// L + (ρ/2)·‖∇L‖² (Geiping et al., ICLR 2022): g + ρ·H·g. H·g is the
// finite difference along u = g/‖g‖ scaled back by ‖g‖,
//
//	H·g ≈ ‖g‖·(∇L(θ + ε·u) − ∇L(θ))/ε,
//
// exact for a quadratic loss and O(ε·‖g‖) off otherwise: one more forward
// and backward pass at the shifted parameters, in the same graph (the
// variables are read at θ + ε·u for that pass, then put back). g = 0 adds
// nothing.
func penalizedGrads(ctx *model.Scope, m *models.Model, x, y *graph.Node, vars []*model.Variable, grads []*graph.Node, rho, eps float64) []*graph.Node {
	if len(grads) == 0 {
		return grads
	}
	g := x.Graph()
	norm := optim.GlobalNorm(grads, grads[0].DType())
	step := graph.Div(graph.Scalar(g, norm.DType(), eps), graph.MaxScalar(norm, 1e-30)) // ε/‖g‖
	thetas := make([]*graph.Node, len(vars))
	for i, v := range vars {
		thetas[i] = v.NodeValue(g)
		v.SetNodeValue(graph.Add(thetas[i], graph.Mul(grads[i], graph.ConvertDType(step, grads[i].DType()))))
	}
	shifted := ctx.BuildTrainableVariablesGradientsGraph(m.Loss(ctx, m.Forward(ctx, x), y))
	for i, v := range vars {
		v.SetNodeValue(thetas[i])
	}
	coef := graph.MulScalar(norm, rho/eps) // ρ·‖g‖/ε
	out := make([]*graph.Node, len(grads))
	for i, gr := range grads {
		out[i] = graph.Add(gr, graph.Mul(graph.Sub(shifted[i], gr), graph.ConvertDType(coef, gr.DType())))
	}
	return out
}
