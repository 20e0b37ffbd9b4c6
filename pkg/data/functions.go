package data

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
)

// Function2D is a two-variable test function for trajectory pictures, with
// its known minima (and saddles) and a plotting window.
type Function2D struct {
	Name string
	// F evaluates the function on the host in float64.
	F func(x, y float64) float64
	// Graph builds the same function in a GoMLX graph from a [2] parameter.
	Graph func(p *graph.Node) *graph.Node
	// Minima are the known global/local minimizers (all global for
	// Himmelblau); Saddles the known saddle points.
	Minima, Saddles [][2]float64
	// XMin, XMax, YMin, YMax bound the plotting window; Start is a
	// conventional starting point.
	XMin, XMax, YMin, YMax float64
	Start                  [2]float64
}

// split returns p[0] and p[1] as scalars.
func split(p *graph.Node) (*graph.Node, *graph.Node) {
	return graph.Reshape(graph.Slice(p, graph.AxisElem(0))), graph.Reshape(graph.Slice(p, graph.AxisElem(1)))
}

// Quadratic2D returns f(x, y) = ½(x² + κy²): condition number κ.
func Quadratic2D(kappa float64) Function2D {
	return Function2D{
		Name: fmt.Sprintf("quadratic(κ=%g)", kappa),
		F:    func(x, y float64) float64 { return 0.5 * (x*x + kappa*y*y) },
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			return graph.MulScalar(graph.Add(graph.Square(x), graph.MulScalar(graph.Square(y), kappa)), 0.5)
		},
		Minima: [][2]float64{{0, 0}}, XMin: -3, XMax: 3, YMin: -2, YMax: 2, Start: [2]float64{-2.5, 1.5},
	}
}

// Functions2D returns the named test functions: quadratic (κ=10), rosenbrock,
// himmelblau, beale, saddle.
func Functions2D() map[string]Function2D {
	rosen := Function2D{
		Name: "rosenbrock",
		F:    func(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) },
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			return graph.Add(graph.Square(graph.OneMinus(x)), graph.MulScalar(graph.Square(graph.Sub(y, graph.Square(x))), 100))
		},
		Minima: [][2]float64{{1, 1}}, XMin: -2, XMax: 2, YMin: -1, YMax: 3, Start: [2]float64{-1.2, 1},
	}
	himmel := Function2D{
		Name: "himmelblau",
		F: func(x, y float64) float64 {
			a, b := x*x+y-11, x+y*y-7
			return a*a + b*b
		},
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			a := graph.AddScalar(graph.Add(graph.Square(x), y), -11)
			b := graph.AddScalar(graph.Add(x, graph.Square(y)), -7)
			return graph.Add(graph.Square(a), graph.Square(b))
		},
		Minima: [][2]float64{{3, 2}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848126}},
		XMin:   -5, XMax: 5, YMin: -5, YMax: 5, Start: [2]float64{0, 0},
	}
	beale := Function2D{
		Name: "beale",
		F: func(x, y float64) float64 {
			a, b, c := 1.5-x+x*y, 2.25-x+x*y*y, 2.625-x+x*y*y*y
			return a*a + b*b + c*c
		},
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			xy := graph.Mul(x, y)
			xy2 := graph.Mul(xy, y)
			xy3 := graph.Mul(xy2, y)
			a := graph.Add(graph.Sub(graph.Scalar(p.Graph(), p.DType(), 1.5), x), xy)
			b := graph.Add(graph.Sub(graph.Scalar(p.Graph(), p.DType(), 2.25), x), xy2)
			c := graph.Add(graph.Sub(graph.Scalar(p.Graph(), p.DType(), 2.625), x), xy3)
			return graph.Add(graph.Add(graph.Square(a), graph.Square(b)), graph.Square(c))
		},
		Minima: [][2]float64{{3, 0.5}}, XMin: -4.5, XMax: 4.5, YMin: -4.5, YMax: 4.5, Start: [2]float64{1, 1.5},
	}
	saddle := Function2D{
		Name: "saddle",
		F:    func(x, y float64) float64 { return x*x - y*y + 0.25*y*y*y*y },
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			return graph.Add(graph.Sub(graph.Square(x), graph.Square(y)), graph.MulScalar(graph.Square(graph.Square(y)), 0.25))
		},
		// f = x² − y² + y⁴/4: saddle at 0, minima at (0, ±√2).
		Minima: [][2]float64{{0, math.Sqrt2}, {0, -math.Sqrt2}}, Saddles: [][2]float64{{0, 0}},
		XMin: -2, XMax: 2, YMin: -2.5, YMax: 2.5, Start: [2]float64{1.5, 1e-3},
	}
	// f = (x² − 1)² + 0.3x + y²: a global minimum near x ≈ −1.04 and a
	// higher local one near x ≈ 0.96 — descent from the right finds the
	// local one.
	well := Function2D{
		Name: "double-well",
		F:    func(x, y float64) float64 { return (x*x-1)*(x*x-1) + 0.3*x + y*y },
		Graph: func(p *graph.Node) *graph.Node {
			x, y := split(p)
			return graph.Add(graph.Add(graph.Square(graph.AddScalar(graph.Square(x), -1)), graph.MulScalar(x, 0.3)), graph.Square(y))
		},
		Minima: [][2]float64{{doubleWellMin(-1), 0}, {doubleWellMin(1), 0}}, Saddles: [][2]float64{{doubleWellMin(0), 0}},
		XMin: -2, XMax: 2, YMin: -1.5, YMax: 1.5, Start: [2]float64{1.6, 1},
	}
	return map[string]Function2D{"quadratic": Quadratic2D(10), "rosenbrock": rosen, "himmelblau": himmel, "beale": beale, "saddle": saddle, "double-well": well}
}

// Function2DByName returns a test function; "quadratic:kappa=K" sets κ.
func Function2DByName(name string) (Function2D, error) {
	if strings.HasPrefix(name, "quadratic:kappa=") {
		var k float64
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, "quadratic:kappa="), "%g", &k); err != nil || !(k >= 1) {
			return Function2D{}, fmt.Errorf("quadratic: kappa must be a number ≥ 1, got %q", name)
		}
		return Quadratic2D(k), nil
	}
	fs := Functions2D()
	f, ok := fs[name]
	if !ok {
		var names []string
		for n := range fs {
			names = append(names, n)
		}
		sort.Strings(names)
		return f, fmt.Errorf("unknown test function %q: valid ones are %s", name, strings.Join(names, ", "))
	}
	return f, nil
}

// doubleWellMin solves 4x³ − 4x + 0.3 = 0 by Newton's method from x0.
func doubleWellMin(x0 float64) float64 {
	x := x0
	for i := 0; i < 100; i++ {
		x -= (4*x*x*x - 4*x + 0.3) / (12*x*x - 4)
	}
	return x
}

// NearestMinimum is the index in f.Minima of the known minimum closest to
// (x, y), and its distance (−1 and +Inf when f lists none).
func (f Function2D) NearestMinimum(x, y float64) (int, float64) {
	best, dist := -1, math.Inf(1)
	for i, m := range f.Minima {
		if d := math.Hypot(x-m[0], y-m[1]); d < dist {
			best, dist = i, d
		}
	}
	return best, dist
}
