package exercise

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// BatchProblem is a batch-size decision under a wall-clock budget: candidate
// batch sizes with their measured seconds per step, and a model of the
// training loss after k steps (notebook 03 measures both kinds of number).
type BatchProblem struct {
	// N is the number of training examples; a batch of N is full-batch GD.
	N int
	// Sizes are the candidate batch sizes, ascending.
	Sizes []int
	// StepSeconds[i] is the measured time of one step at batch Sizes[i].
	StepSeconds []float64
	// Budget is the wall-clock budget in seconds.
	Budget float64
	// InitialLoss is the excess loss before training.
	InitialLoss float64
	// Contraction is the factor the excess loss shrinks by per step (< 1).
	Contraction float64
	// NoiseScale sets the noise floor NoiseScale·(1/b − 1/N) that mini-batch
	// gradients leave at batch size b (zero for the full batch).
	NoiseScale float64
}

// Predicted is the model's excess loss after steps steps at batch size b:
// the noise floor plus the initial loss shrunk by Contraction per step.
func (p BatchProblem) Predicted(b, steps int) float64 {
	floor := p.NoiseScale * (1/float64(b) - 1/float64(p.N))
	return floor + p.InitialLoss*math.Pow(p.Contraction, float64(steps))
}

// SampleBatchProblem returns a random but plausible problem: a 60 000-example
// data set, per-step time = overhead + per-example cost, a budget of seconds
// to a minute. The checker draws its cases the same way.
func SampleBatchProblem(seed uint64) BatchProblem {
	return sampleBatchProblem(rand.New(rand.NewPCG(seed, 0xBA7C4)))
}

func sampleBatchProblem(r *rand.Rand) BatchProblem {
	p := BatchProblem{N: 60000, Sizes: []int{32, 128, 512, 2048, 8192, 60000},
		Budget: math.Exp(math.Log(2) + r.Float64()*math.Log(30)), InitialLoss: 1,
		Contraction: 1 - math.Exp(-3-4*r.Float64()), NoiseScale: math.Exp(-1 + 5*r.Float64())}
	overhead, perExample := 1e-3*math.Exp(2*r.Float64()), 2e-6*math.Exp(2*r.Float64())
	for _, b := range p.Sizes {
		p.StepSeconds = append(p.StepSeconds, overhead+perExample*float64(b))
	}
	return p
}

// bestPlan is the reference answer (unexported: a student's cell must not
// be able to return it): for each size, the whole number of steps
// the budget pays for, and the size whose predicted loss is lowest.
func (p BatchProblem) bestPlan() (batch, steps int) {
	best := math.Inf(1)
	for i, b := range p.Sizes {
		k := int(math.Floor(p.Budget / p.StepSeconds[i]))
		if l := p.Predicted(b, k); l < best {
			best, batch, steps = l, b, k
		}
	}
	return batch, steps
}

// PlanFunc chooses a batch size and the number of steps to run within the budget.
type PlanFunc func(p BatchProblem) (batch, steps int)

// BatchPlan checks the student's plan against bestPlan on random problems.
func BatchPlan(f PlanFunc, opts ...Option) Result {
	return check("the batch size for a time budget", opts, func(_ int, r *rand.Rand) (string, string) {
		p := sampleBatchProblem(r)
		b, k := p.bestPlan()
		got, err := call(func() [2]int { gb, gk := f(p); return [2]int{gb, gk} })
		if err != nil {
			return stubbed("plan", err)
		}
		if got == [2]int{b, k} {
			return "", ""
		}
		return fmt.Sprintf("plan(budget %.3g s) = (batch %d, %d steps), want (batch %d, %d steps)", p.Budget, got[0], got[1], b, k), batchHint(p, got[0], got[1], b)
	})
}

// batchHint explains the most likely mistake behind a wrong plan.
func batchHint(p BatchProblem, gotB, gotK, wantB int) string {
	i := -1
	for j, b := range p.Sizes {
		if b == gotB {
			i = j
		}
	}
	if i < 0 {
		return fmt.Sprintf("choose one of p.Sizes %v", p.Sizes)
	}
	afford := int(math.Floor(p.Budget / p.StepSeconds[i]))
	switch {
	case gotK > afford:
		return fmt.Sprintf("%d steps at batch %d take %.3g s, over the %.3g s budget: round the number of steps down", gotK, gotB, float64(gotK)*p.StepSeconds[i], p.Budget)
	case gotK < afford:
		return fmt.Sprintf("the budget pays for %d steps at batch %d (⌊budget / seconds per step⌋), not %d", afford, gotB, gotK)
	case gotB != wantB:
		return fmt.Sprintf("batch %d reaches predicted loss %.4g in the budget, batch %d reaches %.4g: compare p.Predicted for every size at the steps each can afford",
			gotB, p.Predicted(gotB, gotK), wantB, p.Predicted(p.bestPlan()))
	}
	return "compare p.Predicted(b, steps) for every size at the steps the budget pays for"
}
