package theory

import "math"

// Reddi is the online problem of Reddi, Kale & Kumar (2018, "On the
// Convergence of Adam and Beyond", Theorem 1): on [−1, 1] the losses are
// f_t(x) = C·x when t mod 3 = 1 and −x otherwise, so every period of three
// adds (C − 2)·x and the best point is x = −1. Adam with β₁ = 0 and
// β₂ = 1/(1 + C²) and step Alpha/√t (projected onto [−1, 1]) drifts to +1;
// AMSGrad, whose denominator never decreases, converges to −1.
type Reddi struct {
	C, Alpha float64
	Steps    int
}

// Run iterates Adam (amsgrad false) or AMSGrad from x = 0 in float64 and
// returns x and t every `every` steps.
func (r Reddi) Run(amsgrad bool, every int) (xs, ts []float64) {
	b2 := 1 / (1 + r.C*r.C)
	x, v, vmax := 0.0, 0.0, 0.0
	for t := 1; t <= r.Steps; t++ {
		g := -1.0
		if t%3 == 1 {
			g = r.C
		}
		v = b2*v + (1-b2)*g*g // β₁ = 0: the step uses g itself
		vmax = math.Max(vmax, v)
		denom := v
		if amsgrad {
			denom = vmax
		}
		x = math.Max(-1, math.Min(1, x-r.Alpha/math.Sqrt(float64(t))*g/(math.Sqrt(denom)+1e-8)))
		if t%every == 0 {
			xs, ts = append(xs, x), append(ts, float64(t))
		}
	}
	return xs, ts
}
