package studies

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// edgeMomentum is heavy ball's β on the squared-loss network. At β = 0.9
// (the cross-entropy network's) the run there is chaotic: catapults drop
// its λmax to a tenth of the edge and, over 3 000 steps on xla:cpu, into a
// flat region at a higher loss; at β = 0.5 and 0.8 it locks onto
// 0.97–0.99 of 2(1+β)/η (go backend, 3 000 steps, 2026-12-07).
const edgeMomentum = 0.8

// squaredEdgeFraction sets the momentum-edge runs' edge, 2/η for GD and
// 2(1+β)/η for heavy ball, at this fraction of λmax(θ₀): both start above
// it.
const squaredEdgeFraction = 0.6

// squaredNet is the squared-loss network of the momentum edge: the same
// tanh MLP (64 units) regressing the boxes of 500 localization images (mean
// squared error, float64, full batch). Its sharpness rises again as it
// trains, so a run reaches its edge; the cross-entropy network's falls with
// the loss, and a run there settles far below any edge.
var squaredNet = sharpnessNet{"sharpness/squared", data.Localization{N: 500}, crossEntropyNet.model}

// momentumEdge runs, on the squared-loss network, GD at η = 2/E and heavy
// ball (β = edgeMomentum) at η = 2(1+β)/E — the same edge value E =
// squaredEdgeFraction·λmax(θ₀) — so that where each one's sharpness
// settles tells 2/η and 2(1+β)/η apart: heavy ball's η is 1+β times GD's.
func momentumEdge(s *Env, nSteps, every int) ([]SharpnessRun, float64, error) {
	m, d, err := squaredNet.setup()
	if err != nil {
		return nil, 0, err
	}
	l0, err := initialSharpness(s, m, d)
	if err != nil {
		return nil, 0, err
	}
	e := squaredEdgeFraction * l0
	steps := []sharpnessStep{{lr: 2 / e}, {lr: theory.HeavyBallStableStep(e, edgeMomentum), momentum: edgeMomentum}}
	runs, err := alongTraining(s, squaredNet, steps, nSteps, every)
	return runs, l0, err
}

// momentumEdgeSection adds the squared-loss runs' table, figure and claim.
func momentumEdgeSection(s *Env, sec Study, runs []SharpnessRun, l0 float64, nSteps int) (Study, error) {
	table := sharpnessTable(runs, l0)
	table.Caption = fmt.Sprintf("The momentum edge, on a squared-loss network (tanh MLP, 64 units, regressing the boxes of 500 localization images, float64): GD and heavy ball (β = %g) set to the same edge value, %g·λmax(θ₀). ", edgeMomentum, squaredEdgeFraction) + table.Caption
	sec.Tables = append(sec.Tables, table)
	p := plots.Curves("Squared-loss MLP: sharpness λmax vs step, GD and heavy ball (dashed: their edges)", "step", "λmax of the training-loss Hessian", false, sharpnessSeries(runs, nSteps)...)
	fig, err := s.figure(p, "sharpness_momentum", fmt.Sprintf("λmax along full-batch GD (η = 2/E) and heavy ball (β = %g, η = 2(1+β)/E) on a squared-loss network, E = %g·λmax(θ₀): heavy ball's step is 1+β times GD's, so 2/η would put its sharpness at 1/(1+β) of the dashed line.", edgeMomentum, squaredEdgeFraction))
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, momentumEdgeClaim(runs))
	return sec, nil
}
