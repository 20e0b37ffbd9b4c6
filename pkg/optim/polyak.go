package optim

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// Polyak is gradient descent with Polyak's step
// γ = min(MaxLR, (f(θ) − f*)/(‖g‖² + Eps)). Each hyperparameter is declared
// once, by its field's tags; polyakRate reads it by key.
type Polyak struct {
	FStar float64 `spec:"f_star" range:"(-inf,inf)" doc:"optimal (or estimated lowest) loss f*"`
	MaxLR float64 `spec:"max_lr" default:"10" range:"(0,inf)" doc:"cap on the step size"`
	Eps   float64 `spec:"eps" default:"1e-12" range:"(0,inf)" doc:"term added to the denominator"`
	Clip
}

func (Polyak) Method() string { return "polyak" }

// Validate checks every field against its range tag.
func (c Polyak) Validate() error { return validate(c) }

// String formats the configuration as a spec, e.g. "polyak:f_star=0.1".
func (c Polyak) String() string { return format(c) }

func init() {
	register(Info{Name: "polyak", New: func() Config { return Polyak{} }, Family: "step-size",
		Doc: "Polyak step: θ ← θ − min(max_lr, (f(θ) − f*)/(‖g‖² + eps))·g"}, gdRule)
}

// polyakRate is the step size γ = min(max_lr, (f − f*)/(‖g‖² + eps)) of the
// gradients grads at loss f, in dtype dt.
func polyakRate(p map[string]float64, grads []*graph.Node, loss *graph.Node, dt dtypes.DType) *graph.Node {
	gn := GlobalNorm(grads, dt)
	if gn == nil {
		gn = graph.ScalarZero(loss.Graph(), dt)
	}
	gap := graph.MaxScalar(graph.AddScalar(loss, -p["f_star"]), 0)
	gamma := graph.Div(gap, graph.AddScalar(graph.Square(gn), p["eps"]))
	return graph.MinScalar(gamma, p["max_lr"])
}
