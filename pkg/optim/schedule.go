package optim

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/gomlx/gomlx/core/graph"
)

// Schedule scales the base learning rate as a function of the update number
// k (0 for the first update). It is evaluated inside the training graph, so a
// schedule never forces recompilation, and on the host for logging.
//
//	constant                 1
//	step:every=N,gamma=γ     γ^⌊k/N⌋                         (torch StepLR)
//	exp:gamma=γ              γ^k                             (torch ExponentialLR)
//	inverse:decay=d          1/(1 + d·k)                     (1/t decay)
//	cosine:steps=T,min=m     m + (1−m)·½(1 + cos(π·min(k,T)/T))  (torch CosineAnnealingLR, min as a factor)
//
// Any schedule takes warmup=W: a linear warm-up factor min(1, (k+1)/W).
type Schedule struct {
	Kind   string
	Every  int
	Gamma  float64
	Decay  float64
	Steps  int
	Min    float64
	Warmup int
}

// Constant is the schedule with factor 1.
func Constant() Schedule { return Schedule{Kind: "constant"} }

// ScheduleKinds lists the schedule names ParseSchedule accepts.
var ScheduleKinds = []string{"constant", "step", "exp", "inverse", "cosine"}

// ParseSchedule reads a schedule spec, e.g. "cosine:steps=1000,warmup=50".
func ParseSchedule(s string) (Schedule, error) {
	sp, err := spec.Parse(s)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: %w", err)
	}
	sc := Schedule{Kind: sp.Name, Gamma: 0.1}
	var known []string
	switch sp.Name {
	case "constant":
		known = []string{"warmup"}
	case "step":
		known = []string{"every", "gamma", "warmup"}
	case "exp":
		known = []string{"gamma", "warmup"}
		sc.Gamma = 0.99
	case "inverse":
		known = []string{"decay", "warmup"}
		sc.Decay = 0.01
	case "cosine":
		known = []string{"steps", "min", "warmup"}
	default:
		return sc, fmt.Errorf("unknown schedule %q: valid schedules are constant, step, exp, inverse, cosine", sp.Name)
	}
	if err := spec.Unknown(sp, "schedule", known); err != nil {
		return sc, err
	}
	for _, k := range sp.Keys {
		v := sp.Values[k]
		switch k {
		case "every", "steps", "warmup":
			n, err := spec.Int(k, v)
			if err != nil {
				return sc, fmt.Errorf("schedule %s: %w", sp.Name, err)
			}
			switch k {
			case "every":
				sc.Every = n
			case "steps":
				sc.Steps = n
			case "warmup":
				sc.Warmup = n
			}
		default:
			f, err := spec.Float(k, v)
			if err != nil {
				return sc, fmt.Errorf("schedule %s: %w", sp.Name, err)
			}
			switch k {
			case "gamma":
				sc.Gamma = f
			case "decay":
				sc.Decay = f
			case "min":
				sc.Min = f
			}
		}
	}
	return sc, sc.Validate()
}

// Validate reports nonsense settings, naming the field and its valid range.
func (s Schedule) Validate() error {
	switch s.Kind {
	case "constant", "":
	case "step":
		if s.Every < 1 {
			return fmt.Errorf("schedule step: every=%d must be ≥ 1", s.Every)
		}
		if !(s.Gamma > 0 && s.Gamma <= 1) {
			return fmt.Errorf("schedule step: gamma=%v must be in (0, 1]", s.Gamma)
		}
	case "exp":
		if !(s.Gamma > 0 && s.Gamma <= 1) {
			return fmt.Errorf("schedule exp: gamma=%v must be in (0, 1]", s.Gamma)
		}
	case "inverse":
		if !(s.Decay >= 0) {
			return fmt.Errorf("schedule inverse: decay=%v must be ≥ 0", s.Decay)
		}
	case "cosine":
		if s.Steps < 1 {
			return fmt.Errorf("schedule cosine: steps=%d must be ≥ 1", s.Steps)
		}
		if !(s.Min >= 0 && s.Min <= 1) {
			return fmt.Errorf("schedule cosine: min=%v must be in [0, 1] (a fraction of the base lr)", s.Min)
		}
	default:
		return fmt.Errorf("unknown schedule %q: valid schedules are constant, step, exp, inverse, cosine", s.Kind)
	}
	if s.Warmup < 0 {
		return fmt.Errorf("schedule %s: warmup=%d must be ≥ 0", s.Kind, s.Warmup)
	}
	return nil
}

// String formats the schedule as a spec.
func (s Schedule) String() string {
	var out string
	switch s.Kind {
	case "step":
		out = fmt.Sprintf("step:every=%d,gamma=%s", s.Every, exact(s.Gamma))
	case "exp":
		out = "exp:gamma=" + exact(s.Gamma)
	case "inverse":
		out = "inverse:decay=" + exact(s.Decay)
	case "cosine":
		out = fmt.Sprintf("cosine:steps=%d", s.Steps)
		if s.Min != 0 {
			out += ",min=" + exact(s.Min)
		}
	default:
		out = "constant"
	}
	if s.Warmup > 0 {
		if s.Kind == "constant" || s.Kind == "" {
			out += ":"
		} else {
			out += ","
		}
		out += fmt.Sprintf("warmup=%d", s.Warmup)
	}
	return out
}

// exact writes x so that ParseSchedule reads back the same float64.
func exact(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Factor returns the schedule's multiplier for update k (0-based), in float64.
func (s Schedule) Factor(k int) float64 {
	kf := float64(k)
	f := 1.0
	switch s.Kind {
	case "step":
		f = math.Pow(s.Gamma, math.Floor(kf/float64(s.Every)))
	case "exp":
		f = math.Pow(s.Gamma, kf)
	case "inverse":
		f = 1 / (1 + s.Decay*kf)
	case "cosine":
		f = s.Min + (1-s.Min)*0.5*(1+math.Cos(math.Pi*math.Min(kf, float64(s.Steps))/float64(s.Steps)))
	}
	if s.Warmup > 0 {
		f *= math.Min(1, (kf+1)/float64(s.Warmup))
	}
	return f
}

// factorGraph is Factor inside a graph; k is a scalar float node.
func (s Schedule) factorGraph(k *graph.Node) *graph.Node {
	g := k.Graph()
	dt := k.DType()
	var f *graph.Node
	switch s.Kind {
	case "step":
		f = graph.Pow(graph.Scalar(g, dt, s.Gamma), graph.Floor(graph.DivScalar(k, float64(s.Every))))
	case "exp":
		f = graph.Pow(graph.Scalar(g, dt, s.Gamma), k)
	case "inverse":
		f = graph.Inverse(graph.AddScalar(graph.MulScalar(k, s.Decay), 1))
	case "cosine":
		ratio := graph.DivScalar(graph.MinScalar(k, float64(s.Steps)), float64(s.Steps))
		cos := graph.Cos(graph.MulScalar(ratio, math.Pi))
		f = graph.AddScalar(graph.MulScalar(graph.AddScalar(cos, 1), 0.5*(1-s.Min)), s.Min)
	default:
		f = graph.ScalarOne(g, dt)
	}
	if s.Warmup > 0 {
		w := graph.MinScalar(graph.DivScalar(graph.AddScalar(k, 1), float64(s.Warmup)), 1)
		f = graph.Mul(f, w)
	}
	return f
}

// MustParseSchedule is ParseSchedule for tests and examples: it panics on
// error.
func MustParseSchedule(s string) Schedule {
	sc, err := ParseSchedule(s)
	if err != nil {
		panic(err)
	}
	return sc
}
