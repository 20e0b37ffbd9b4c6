package optim

import "github.com/gomlx/gomlx/core/graph"

// GDGradSq is the update rule of the seed article
// (000_69b50f95ea7bc2ef.txt, "BGD" with parameters α and β), read
// literally: Wₖ ← Wₖ − α ∂L/∂Wₖ + β Σⱼ (∂L/∂Wⱼ) ⊙ (∂L/∂θⱼ). Its θⱼ are the
// parameters themselves and its sum runs over tensors of one shape, so for
// each parameter tensor the added term is β·g⊙g:
//
//	θ ← θ − LR·g + Beta·g⊙g.
//
// The term is the element-wise square of the gradient, so it is never
// negative: it pushes every parameter up whatever the slope, and the rule
// has fixed points where g = LR/Beta ≠ 0. bgdlab runs it to test the
// article's claim that it is a (better) descent method; it is not one to
// use.
type GDGradSq struct {
	LR   float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta float64 `spec:"beta" default:"0.01" range:"[0,inf)" doc:"β, weight of the g⊙g term (spec.Zero: plain GD)"`
	Clip
}

func (GDGradSq) Method() string    { return "gd-gradsq" }
func (c GDGradSq) Validate() error { return validate(c) }
func (c GDGradSq) String() string  { return format(c) }
func gdGradSqRule(u *varUpdate, g *graph.Node) *graph.Node {
	step := graph.Sub(u.theta, graph.Mul(u.lr, g))
	return graph.Add(step, graph.MulScalar(graph.Square(g), u.p["beta"]))
}

func init() {
	register(Info{Name: "gd-gradsq", New: func() Config { return GDGradSq{} }, Family: "seed",
		Doc: "the seed article's “BGD” rule read literally: θ ← θ − lr·g + β·g⊙g (not a descent method: see the report's claims)"}, gdGradSqRule)
}
