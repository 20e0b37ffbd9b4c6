package optim

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// varUpdate is what a rule needs to update one variable: its value θ, the
// step size lr and step count t (1 for the first update) in θ's dtype, and
// the method's resolved hyperparameters.
type varUpdate struct {
	s      *stepper
	v      *model.Variable
	method string
	p      map[string]float64
	theta  *graph.Node
	lr, t  *graph.Node
	first  *graph.Node // t == 1
}

// rule returns θ's new value from its gradient g.
type rule func(u *varUpdate, g *graph.Node) *graph.Node

// coupled adds the L2 penalty weight_decay·θ to g.
func (u *varUpdate) coupled(g *graph.Node) *graph.Node {
	if wd := u.p["weight_decay"]; wd != 0 {
		return graph.Add(g, graph.MulScalar(u.theta, wd))
	}
	return g
}

// state returns the optimizer state variable name of this variable.
func (u *varUpdate) state(name string) *model.Variable { return u.s.state(u.v, name) }

// value and set read and write a state variable in the step's graph.
func (u *varUpdate) value(sv *model.Variable) *graph.Node { return sv.NodeValue(u.s.g) }

// ema returns β·x + (1−β)·y.
func ema(x *graph.Node, beta float64, y *graph.Node) *graph.Node {
	return graph.Add(graph.MulScalar(x, beta), graph.MulScalar(y, 1-beta))
}
